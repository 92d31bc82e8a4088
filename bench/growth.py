"""How each cost grows with the store: the exponent between two scales.

Between scales with n1 and n2 triples where a cost is c1 and c2, the exponent is the log-log
slope log(c2 / c1) / log(n2 / n1): 0 is flat, 1 grows in proportion to the data, 2 with its
square. It is computed between consecutive measured scales, per system and per cost.
"""

from __future__ import annotations

import math


def exponent(n1: float, c1: float | None, n2: float, c2: float | None) -> float | None:
    """The log-log slope between two points, or None when either cost is missing."""
    if not c1 or not c2 or n1 <= 0 or n2 <= 0 or n1 == n2:
        return None
    return math.log(c2 / c1) / math.log(n2 / n1)


def costs(system: dict) -> dict[str, float | None]:
    """The costs of one system at one scale whose growth is reported."""
    out = {"load (s)": system.get("load_s"),
           "peak RSS loading (MiB)": (system.get("load_memory") or {}).get("peak_rss_mib"),
           "peak RSS serving (MiB)": max((m["peak_rss_mib"] for m in
                                          system.get("serve_memory", [])), default=None)}
    for name, figures in system.get("latency", {}).items():
        out[f"p50 {name}"] = figures.get("p50_ms") if figures.get("answer") != "differs" else None
    validation = system.get("validation")
    if validation:
        out["validation p50, stored paper"] = validation["stored_paper"]["total"][0]
        out["validation p50, new paper"] = validation["new_paper"]["total"][0]
    return out


def growth(scales: dict) -> dict:
    """{system: {cost: [exponent between consecutive scales, ...]}} over the scales in order."""
    names = list(scales)
    table = {(scale, system): costs(result) for scale in names
             for system, result in scales[scale]["systems"].items()}
    out: dict[str, dict[str, list]] = {}
    for (_, system), found in table.items():
        for cost in found:
            out.setdefault(system, {}).setdefault(cost, [])
    for system, by_cost in out.items():
        for cost, slopes in by_cost.items():
            for left, right in zip(names, names[1:], strict=False):
                slopes.append(exponent(
                    scales[left]["quads"], table.get((left, system), {}).get(cost),
                    scales[right]["quads"], table.get((right, system), {}).get(cost)))
    return out
