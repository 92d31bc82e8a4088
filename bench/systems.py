"""The systems under test: how each loads the data file and serves it on 127.0.0.1.

- ours: `llm-atlas load` (Oxigraph's bulk loader in our engine process), then `llm-atlas serve`
  (Granian + Flask in front of the engine process);
- oxigraph: `oxigraph load`, then `oxigraph serve --union-default-graph` (PyPI `oxigraph`);
- rdflib-endpoint and flask-rdflib: one process that parses the file and serves it
  (bench/peers.py);
- flask-floor: Flask under Granian as ours runs, answering every request with one constant
  body (bench/peers.py): what any Flask service reaches on this machine at best.

A system runs in its own session (process group); its memory and CPU are those of the whole
process tree (bench/procs.py), and stopping it ends the group.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .client import HOST, wait_ready
from .procs import MIB, TreeSampler

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
READY_QUERY = "?query=ASK%20%7B%7D"  # appended to the query path: ASK {}


class NotReady(Exception):
    """A system could not be loaded or started within its limits."""


@dataclass(frozen=True)
class System:
    """One system: its commands (DATA, STORE, PORT, SERVER_CAP placeholders), query path."""

    name: str
    label: str
    path: str
    serve: tuple[str, ...]
    load: tuple[str, ...] = ()  # empty: the serving process loads the file itself
    env: dict[str, str] = field(default_factory=dict)
    note: str = ""
    answers: bool = True  # False: it never evaluates a query, so its answers are not compared

    def command(self, template: tuple[str, ...], values: dict[str, str]) -> list[str]:
        """The command with its placeholders filled in (in one pass: a value is never read
        as a placeholder)."""
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, values)) + r")\b")
        return [pattern.sub(lambda m: values[m.group(1)], part) for part in template]


SYSTEMS = {
    "ours": System(
        "ours", "llm-atlas (ours)", "/sparql",
        load=(str(BIN / "llm-atlas"), "load", "--data-dir", "STORE", "DATA"),
        serve=(str(BIN / "llm-atlas"), "serve", "--data-dir", "STORE", "--host", HOST,
               "--port", "PORT", "--timeout", "SERVER_CAP"),
        env={"LLM_ATLAS_MAX_ROWS": "100000000"},
        note="row limit raised: the matrix question has ~350k rows at 5M triples; the server's "
             "own deadline is 30 s past the client's cap, so the cap is what stops a request, "
             "as for the peers; otherwise default settings (16 threads, 8 concurrent queries)"),
    "oxigraph": System(
        "oxigraph", "Oxigraph server", "/query",
        load=(str(BIN / "oxigraph"), "load", "--location", "STORE", "--file", "DATA"),
        # no --timeout-s: oxigraph 0.5.13 then starts a thread per query that lives as long as
        # the timeout, and under load the server runs out of threads and dies (see RESULTS.md);
        # the client's per-request cap and a restart stand in for it
        serve=(str(BIN / "oxigraph"), "serve", "--location", "STORE", "--bind", f"{HOST}:PORT",
               "--union-default-graph"),
        note="no --timeout-s: with it, oxigraph 0.5.13 keeps a thread per query alive for the "
             "whole timeout and dies of thread exhaustion under load (oxigraph/oxigraph#1874)"),
    "rdflib-endpoint": System(
        "rdflib-endpoint", "rdflib-endpoint", "/sparql",
        serve=(sys.executable, "-m", "bench.peers", "rdflib-endpoint", "DATA", "--port", "PORT"),
        note="SparqlEndpoint under uvicorn (uvloop, httptools), access log off; queries run "
             "one at a time on its event loop"),
    "flask-rdflib": System(
        "flask-rdflib", "rdflib in Flask", "/sparql",
        serve=(sys.executable, "-m", "bench.peers", "flask", "DATA", "--port", "PORT"),
        note="bench/peers.py: Flask under Granian (16 threads), one query at a time (a lock)"),
    "flask-floor": System(
        "flask-floor", "Flask floor", "/sparql",
        serve=(sys.executable, "-m", "bench.peers", "floor", "DATA", "--port", "PORT"),
        answers=False,
        note="bench/peers.py: Flask under Granian (one worker, 16 threads, as ours) answering "
             "every request with one constant SPARQL JSON body; it reads no data and evaluates "
             "nothing: the most a Flask service reaches here"),
}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Limits:
    cap_s: float  # one request, or one start
    memory_bytes: int  # the process tree's resident set


def _spawn(cmd: list[str], env: dict[str, str], log: Path, *, pipe: bool = False
           ) -> subprocess.Popen:
    """Start a command in its own session, its output to the log (stdout piped if asked)."""
    with log.open("ab") as out:
        return subprocess.Popen(cmd, cwd=REPO, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE if pipe else out, stderr=out,
                                start_new_session=True)


def stop_group(proc: subprocess.Popen) -> None:
    """End a process group: SIGTERM, then SIGKILL after 30 s."""
    for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=wait)
            break
        except subprocess.TimeoutExpired:
            continue
    if proc.stdout:
        proc.stdout.close()


def _watch(proc: subprocess.Popen, limits: Limits) -> TreeSampler:
    """Sample the process tree; end it if it passes the memory limit."""
    return TreeSampler(proc.pid, limit_bytes=limits.memory_bytes,
                       on_limit=lambda: stop_group(proc))


def run_load(system: System, values: dict[str, str], limits: Limits, budget_s: float,
             log: Path) -> dict:
    """Run a system's load command; seconds and peak memory of its process tree."""
    proc = _spawn(system.command(system.load, values), system.env, log)
    sampler = _watch(proc, limits)
    started = time.perf_counter()
    try:
        proc.wait(timeout=budget_s)
    except subprocess.TimeoutExpired:
        stop_group(proc)
        raise NotReady(f"load did not finish within {budget_s:.0f} s") from None
    finally:
        memory = sampler.stop()
    if sampler.over_limit.is_set():
        raise NotReady(f"load passed {limits.memory_bytes / 2**30:.0f} GiB of memory")
    if proc.returncode != 0:
        raise NotReady(f"load failed with exit {proc.returncode} (see {log.name})")
    return {"seconds": time.perf_counter() - started, **memory}


@dataclass
class Server:
    """A running system: its process, port and memory sampler."""

    system: System
    proc: subprocess.Popen
    port: int
    sampler: TreeSampler
    load_s: float | None  # for a system that loads while starting
    ready_s: float
    load_memory: dict | None = None  # the same, its memory when the data was in

    def alive(self) -> bool:
        return self.proc.poll() is None and not self.sampler.over_limit.is_set()

    def stop(self) -> dict:
        stop_group(self.proc)
        return self.sampler.stop()


def _await_loaded(proc: subprocess.Popen, timeout_s: float) -> None:
    """Wait for the `loaded` line a peer prints once its data is parsed."""
    found = threading.Event()

    def read() -> None:
        try:
            for line in proc.stdout:  # read to the end, so the pipe never fills
                if line.startswith(b"loaded"):
                    found.set()
        except (ValueError, OSError):  # the pipe was closed when the system was stopped
            return

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(timeout_s):
        raise NotReady(f"the data was not loaded within {timeout_s:.0f} s")


def start(system: System, values: dict[str, str], limits: Limits, budget_s: float,
          log: Path) -> Server:
    """Start a system's server and wait until it answers; load time too for the peers."""
    port = free_port()
    values = {**values, "PORT": str(port), "SERVER_CAP": f"{limits.cap_s + 30:g}"}
    started = time.perf_counter()
    proc = _spawn(system.command(system.serve, values), system.env, log, pipe=not system.load)
    sampler = _watch(proc, limits)
    try:
        load_s = load_memory = None
        if not system.load:
            _await_loaded(proc, budget_s)
            load_s = time.perf_counter() - started
            sampler.sample()
            load_memory = {"peak_rss_mib": round(sampler.peak_sum / MIB, 1)}
        wait_ready(port, system.path + READY_QUERY, budget_s,
                   alive=lambda: proc.poll() is None)
    except Exception as exc:
        stop_group(proc)
        sampler.stop()
        if sampler.over_limit.is_set():
            raise NotReady(f"passed {limits.memory_bytes / 2**30:.0f} GiB while loading") from exc
        raise NotReady(f"did not start: {exc} (see {log.name})") from exc
    return Server(system, proc, port, sampler, load_s, time.perf_counter() - started,
                  load_memory)
