"""The issue's targets, judged on the figures of one run.

- throughput at least 10x rdflib-endpoint's (every query, every concurrency);
- throughput at least 0.5x Oxigraph server's on lookups and at least 1x on aggregates;
- repeated lookups at least 0.67x the Flask floor and unique ones at least 0.5x; unique
  aggregates at least 0.6x Oxigraph server's;
- validation of one annotation flat in store size: an exponent of at most FLAT between the
  smallest and the largest scale (bench/growth.py).
A target is met when every cell where both figures exist meets it; cells where a figure is
missing (not run, over the cap, a different answer) are counted apart, never as met.
"""

from __future__ import annotations

from .growth import exponent
from .systems import SYSTEMS

FLAT = 0.1  # 500x the data may cost at most 500 ** 0.1 = 1.86x the time
THROUGHPUT_TARGETS = (
    # (peer, query, least ratio ours / peer)
    ("rdflib-endpoint", "lookup", 10.0),
    ("rdflib-endpoint", "aggregate", 10.0),
    ("oxigraph", "lookup", 0.5),
    ("oxigraph", "aggregate", 1.0),
    ("oxigraph", "aggregate-unique", 0.6),
    ("flask-floor", "lookup", 0.67),
    ("flask-floor", "lookup-unique", 0.5),
)


def figure(cell: dict | None, key: str) -> float | None:
    """A cell's figure if it was measured and its answer did not differ."""
    if not cell or cell.get("answer") == "differs":
        return None
    return cell.get(key)


def ratio(ours: float | None, peer: float | None) -> float | None:
    return ours / peer if ours is not None and peer else None


def throughput_target(peer: str, query: str) -> float | None:
    """The least ratio ours / peer the issue asks for this query's throughput, if any."""
    return next((least for p, q, least in THROUGHPUT_TARGETS if p == peer and q == query), None)


def judge_throughput(scales: dict) -> list[dict]:
    """One verdict per throughput target over every scale and concurrency."""
    verdicts = []
    for peer, query, least in THROUGHPUT_TARGETS:
        ratios, missing = [], 0
        for scale, result in scales.items():
            ours_cells = result["systems"].get("ours", {}).get("throughput", {})
            peer_cells = result["systems"].get(peer, {}).get("throughput", {})
            for key, cell in ours_cells.items():
                if not key.startswith(query + "@"):
                    continue
                r = ratio(figure(cell, "rps"), figure(peer_cells.get(key), "rps"))
                if r is None:
                    missing += 1
                else:
                    ratios.append((r, f"{scale} {key}"))
        met = sum(r >= least for r, _ in ratios)
        verdicts.append({
            "target": f"{query} throughput >= {least:g}x {SYSTEMS[peer].label}",
            "cells": len(ratios),
            "met_cells": met, "missing_cells": missing,
            "worst": min(ratios)[0] if ratios else None,
            "worst_at": min(ratios)[1] if ratios else None,
            "verdict": ("not measured" if not ratios else
                        "met" if met == len(ratios) else "not met")})
    return verdicts


def judge_validation(scales: dict) -> dict:
    """Validation flat in store size: the exponent between the smallest and largest scale."""
    points = [(r["quads"], r["systems"]["ours"]["validation"]) for r in scales.values()
              if r["systems"].get("ours", {}).get("validation")]
    verdict = {"target": f"validation of one annotation flat in store size (exponent <= {FLAT})",
               "exponents": {}, "verdict": "not measured"}
    if len(points) < 2:
        return verdict
    (n1, first), (n2, last) = points[0], points[-1]
    for doc in ("stored_paper", "new_paper"):
        verdict["exponents"][doc] = exponent(n1, first[doc]["total"][0], n2, last[doc]["total"][0])
    slopes = list(verdict["exponents"].values())
    verdict["verdict"] = "met" if all(s is not None and s <= FLAT for s in slopes) else "not met"
    return verdict


def judge(scales: dict) -> dict:
    return {"throughput": judge_throughput(scales), "validation": judge_validation(scales)}
