"""Markdown tables of one run: a column per system, then ours / peer for every peer.

A cell is a figure, or says why there is none: `> cap` (a request passed the per-request cap),
`not run` (the reason is listed under the tables), `failed`, or `differs` (the system's answer
was not the reference's, so its figure is not kept). Ratios are computed from the unrounded
figures in results.json.
"""

from __future__ import annotations

from .targets import figure, ratio, throughput_target

OURS = "ours"


def num(value: float | None) -> str:
    """A figure with three significant digits or so; `–` for none."""
    if value is None:
        return "–"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def rat(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def cell_text(cell: dict | None, key: str) -> str:
    if not cell:
        return "–"
    if cell.get("answer") == "differs":
        return "differs"
    if "over_cap" in cell:
        return f"> cap ({cell['over_cap']:g} s)"
    if "not_run" in cell:
        return "not run"
    if "failed" in cell:
        return "failed"
    return num(cell.get(key))


def row_cells(cells: dict[str, dict | None], systems: list[str], key: str) -> list[str]:
    """Each system's cell, then ours / peer for each peer."""
    out = [cell_text(cells.get(s), key) for s in systems]
    ours = figure(cells.get(OURS), key)
    out += [rat(ratio(ours, figure(cells.get(peer), key))) for peer in systems if peer != OURS]
    return out


def header(lead: list[str], systems: list[str], labels: dict[str, str], unit: str) -> list[str]:
    cols = lead + [f"{labels[s]} {unit}".strip() for s in systems]
    cols += [f"ours / {labels[p]}" for p in systems if p != OURS]
    return cols


def markdown(columns: list[str], rows: list[list[str]], text_columns: int = 1) -> str:
    """A Markdown table; the first `text_columns` are left-aligned, the rest (figures) right."""
    lines = ["| " + " | ".join(columns) + " |",
             "|" + "|".join("---" if i < text_columns else "---:"
                            for i in range(len(columns))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _system_cell(result: dict, value) -> dict:
    if value is None:
        reason = result.get("not_run") if result else "not run: system not selected"
        return {"not_run": reason or "not run"}
    return {"value": value}


def _serve_peak(result: dict) -> float | None:
    peaks = [m["peak_rss_mib"] for m in result.get("serve_memory", [])]
    return max(peaks) if peaks else None


SCALE_FIGURES = {
    "load": ("Load time (s)", lambda r: r.get("load_s")),
    "ready": ("Time from nothing to the first answer (s): load plus start",
              lambda r: r.get("ready_s")),
    "load_memory": ("Peak RSS while loading (MiB; the loading process tree)",
                    lambda r: (r.get("load_memory") or {}).get("peak_rss_mib")),
    "serve_memory": ("Peak RSS while serving (MiB; the server's process tree)", _serve_peak),
}


def scale_table(results: dict, which: str, systems: list[str], labels: dict[str, str]) -> str:
    """One figure per system and scale (load time, start, memory)."""
    _, get = SCALE_FIGURES[which]
    rows = []
    for scale, r in results["scales"].items():
        cells = {s: _system_cell(r["systems"].get(s), get(r["systems"].get(s, {})))
                 for s in systems}
        rows.append([scale, f"{r['quads']:,}"] + row_cells(cells, systems, "value"))
    return markdown(header(["scale", "triples"], systems, labels, ""), rows)


def latency_table(results: dict, key: str, systems: list[str], labels: dict[str, str]) -> str:
    """p50 or p95 (ms) of every query at every scale."""
    rows = []
    for scale, r in results["scales"].items():
        names = list(next((s["latency"] for s in r["systems"].values() if s.get("latency")), {}))
        for name in names:
            cells = {s: r["systems"].get(s, {}).get("latency", {}).get(name) for s in systems}
            rows.append([scale, name] + row_cells(cells, systems, key))
    return markdown(header(["scale", "query"], systems, labels, "(ms)"), rows, 2)


def throughput_table(results: dict, systems: list[str], labels: dict[str, str]) -> str:
    """Requests/s (200 answers) per system, ratios, and the issue's targets beside them."""
    rows = []
    for scale, r in results["scales"].items():
        keys = list(next((s["throughput"] for s in r["systems"].values()
                          if s.get("throughput")), {}))
        for key in keys:
            query, clients = key.split("@")
            cells = {s: r["systems"].get(s, {}).get("throughput", {}).get(key) for s in systems}
            errors = [str(c["errors"]) if c and "errors" in c else "–"
                      for c in (cells[s] for s in systems)]
            verdicts = []
            for peer in ("rdflib-endpoint", "oxigraph", "flask-floor"):
                least = throughput_target(peer, query)
                if peer in systems and least is not None:
                    got = ratio(figure(cells.get(OURS), "rps"), figure(cells.get(peer), "rps"))
                    verdict = "–" if got is None else "met" if got >= least else "not met"
                    verdicts.append(f">= {least:g}x {labels[peer]}: {verdict}")
            rows.append([scale, query, clients] + row_cells(cells, systems, "rps")
                        + [" / ".join(errors), "; ".join(verdicts)])
    columns = header(["scale", "query", "clients"], systems, labels, "(req/s)")
    return markdown(columns + ["errors (" + " / ".join(labels[s] for s in systems) + ")",
                               "targets"], rows, 2)
