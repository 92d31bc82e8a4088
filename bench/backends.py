"""`python -m bench.backends`: what our layer costs on each remote engine.

For Oxigraph's server (PyPI `oxigraph`) and Virtuoso (Debian `virtuoso-opensource`), the shipped
knowledge is loaded with `llm-atlas build --into`, our service is started with `--store`, and the
same queries are timed against the engine's own endpoint and through our `/sparql`, from the same
client. The ratio ours / engine is the overhead of the guard, the re-encoding of results and the
extra HTTP hop. Answers are compared by value before a figure is kept. Writes bench/BACKENDS.md.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from .workload import questions

HERE = Path(__file__).resolve().parent
# the engines and the server runner the remote-store tests use: one way to start each
sys.path.insert(0, str(HERE.parent / "tests"))

from engines import VIRTUOSO, OxigraphServer, VirtuosoServer  # noqa: E402
from live import Server, request  # noqa: E402


def _time(url: str, query: str, runs: int) -> tuple[dict, list]:
    target = f"{url}?{urlencode({'query': query})}"
    accept = {"Accept": "application/sparql-results+json"}
    for _ in range(3):
        reply = request(target, headers=accept)
        assert reply.status == 200, (url, reply.body[:300])
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        request(target, headers=accept)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    values = sorted(json.dumps({k: v["value"] for k, v in b.items()}, sort_keys=True)
                    for b in json.loads(reply.body)["results"]["bindings"])
    return {"p50_ms": statistics.median(times),
            "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))]}, values


def measure(engine, workdir: Path, runs: int) -> dict:
    built = subprocess.run([sys.executable, "-m", "llm_atlas", "build", "--into",
                            engine.query_url, "--update-url", engine.update_url],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    service = Server(workdir, *engine.store_args, "--timeout", "120")
    try:
        results = {}
        for q in (q for q in questions() if q.origin == "probe"):
            name = q.name
            direct, direct_values = _time(engine.query_url, q.text, runs)
            ours, our_values = _time(service.url + "/sparql", q.text, runs)
            assert our_values == direct_values, f"answers differ on {name} via {engine.name}"
            results[name] = {"engine": direct, "ours": ours}
        return results
    finally:
        service.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.backends")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    engines = {"oxigraph server": OxigraphServer}
    if VIRTUOSO:
        engines["virtuoso"] = VirtuosoServer
    results = {}
    with tempfile.TemporaryDirectory(prefix="llm-atlas-backends-") as tmp:
        for label, factory in engines.items():
            folder = Path(tmp) / label.replace(" ", "-")
            folder.mkdir()
            engine = factory(folder)
            try:
                results[label] = measure(engine, folder, args.runs)
            finally:
                engine.stop()
    (HERE / "backends.json").write_text(json.dumps(results, indent=2) + "\n")
    rows = ["| engine | query | p50 engine (ms) | p50 through us (ms) | ratio | p95 engine (ms) "
            "| p95 through us (ms) |", "|---|---|---:|---:|---:|---:|---:|"]
    for label, queries in results.items():
        for name, r in queries.items():
            e, o = r["engine"], r["ours"]
            rows.append(f"| {label} | {name} | {e['p50_ms']:.2f} | {o['p50_ms']:.2f} | "
                        f"{o['p50_ms'] / e['p50_ms']:.2f} | {e['p95_ms']:.2f} | "
                        f"{o['p95_ms']:.2f} |")
    (HERE / "BACKENDS.md").write_text(f"""# Our layer on remote engines

Produced by `python -m bench.backends --runs {args.runs}` on {time.strftime("%Y-%m-%d")}
(engines and service on 127.0.0.1, shipped knowledge loaded with `llm-atlas build --into`). Each
query is timed against the engine's own endpoint and through our `/sparql` (with `--store`),
same client, one fresh connection per request, JSON results; answers are compared by value
first. The ratio is ours / engine: what the guard, the re-encoding of results and the extra
HTTP hop cost.

{chr(10).join(rows)}
""")
    print((HERE / "BACKENDS.md").read_text())


if __name__ == "__main__":
    main()
