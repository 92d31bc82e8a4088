"""Answers of all systems at one scale, compared before any figure is kept.

For each query, the systems that answered are grouped by answer (compared by value,
bench/answers.py). The group of the reference (Oxigraph's server when it answered, else the
first system that did) keeps its figures; a system in another group keeps its timing in
results.json, marked `"answer": "differs"`, and the tables show `differs` instead. Which is
right is not decided here: RESULTS.md lists every group with its row count and a few rows only
it has, for a reader to judge.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .answers import AnswerError, rows
from .workload import UNIQUE

REFERENCE_ORDER = ("oxigraph", "ours", "rdflib-endpoint", "flask-rdflib")


def _reference(names: list[str]) -> str:
    return next((n for n in REFERENCE_ORDER if n in names), names[0])


def _groups(bodies: dict[str, bytes]) -> list[dict]:
    """Systems grouped by identical answers, each group with its rows as a multiset."""
    groups: list[dict] = []
    for name, body in bodies.items():
        try:
            found = Counter(rows(body))
        except AnswerError as exc:
            groups.append({"systems": [name], "unreadable": str(exc), "rows": None})
            continue
        same = next((g for g in groups if g.get("rows") == found), None)
        if same:
            same["systems"].append(name)
        else:
            groups.append({"systems": [name], "rows": found})
    return groups


def compare_query(bodies: dict[str, bytes], sample: int = 3) -> dict:
    """The reference, the systems that differ from it, and every group of equal answers
    (for a group other than the reference's: a few rows it has that the reference lacks, and
    a few the reference has that it lacks)."""
    reference = _reference(list(bodies))
    groups = _groups(bodies)
    mine = next(g for g in groups if reference in g["systems"])
    base = mine["rows"] if mine["rows"] is not None else Counter()
    shown = []
    for g in groups:
        entry = {"systems": g["systems"]}
        if g["rows"] is None:
            entry["unreadable"] = g["unreadable"]
        else:
            entry["rows"] = sum(g["rows"].values())
            if g is not mine:
                entry["extra"] = sorted((g["rows"] - base).elements())[:sample]
                entry["missing"] = sorted((base - g["rows"]).elements())[:sample]
        shown.append(entry)
    return {"reference": reference, "groups": shown,
            "differs": sorted(n for g in groups if g is not mine for n in g["systems"])}


def _throughput_of(result: dict, query: str) -> list[dict]:
    """The query's throughput cells, repeated and unique (`lookup@4`, `lookup-unique@4`)."""
    return [v for k, v in result.get("throughput", {}).items()
            if k.split("@")[0] in (query, query + UNIQUE)]


def _mark(result: dict, query: str, verdict: str) -> None:
    if query.startswith("lookup-pool-"):
        cells = _throughput_of(result, "lookup")
    else:
        cells = [result.get("latency", {}).get(query, {})] + _throughput_of(result, query)
    for cell in cells:
        if "p50_ms" in cell or "rps" in cell:
            if cell.get("answer") != "differs":
                cell["answer"] = verdict


def compare_scale(answers_dir: Path, results: dict[str, dict]) -> dict:
    """Compare every query's answers across the systems of one scale; mark the results."""
    queries = sorted({p.stem for d in answers_dir.iterdir() if d.is_dir()
                      for p in d.glob("*.json")})
    found = {}
    for query in queries:
        bodies = {name: (answers_dir / name / f"{query}.json").read_bytes()
                  for name in results if (answers_dir / name / f"{query}.json").exists()}
        report = compare_query(bodies)
        for name in bodies:
            verdict = ("differs" if name in report["differs"] else
                       "agrees" if len(bodies) > 1 else "unchecked (no other answer)")
            _mark(results[name], query, verdict)
        if report["differs"]:
            found[query] = report
    return found
