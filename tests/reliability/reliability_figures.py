"""What the reliability suite did, counted by its tests and printed at the end of the run."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field


def percentile(values: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted values lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class Figures:
    """Counters shared by the suite's tests (one pytest process, many client threads)."""

    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    under_fault: Counter = field(default_factory=Counter)  # statuses while a fault was injected
    faults: Counter = field(default_factory=Counter)  # fault kind -> times injected
    verified: Counter = field(default_factory=Counter)  # what was checked -> how many
    latencies: dict[str, list[float]] = field(default_factory=dict)  # run -> seconds
    notes: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def sent(self, status: int, count: int = 1, *, under_fault: bool = False) -> None:
        """Count requests answered with a status (0: the connection broke, no answer).

        Statuses sent while a fault was being injected are also counted apart: the designed
        503 of a write cut by an engine kill and the 507 of a full disk are 5xx on purpose.
        """
        with self._lock:
            self.requests += count
            self.statuses[status] += count
            if under_fault:
                self.under_fault[status] += count

    def fault(self, kind: str, count: int = 1) -> None:
        with self._lock:
            self.faults[kind] += count

    def checked(self, what: str, count: int = 1) -> None:
        with self._lock:
            self.verified[what] += count

    def timed(self, run: str, seconds: list[float]) -> None:
        with self._lock:
            self.latencies.setdefault(run, []).extend(seconds)

    def note(self, line: str) -> None:
        with self._lock:
            self.notes.append(line)

    def lines(self) -> list[str]:
        """The summary printed after the test run."""
        if not self.requests and not self.faults and not self.verified:
            return []
        errors = {s: n for s, n in sorted(self.statuses.items()) if s >= 400 or s == 0}
        out = [f"requests sent: {self.requests}",
               "answers by status: " + ", ".join(f"{s or 'no answer'}: {n}"
                                                 for s, n in sorted(self.statuses.items())),
               "errors by status: " + (", ".join(f"{s or 'no answer'}: {n}"
                                                 for s, n in errors.items()) or "none"),
               "5xx: " + str(sum(n for s, n in self.statuses.items() if s >= 500))
               + " (under injected faults: " + (", ".join(
                   f"{s} x{n}" for s, n in sorted(self.under_fault.items()) if s >= 500)
                   or "none") + "; outside them: "
               + str(sum(n - self.under_fault[s] for s, n in self.statuses.items() if s >= 500))
               + ")",
               "faults injected: " + (", ".join(f"{k} x{n}" for k, n in
                                                sorted(self.faults.items())) or "none"),
               f"items verified: {sum(self.verified.values())} ("
               + ", ".join(f"{k}: {n}" for k, n in sorted(self.verified.items())) + ")"]
        for run, values in sorted(self.latencies.items()):
            out.append(f"latency {run}: p50 {percentile(values, 0.5) * 1000:.1f} ms, "
                       f"p99 {percentile(values, 0.99) * 1000:.1f} ms over {len(values)}")
        return out + self.notes


FIGURES = Figures()
