"""Requests per second with N concurrent clients, each on its own keep-alive connection.

Two interchangeable clients, the same for every system in a run:
- `wrk` (Debian package, C, epoll): bench/wrk.lua walks a file of request targets, each thread
  from its own offset; it needs little CPU per request, which matters when the client shares
  the machine's cores with the server;
- `python`: one process per client (multiprocessing, spawn), http.client, the same targets.
The client's own CPU time per request is measured and reported, so a run shows whether the
client, rather than the server, was the bottleneck. A "unique" run ends each request's query
with a comment of its own, so that no cache of query texts or answers can help.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import queue
import resource
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .client import HOST, CapExceeded, Connection, Failed

HERE = Path(__file__).resolve().parent
CLIENTS = ("wrk", "python")


class ClientMissing(Exception):
    """The chosen load client is not installed."""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def unique_suffix(client: int, n: int) -> str:
    """What a unique run appends to a request target: a query comment, percent-encoded."""
    return f"%0A%23{client}-{n}"


def _wrk(port: int, targets: Path, clients: int, seconds: float, cap_s: float,
         unique: bool) -> dict:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise ClientMissing("wrk is not installed: `apt-get install wrk`, or use --client python")
    threads = max(1, min(clients, os.cpu_count() or 1))
    cmd = [wrk, "-t", str(threads), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
           "--timeout", f"{cap_s:g}s", "-s", str(HERE / "wrk.lua"), f"http://{HOST}:{port}",
           "--", str(targets), str(threads), "unique" if unique else "repeated"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + cap_s + 60)
    if done.returncode != 0:
        raise Failed(f"wrk failed: {done.stderr.strip()[:300]}")
    line = next(x for x in reversed(done.stdout.splitlines()) if x.startswith("{"))
    r = json.loads(line)
    kinds = {k: r[k] for k in ("connect", "read", "write", "status", "timeout") if r[k]}
    return {"ok": r["requests"] - r["status"], "errors": sum(kinds.values()), "error_kinds": kinds,
            "seconds": r["duration_us"] / 1e6, "p50_ms": r["p50_us"] / 1000,
            "p99_ms": r["p99_us"] / 1000}


def _python_worker(port: int, targets: list[str], offset: int, cap_s: float, barrier,
                   seconds: float, out, unique: bool) -> None:
    """One client process: wait until every client is up, then ask until the window closes."""
    conn = Connection(port, cap_s)
    ok = errors = 0
    latencies = []
    i = offset
    barrier.wait()
    end = time.time() + seconds
    cpu = time.process_time()
    while time.time() < end:
        try:
            target = targets[i % len(targets)]
            elapsed, _ = conn.get(target + unique_suffix(offset, i) if unique else target)
            ok += 1
            latencies.append(elapsed)
        except (Failed, CapExceeded, OSError):
            errors += 1
        i += 1
    conn.close()
    out.put((ok, errors, latencies, time.process_time() - cpu))


def _python(port: int, targets: list[str], clients: int, seconds: float, cap_s: float,
            unique: bool) -> dict:
    ctx = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    out, barrier = ctx.Queue(), ctx.Barrier(clients + 1)
    share = max(1, len(targets) // clients)
    procs = [ctx.Process(target=_python_worker,
                         args=(port, targets, k * share, cap_s, barrier, seconds, out,
                               unique))
             for k in range(clients)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=120)  # the window opens once every process has started
        results = [out.get(timeout=seconds + cap_s + 120) for _ in procs]
    except (threading.BrokenBarrierError, queue.Empty) as exc:
        for p in procs:
            p.kill()
        raise Failed(f"a Python client process did not report: {exc!r}") from exc
    finally:
        for p in procs:
            p.join()
    latencies = sorted(x for r in results for x in r[2])

    def pick(q: float) -> float | None:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 \
            if latencies else None

    return {"ok": sum(r[0] for r in results), "errors": sum(r[1] for r in results),
            "seconds": seconds, "p50_ms": pick(0.5), "p99_ms": pick(0.99),
            "client_cpu_s": sum(r[3] for r in results)}


def run(client: str, port: int, targets: list[str], clients: int, seconds: float, cap_s: float,
        workdir: Path, unique: bool = False) -> dict:
    """One throughput run: requests/s that answered 200, errors, and the client's CPU cost
    (wrk's from the kernel's count for reaped children; the Python workers' from their own
    count over the measured window, leaving out their interpreter start)."""
    if client == "wrk":
        path = workdir / "targets.txt"
        path.write_text("\n".join(targets) + "\n")
        before = _children_cpu()
        r = _wrk(port, path, clients, seconds, cap_s, unique)
        cpu = _children_cpu() - before
    else:
        r = _python(port, targets, clients, seconds, cap_s, unique)
        cpu = r.pop("client_cpu_s")
    r["rps"] = r["ok"] / r["seconds"] if r["seconds"] else 0.0
    r["client_cpu_ms_per_request"] = cpu * 1000 / max(1, r["ok"] + r["errors"])
    r["client_cpu_share"] = cpu / r["seconds"] if r["seconds"] else None  # in cores
    return r
