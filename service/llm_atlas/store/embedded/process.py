"""The engine process as the embedded store sees it: a running child, its log, its end."""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from multiprocessing.connection import Connection


def stop_engine(popen: subprocess.Popen, *, kill: bool) -> None:
    """End an engine process and release its pipes."""
    if popen.poll() is None:
        (popen.kill if kill else popen.terminate)()
        try:
            popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            popen.kill()
            popen.wait()
    for pipe in (popen.stdin, popen.stdout, popen.stderr):
        if pipe is not None:
            try:
                pipe.close()
            except OSError:
                pass


def forward_log(stream, recent: deque) -> None:
    """Copy the engine's log to ours, keeping the last lines for error messages."""
    try:
        for text in stream:
            recent.append(text)
            sys.stderr.write(text)
    except (ValueError, OSError):  # the pipe was closed when the engine was stopped
        return


class EngineProcess:
    """One running engine and the idle connections to it."""

    def __init__(self, popen: subprocess.Popen, address: str, key: bytes, generation: int):
        self.popen, self.address, self.key, self.generation = popen, address, key, generation
        self.idle: list[Connection] = []
