"""The package type-checks: mypy, with the configuration in pyproject.toml ([tool.mypy]), finds
no error in llm_atlas. mypy is pinned in the test extra, so a new release cannot fail CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_package_type_checks():
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml")],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
