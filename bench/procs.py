"""Peak memory and CPU time of a process tree, read from /proc while it runs.

A system under test may be several processes (our server and its engine process), so memory is
counted over the whole tree: every `interval` the sampler finds the root's descendants and
sums their resident sets (the tree's peak) and keeps each process's own high-water mark
(VmHWM) and CPU time, which also covers a process that ends between two samples of the sum;
each process is named by what it runs, so that the report can show memory per process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def descendants(root: int) -> list[int]:
    """The root and every process below it (through /proc/PID/task/TID/children)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _status(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values


def process_name(pid: int) -> str:
    """What a process runs, for a reader: the program (for Python, the module of `-m` or the
    script) and its command word, if any: `llm-atlas serve`, `llm_atlas.store.embedded.serve`,
    `oxigraph serve`."""
    words = [w.decode(errors="replace")
             for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    if not words:
        return "?"
    program, rest = Path(words[0]).name, words[1:]
    if program.startswith("python"):
        if "-m" in rest[:-1]:
            at = rest.index("-m")
            program, rest = rest[at + 1], rest[at + 2:]
        elif rest and not rest[0].startswith("-"):
            program, rest = Path(rest[0]).name, rest[1:]
    command = rest[0] if rest and rest[0].isidentifier() else ""
    return f"{program} {command}".strip()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


@dataclass
class TreeSampler:
    """Samples a process tree in a thread until stopped; figures in bytes and seconds."""

    root: int
    interval: float = 0.05
    limit_bytes: int | None = None  # when the tree passes it, `over_limit` is set
    on_limit: Callable[[], None] | None = None  # and this is called (once, in the thread)
    peak_sum: int = 0
    hwm: dict[int, int] = field(default_factory=dict)
    cpu: dict[int, float] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    over_limit: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        total = 0
        for pid in descendants(self.root):
            try:
                status = _status(pid)
                self.cpu[pid] = _cpu_seconds(pid)
                if pid not in self.names:
                    self.names[pid] = process_name(pid)
            except (OSError, IndexError, ValueError):
                continue  # ended meanwhile
            total += status.get("VmRSS", 0)
            self.hwm[pid] = max(self.hwm.get(pid, 0), status.get("VmHWM", 0))
        self.peak_sum = max(self.peak_sum, total)
        if self.limit_bytes and total > self.limit_bytes and not self.over_limit.is_set():
            self.over_limit.set()
            if self.on_limit:
                self.on_limit()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the tree's processes have used so far."""
        self.sample()
        return sum(self.cpu.values())

    def stop(self) -> dict:
        """Stop sampling; the tree's peak (MiB), bounded above by the sum of each peak."""
        self.sample()
        self._stop.set()
        self._thread.join()
        return {"peak_rss_mib": round(self.peak_sum / MIB, 1),
                "sum_of_process_peaks_mib": round(sum(self.hwm.values()) / MIB, 1),
                "processes": len(self.hwm),
                # each process's own high-water mark, largest first
                "process_peaks_mib": sorted(([self.names.get(pid, "?"), round(b / MIB, 1)]
                                             for pid, b in self.hwm.items()),
                                            key=lambda p: -p[1])}
