"""bench/RESULTS.md from the results of one run (results.json holds the same, unrounded)."""

from __future__ import annotations

import statistics

from .tables import SCALE_FIGURES, latency_table, markdown, num, rat, scale_table, throughput_table
from .targets import FLAT

CLIENT_WHY = {
    "wrk": "wrk (Debian package; C, epoll, a Lua script walks the request targets): it spends "
           "far less CPU per request than a Python client, which matters when client and "
           "server share the same cores",
    "python": "a multi-process Python client (one process and keep-alive connection per "
              "concurrent client, http.client)",
}


def _head(results: dict) -> str:
    m, o = results["machine"], results["options"]
    versions = ", ".join(f"{k} {v}" for k, v in m["packages"].items() if v)
    return f"""# Benchmark results

Produced by `{results['command']}` on {m['date']}: {m['cpu']}, {m['cores']} cores,
{m['memory_gib']} GiB, Linux {m['kernel']}, Python {m['python']}; load average at the start
{', '.join(map(str, m['load_average_at_start']))}.
Versions: {versions}; {m['oxigraph_server']}; {m['wrk'] or 'wrk not installed'}.

Every system loads the same N-Quads file (the shipped knowledge plus synthetic papers and
annotations shaped like ours, `bench/synth.py`) and answers the same query texts from the same
client on 127.0.0.1, JSON results, the union of the named graphs as default graph. The queries
are the 13 named questions of `queries/` with their default parameters, bound as
`/queries/{{name}}` binds them, and four probes (`bench/queries/`). Answers are compared across
systems (rows as multisets, by value, blank nodes aside) before a figure is kept.

Latency: one keep-alive connection, warm-up first, then up to {o['runs']} runs per query
(fewer for a slow query: as many as fit in {o['query_budget_s']:g} s, at least {o['min_runs']}).
Throughput: {o['duration_s']:g} s per run with {', '.join(map(str, o['concurrency']))}
concurrent keep-alive clients; the lookup asks about a different subject each request (a pool
of up to 4,096 IRIs from the data, asked in turn). Each run is made twice: "repeated" sends the
pool's texts over and over (an answer cache helps once it has seen each), and "unique" (rows named
`-unique`) ends every request's query with a comment of its own, so no cache of texts or answers
helps. Latency runs repeat one text, so a cache answers all but the first.
Client: {CLIENT_WHY[o['client']]}.
Limits: {o['cap_s']:g} s per request (and for a start), {o['budget_s']:g} s per system and
scale, {o['memory_gib']:g} GiB of resident memory per system (its whole process tree).
Ratios are ours / peer: below 1 is better for times and memory, above 1 for throughput.
"""


def _systems(results: dict) -> str:
    rows = [[s["label"], f"`{s['load']}`" if s["load"] else "(the server loads the file)",
             f"`{s['serve']}`" + (f" with `{s['env']}`" if s["env"] else ""), s["note"]]
            for s in results["systems"].values()]
    return markdown(["system", "load", "serve", "notes"], rows, 4)


def _targets(results: dict) -> str:
    rows = [[t["target"], f"{t['met_cells']} of {t['cells']}", str(t["missing_cells"]),
             rat(t["worst"]) + (f" ({t['worst_at']})" if t["worst_at"] else ""), t["verdict"]]
            for t in results["targets"]["throughput"]]
    v = results["targets"]["validation"]
    slopes = ", ".join(f"{k.replace('_', ' ')} {rat(e)}" for k, e in v["exponents"].items())
    rows.append([v["target"], "–", "–", f"exponent {slopes}" if slopes else "–", v["verdict"]])
    return markdown(["target", "cells met", "cells without both figures", "worst ratio",
                     "verdict"], rows, 1)


def _growth(results: dict) -> str:
    """Rows: a cost between two scales; columns: each system's exponent, then ours - peer."""
    names, systems = list(results["scales"]), list(results["systems"])
    growth, labels = results["growth"], {k: v["label"] for k, v in results["systems"].items()}
    costs = list(dict.fromkeys(c for s in systems for c in growth.get(s, {})))
    rows = []
    for cost in costs:
        for k, (a, b) in enumerate(zip(names, names[1:], strict=False)):
            slopes = {s: (growth.get(s, {}).get(cost) or [None] * len(names))[k]
                      for s in systems}
            ours = slopes.get("ours")
            rows.append([cost, f"{a} → {b}"] + [rat(slopes[s]) for s in systems]
                        + [rat(ours - slopes[p]) if ours is not None and slopes[p] is not None
                           else "–" for p in systems if p != "ours"])
    columns = (["cost", "between"] + [labels[s] for s in systems]
               + [f"ours − {labels[p]}" for p in systems if p != "ours"])
    return markdown(columns, rows, 2)


def _validation(results: dict) -> str:
    rows = []
    for scale, r in results["scales"].items():
        v = r["systems"].get("ours", {}).get("validation")
        if not v:
            continue
        for key, label in (("stored_paper", "annotation of a stored paper"),
                           ("new_paper", "annotation + new paper")):
            m = v[key]
            hermit = num(v["hermit"][0]) if v.get("hermit") else "not run"
            rows.append([scale, f"{v['store_size']:,}", label, str(m["context_triples"]),
                         f"{num(m['fetch'][0])} / {num(m['fetch'][1])}",
                         f"{num(m['shapes'][0])} / {num(m['shapes'][1])}",
                         f"{num(m['total'][0])} / {num(m['total'][1])}", hermit])
    table = markdown(["scale", "store (quads)", "document", "context triples",
                      "fetch p50 / p95 (ms)", "shapes p50 / p95 (ms)",
                      "validation p50 / p95 (ms)", "HermiT p50 (ms)"], rows, 3)
    v = results["targets"]["validation"]
    slopes = ", ".join(f"{k.replace('_', ' ')} {rat(e)}" for k, e in v["exponents"].items())
    return (table + f"\n\nExponent of the validation p50 between the smallest and the largest "
            f"scale: {slopes or 'not measured'}; target (at most {FLAT:g}): {v['verdict']}.")


def _calibration(results: dict) -> str:
    first = next(iter(results["scales"].values()), {})
    found = first.get("systems", {}).get("oxigraph", {}).get("client_calibration")
    if not found:
        return "No client calibration in this run (it needs Oxigraph's server)."
    rows = []
    for clients, by_client in found.items():
        row = [clients]
        for client in ("wrk", "python"):
            r = by_client.get(client, {})
            row += ([num(r["rps"]), num(r["client_cpu_ms_per_request"] * 1000),
                     num(r["client_cpu_share"])] if "rps" in r else ["not run", "–", "–"])
        rows.append(row)
    scale = next(iter(results["scales"]))
    return (f"Lookups on Oxigraph's server at {scale}, the fastest system, so the one that needs "
            "the most of its client:\n\n" + markdown(
                ["clients", "wrk (req/s)", "wrk CPU (µs/request)", "wrk CPU (cores)",
                 "Python (req/s)", "Python CPU (µs/request)", "Python CPU (cores)"], rows))


def _process_peaks(results: dict) -> str:
    """Each serving process's own peak (its VmHWM), for every system and scale; processes that
    run the same thing are told apart by their rank (largest first), and a restarted server's
    runs are folded into one by the larger figure."""
    rows = []
    for scale, r in results["scales"].items():
        for name, result in r["systems"].items():
            found: dict[str, float] = {}
            for run in result.get("serve_memory", []):
                seen: dict[str, int] = {}
                for process, mib in run.get("process_peaks_mib", []):
                    seen[process] = seen.get(process, 0) + 1
                    label = process if seen[process] == 1 else f"{process} ({seen[process]})"
                    found[label] = max(found.get(label, 0.0), mib)
            rows += [[scale, results["systems"][name]["label"], label, num(mib)]
                     for label, mib in found.items()]
    if not rows:
        return "No process was sampled.\n"
    return markdown(["scale", "system", "process", "peak RSS (MiB)"], rows, 3) + "\n"


def _client_cost(results: dict) -> str:
    cells = [c for r in results["scales"].values() for s in r["systems"].values()
             for c in s.get("throughput", {}).values() if "rps" in c]
    if not cells:
        return "No throughput run finished."
    shares = [c["client_cpu_share"] for c in cells if c.get("client_cpu_share") is not None]
    per = [c["client_cpu_ms_per_request"] for c in cells]
    return (f"The client used at most {max(shares):.2f} of the {results['machine']['cores']} "
            f"cores in any run (median {statistics.median(per) * 1000:.0f} µs of CPU per "
            f"request); each run's client and server CPU per request are in results.json.")


def _short(row: str, limit: int = 160) -> str:
    return row if len(row) <= limit else row[:limit] + "…"


def _group(results: dict, group: dict) -> str:
    names = ", ".join(results["systems"][n]["label"] for n in group["systems"])
    if "unreadable" in group:
        return f"{names}: unreadable ({group['unreadable'][:120]})"
    text = f"{names}: {group['rows']:,} rows"
    for key, what in (("extra", "not in the reference's answer"),
                      ("missing", "of the reference's answer missing")):
        if group.get(key):
            text += f"; {what}: " + ", ".join(f"`{_short(row)}`" for row in group[key][:2])
    return text


def _differences(results: dict) -> str:
    lines = []
    for scale, r in results["scales"].items():
        for query, report in r.get("differences", {}).items():
            ref = results["systems"][report["reference"]]["label"]
            lines.append(f"- {scale}, `{query}` (reference: {ref}): "
                         + " · ".join(_group(results, g) for g in report["groups"]))
    if not lines:
        return "Every system gave the same answers to every query it answered."
    return ("Answers that differ, grouped by equal answer. Only figures of systems in the "
            "reference's group are kept in the tables.\n\n" + "\n".join(lines))


def _not_measured(results: dict) -> str:
    lines = []
    for scale, r in results["scales"].items():
        for name, s in r["systems"].items():
            label = results["systems"][name]["label"]
            for key in ("not_run", "stopped"):
                if s.get(key):
                    lines.append(f"- {scale}, {label}: {s[key]}")
            for kind in ("latency", "throughput"):
                for item, cell in s.get(kind, {}).items():
                    why = cell.get("not_run") or cell.get("failed") or (
                        f"over the {cell['over_cap']:g} s cap" if "over_cap" in cell else None)
                    if why:
                        lines.append(f"- {scale}, {label}, {kind} `{item}`: {why}")
    return "\n".join(lines) or "Everything was measured."


def render(results: dict) -> str:
    """The whole of bench/RESULTS.md."""
    systems = list(results["systems"])
    labels = {k: v["label"] for k, v in results["systems"].items()}
    parts = [_head(results), "## Systems and commands\n", _systems(results),
             "\n## Targets\n", _targets(results),
             f"\nValidation is flat when its exponent between the smallest and the largest scale "
             f"is at most {FLAT:g}.\n", "## Load and memory\n"]
    for which, (title, _) in SCALE_FIGURES.items():
        parts += [f"### {title}\n", scale_table(results, which, systems, labels), ""]
    parts += ["### Peak RSS of each process while serving (MiB; its own high-water mark)\n",
              _process_peaks(results)]
    parts += ["## Latency\n", "### p50 (ms)\n", latency_table(results, "p50_ms", systems, labels),
              "\n### p95 (ms)\n", latency_table(results, "p95_ms", systems, labels),
              "\n## Throughput (requests answered 200 per second)\n",
              throughput_table(results, systems, labels), "", _client_cost(results),
              "\n### The load client\n", _calibration(results),
              "\n## Growth: the exponent between scales (log-log slope)\n",
              "0 is flat, 1 grows with the data, 2 with its square; the last columns are ours "
              "minus the peer's exponent (below 0: ours grows more slowly).\n", _growth(results),
              "\n## Validation of one annotation against the store (ours)\n",
              _validation(results), "\n## Answers compared\n", _differences(results),
              "\n## Not measured, and why\n", _not_measured(results), ""]
    return "\n".join(parts)
