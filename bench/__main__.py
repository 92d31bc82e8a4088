"""`python -m bench`: every system, every scale; writes bench/RESULTS.md and bench/results.json.

Scale by scale, the generator writes one N-Quads file; each system in turn loads it, starts,
answers every query (bench/runner.py), and stops; then the answers are compared across systems
(bench/compare.py). The files are rewritten after each scale, so an interrupted run keeps what
it measured.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from . import compare, growth, machine, report, synth, targets
from .runner import Options, Run
from .systems import SYSTEMS
from .throughput import CLIENTS

HERE = Path(__file__).resolve().parent
QUICK = {"scales": "5k,10k", "runs": 5, "duration": 1.0, "query_budget": 5.0, "cap": 30.0,
         "budget": 300.0, "validation_runs": 3, "hermit_runs": 1}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--scales", help="triples per scale, e.g. 10k,100k (default 10k,100k,1M,5M)")
    p.add_argument("--systems", default=",".join(SYSTEMS),
                   help=f"which systems (default all: {','.join(SYSTEMS)})")
    p.add_argument("--runs", type=int, help="latency runs per query (default 30)")
    p.add_argument("--query-budget", type=float, help="seconds of runs per query before "
                   "fewer runs are taken (default 60)")
    p.add_argument("--duration", type=float, help="seconds per throughput run (default 10)")
    p.add_argument("--concurrency", default="1,4,16", help="concurrent clients (default 1,4,16)")
    p.add_argument("--client", choices=CLIENTS, default="wrk", help="throughput client")
    p.add_argument("--cap", type=float, help="seconds one request may take (default 120)")
    p.add_argument("--budget", type=float, help="seconds per system and scale (default 1800)")
    p.add_argument("--memory-gib", type=float, default=16.0,
                   help="resident memory a system's processes may use together (default 16)")
    p.add_argument("--validation-runs", type=int, help="validation runs per document (30)")
    p.add_argument("--hermit-runs", type=int, help="HermiT runs per scale (default 3)")
    p.add_argument("--quick", action="store_true", help="a smoke run: "
                   + ", ".join(f"{k}={v}" for k, v in QUICK.items()) + " unless given")
    p.add_argument("--out", type=Path, default=HERE, help="where RESULTS.md and results.json go")
    p.add_argument("--workdir", type=Path, help="keep data, stores, answers and logs here")
    args = p.parse_args(argv)
    defaults = {"scales": "10k,100k,1M,5M", "runs": 30, "duration": 10.0, "query_budget": 60.0,
                "cap": 120.0, "budget": 1800.0, "validation_runs": 30, "hermit_runs": 3}
    for key, value in (QUICK if args.quick else defaults).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.client == "wrk" and shutil.which("wrk") is None:
        p.error("wrk is not installed: `apt-get install wrk` (Debian), or use --client python")
    unknown = set(args.systems.split(",")) - set(SYSTEMS)
    if unknown:
        p.error(f"unknown system {sorted(unknown)[0]!r}; choose from {', '.join(SYSTEMS)}")
    return args


def options(args: argparse.Namespace) -> Options:
    return Options(runs=args.runs, query_budget_s=args.query_budget, cap_s=args.cap,
                   budget_s=args.budget, memory_gib=args.memory_gib, duration_s=args.duration,
                   concurrency=tuple(int(c) for c in args.concurrency.split(",")),
                   client=args.client, validation_runs=args.validation_runs,
                   hermit_runs=args.hermit_runs)


def _shown(command: tuple[str, ...], cap: float) -> str:
    """A command as a reader would type it (program names, not this venv's paths)."""
    words = ["python" if w == sys.executable else Path(w).name if i == 0 else w
             for i, w in enumerate(command)]
    return " ".join(words).replace("SERVER_CAP", f"{cap + 30:g}")


def describe_systems(names: list[str], cap: float) -> dict:
    return {n: {"label": SYSTEMS[n].label, "load": _shown(SYSTEMS[n].load, cap),
                "serve": _shown(SYSTEMS[n].serve, cap),
                "env": " ".join(f"{k}={v}" for k, v in SYSTEMS[n].env.items()),
                "note": SYSTEMS[n].note} for n in names}


def write(results: dict, out: Path) -> None:
    results["growth"] = growth.growth(results["scales"])
    results["targets"] = targets.judge(results["scales"])
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out / "RESULTS.md").write_text(report.render(results))


def run_scale(scale: str, names: list[str], opts: Options, workdir: Path,
              skips: dict[str, dict]) -> dict:
    """Generate one scale's data, measure every system on it, compare their answers."""
    folder = workdir / scale
    folder.mkdir(parents=True, exist_ok=True)
    gen = synth.write_dataset(folder / "data.nq", synth.parse_scale(scale))
    print(f"{scale}: {gen.quads:,} quads, {len(gen.subjects)} lookup subjects", file=sys.stderr)
    found = {}
    for name in names:
        print(f"{scale}: {name} ...", file=sys.stderr)
        found[name] = Run(SYSTEMS[name], gen, scale, folder, opts, skips[name]).measure()
        shutil.rmtree(folder / f"store-{name}", ignore_errors=True)
    differences = compare.compare_scale(folder / "answers", found)
    gen.path.unlink()
    return {"quads": gen.quads, "lookup_subjects": len(gen.subjects), "systems": found,
            "differences": differences}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    opts, names = options(args), args.systems.split(",")
    results = {"command": shlex.join(["python", "-m", "bench", *(sys.argv[1:] if argv is None
                                                                 else argv)]),
               "machine": machine.describe(), "options": asdict(opts),
               "systems": describe_systems(names, opts.cap_s), "scales": {}}
    skips: dict[str, dict] = {name: {} for name in names}
    with tempfile.TemporaryDirectory(prefix="llm-atlas-bench-") as tmp:
        workdir = args.workdir or Path(tmp)
        for k, scale in enumerate(args.scales.split(",")):
            results["scales"][scale] = run_scale(scale, names, replace(opts, calibrate=k == 0),
                                                 workdir, skips)
            write(results, args.out)
    print((args.out / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
