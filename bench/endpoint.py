"""Load time and query latency of our service beside Oxigraph's own server.

Same data, same client, same queries; answers are compared before any figure is kept.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
BIN = Path(sys.executable).parent

QUERIES = {
    "lookup": "SELECT ?p ?o WHERE { <https://w3id.org/llm-atlas/ontology/MoralHazard> ?p ?o }",
    "join": """PREFIX atlas: <https://w3id.org/llm-atlas/ontology/>
PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT ?mechanism ?method ?paper WHERE {
  ?mechanism a atlas:Mechanism ; atlas:addresses atlas:MoralHazard .
  ?method atlas:realizes ?mechanism ; atlas:applicableIn atlas:Deployment .
  ?annotation atlas:aboutMethod ?method ; atlas:aboutPhase atlas:Deployment ; oa:hasTarget ?paper .
} LIMIT 1000""",
    "aggregate": """PREFIX atlas: <https://w3id.org/llm-atlas/ontology/>
SELECT ?method (COUNT(?annotation) AS ?n) WHERE { ?annotation atlas:aboutMethod ?method }
GROUP BY ?method ORDER BY ?method""",
    "count-all": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for(port: int, path: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", path)
            if conn.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answered on port {port}")


def ask(port: int, path: str, query: str) -> tuple[int, bytes]:
    """One GET of a query with a fresh connection, as a plain client would."""
    conn = http.client.HTTPConnection(HOST, port, timeout=600)
    conn.request("GET", f"{path}?{urlencode({'query': query})}",
                 headers={"Accept": "application/sparql-results+json"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


@dataclass
class Engine:
    """How to load and serve one system under test."""

    name: str
    load_cmd: list[str]
    serve_cmd: list[str]
    path: str  # query path
    port: int = field(default_factory=free_port)


def ours(store: Path, data: Path, port: int) -> Engine:
    cli = str(BIN / "llm-atlas")
    return Engine("llm-atlas", [cli, "load", "--data-dir", str(store), str(data)],
                  [cli, "serve", "--data-dir", str(store), "--host", HOST, "--port", str(port),
                   "--timeout", "600"], "/sparql", port)


def oxigraph(store: Path, data: Path, port: int) -> Engine:
    cli = str(BIN / "oxigraph")
    return Engine("oxigraph server", [cli, "load", "--location", str(store), "--file", str(data)],
                  [cli, "serve", "--location", str(store), "--bind", f"{HOST}:{port}",
                   "--union-default-graph"], "/query", port)


def measure(engine: Engine, runs: int) -> dict:
    """Load, start, time every query `runs` times (after warm-up), stop."""
    started = time.perf_counter()
    subprocess.run(engine.load_cmd, check=True, capture_output=True)
    load_seconds = time.perf_counter() - started
    proc = subprocess.Popen(engine.serve_cmd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(engine.port, engine.path)
        latencies, answers = {}, {}
        for name, query in QUERIES.items():
            for _ in range(3):
                status, body = ask(engine.port, engine.path, query)
                assert status == 200, (engine.name, name, status, body[:200])
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                ask(engine.port, engine.path, query)
                times.append((time.perf_counter() - t) * 1000)
            times.sort()
            latencies[name] = {"p50_ms": statistics.median(times),
                               "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))]}
            answers[name] = body
        return {"load_s": load_seconds, "latency": latencies, "answers": answers}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def _canonical(rows: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in rows)


def run(workdir: Path, data: Path, runs: int) -> dict:
    """Both systems on the same file; our answers are checked equal to Oxigraph's by value."""
    results = {}
    for factory in (ours, oxigraph):
        store = workdir / f"store-{factory.__name__}"
        shutil.rmtree(store, ignore_errors=True)
        results[factory.__name__] = measure(factory(store, data, free_port()), runs)
    for name in QUERIES:
        mine = json.loads(results["ours"]["answers"][name])["results"]["bindings"]
        theirs = json.loads(results["oxigraph"]["answers"][name])["results"]["bindings"]
        assert _canonical(mine) == _canonical(theirs), f"answers differ on {name}"
    for r in results.values():
        r.pop("answers")
    return results
