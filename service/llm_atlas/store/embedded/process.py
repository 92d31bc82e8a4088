"""The engine process as the embedded store sees it: a running child, its log, its end."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import threading
import time
from collections import deque
from multiprocessing.connection import Connection
from pathlib import Path

from llm_atlas.errors import StoreUnavailable

# the connection key reaches the engine in its environment, never on its command line
KEY_ENV = "LLM_ATLAS_ENGINE_KEY"


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


def spawn_engine(path: Path, folder: str, generation: int, *, timeout: float,
                 build_if_empty: bool, sources_root: str | None) -> EngineProcess:
    """Start an engine on the store at `path`, its socket in `folder`; wait until it is ready.

    An engine that does not say "ready" in time is killed, and its last log line becomes the
    StoreUnavailable message.
    """
    key = secrets.token_bytes(32)
    address = os.path.join(folder, f"engine-{generation}.sock")
    cmd = [sys.executable, "-m", "llm_atlas.store.embedded.serve", "--path", str(path),
           "--address", address]
    if build_if_empty:
        cmd.append("--build-if-empty")
    if sources_root:
        cmd += ["--sources", str(sources_root)]
    env = dict(os.environ, **{KEY_ENV: key.hex()})
    popen = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env, text=True)
    recent: deque[str] = deque(maxlen=20)
    threading.Thread(target=forward_log, args=(popen.stderr, recent), daemon=True).start()
    ready = threading.Event()
    line: list[str] = []
    stdout = popen.stdout
    assert stdout is not None  # stdout=PIPE

    def wait_ready() -> None:
        line.append(stdout.readline())
        ready.set()

    threading.Thread(target=wait_ready, daemon=True).start()
    if not ready.wait(timeout) or line[0].strip() != "ready":
        popen.kill()
        popen.wait()
        time.sleep(0.1)
        stop_engine(popen, kill=True)  # let the forwarder read the engine's last words
        last = [r for r in recent if r.strip()][-1:] or ["(no output)"]
        raise StoreUnavailable(
            f"the Oxigraph engine on {path} did not start (exit code {popen.poll()}): "
            f"{last[0].strip()}"
        )
    return EngineProcess(popen, address, key, generation)
