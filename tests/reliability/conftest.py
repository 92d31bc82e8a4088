"""The reliability suite's shared pieces: its figures, printed at the end of the run."""

from __future__ import annotations

import pytest

from reliability_figures import FIGURES

_seconds = [0.0]


@pytest.fixture(scope="session")
def figures():
    """The suite's counters; tests add what they sent, injected and verified."""
    return FIGURES


def pytest_runtest_logreport(report):
    """Add up the time of the suite's own tests (setup, call and teardown)."""
    if "reliability/" in report.nodeid:
        _seconds[0] += report.duration


def pytest_terminal_summary(terminalreporter):
    lines = FIGURES.lines()
    if not lines:
        return
    terminalreporter.write_sep("=", "reliability suite")
    for line in [*lines, f"suite time: {_seconds[0]:.0f} s"]:
        terminalreporter.write_line(line)
