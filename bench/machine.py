"""The machine and the versions a run used, for the head of bench/RESULTS.md."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
from importlib import metadata
from pathlib import Path

from .systems import BIN

PACKAGES = ("llm-atlas", "pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "fastapi",
            "uvicorn", "flask", "granian")


def _first_line(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return ((done.stdout or done.stderr).strip().splitlines() or [None])[0]


def _cpu() -> str:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    return next((x.split(":", 1)[1].strip() for x in lines if x.startswith("model name")),
                platform.processor() or "unknown")


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def describe() -> dict:
    """CPU, cores, memory, kernel, load average at the start, and every version involved."""
    wrk = shutil.which("wrk")
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"), "cpu": _cpu(), "cores": os.cpu_count(),
        "memory_gib": _memory_gib(), "kernel": platform.release(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "oxigraph_server": _first_line([str(BIN / "oxigraph"), "--version"]),
        "wrk": " ".join((_first_line([wrk, "--version"]) or "wrk ?").split()[:2]) if wrk else None,
    }
