"""`python -m bench`: run the benchmarks and write bench/RESULTS.md and bench/results.json."""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import pyoxigraph

from llm_atlas import __version__

from . import endpoint, synth

HERE = Path(__file__).resolve().parent
SCALES = {"shipped": None, "1M": 1_000_000}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    oxigraph = subprocess.run([str(endpoint.BIN / "oxigraph"), "--version"], capture_output=True,
                              text=True).stdout.strip()
    return {"python": platform.python_version(), "cpu": cpu, "cores": __import__("os").cpu_count(),
            "llm_atlas": __version__, "pyoxigraph": pyoxigraph.__version__,
            "oxigraph_server": oxigraph, "date": time.strftime("%Y-%m-%d")}


def table(results: dict) -> str:
    lines = ["| scale | quads | load ours (s) | load oxigraph (s) | ratio |",
             "|---|---:|---:|---:|---:|"]
    for scale, r in results["scales"].items():
        ours, theirs = r["ours"]["load_s"], r["oxigraph"]["load_s"]
        lines.append(f"| {scale} | {r['quads']:,} | {ours:.2f} | {theirs:.2f} | "
                     f"{ours / theirs:.2f} |")
    lines += ["", "| scale | query | p50 ours (ms) | p50 oxigraph (ms) | ratio | p95 ours (ms) |"
              " p95 oxigraph (ms) |", "|---|---|---:|---:|---:|---:|---:|"]
    for scale, r in results["scales"].items():
        for name in endpoint.QUERIES:
            o, t = r["ours"]["latency"][name], r["oxigraph"]["latency"][name]
            lines.append(f"| {scale} | {name} | {o['p50_ms']:.2f} | {t['p50_ms']:.2f} | "
                         f"{o['p50_ms'] / t['p50_ms']:.2f} | {o['p95_ms']:.2f} | "
                         f"{t['p95_ms']:.2f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--scales", default="shipped,1M")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    results = {"machine": machine(), "scales": {}}
    with tempfile.TemporaryDirectory(prefix="llm-atlas-bench-") as tmp:
        for scale in args.scales.split(","):
            data = Path(tmp) / f"{scale}.nq"
            quads = synth.write_dataset(data, SCALES[scale])
            runs = args.runs if SCALES[scale] is None else max(5, args.runs // 3)
            results["scales"][scale] = {"quads": quads, **endpoint.run(Path(tmp), data, runs)}
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    m = results["machine"]
    (HERE / "RESULTS.md").write_text(f"""# Benchmark results

Produced by `python -m bench --scales {args.scales} --runs {args.runs}` on {m['date']}:
{m['cpu']}, {m['cores']} cores, Python {m['python']}, llm-atlas {m['llm_atlas']},
pyoxigraph {m['pyoxigraph']}, {m['oxigraph_server']}.

Both systems load the same N-Quads file (the shipped knowledge, plus synthetic papers and
annotations shaped like ours for the larger scales) with their own bulk loader, then answer the
same queries over HTTP from the same client (one fresh connection per request, JSON results,
union default graph). Ratios are ours / Oxigraph's server: below 1 is faster than Oxigraph.
Every answer of ours is checked equal to Oxigraph's before the figures are kept.

{table(results)}
""")
    print((HERE / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
