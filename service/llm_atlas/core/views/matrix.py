"""The problem-solution space as a structure: phases x agency problems, each cell its claims.

Every claim in a cell carries its provenance (status, source, rationale or rule, from the
statement's `owl:Axiom`): that the mechanism addresses the problem; that the method realizes the
mechanism, addresses the problem and is applicable in the phase; and the classification
statements by which an annotated paper supports the method there. Given a status, a cell keeps
only the claims with that status, and the mechanisms, methods and papers that still hold one.
"""

from __future__ import annotations

from collections import defaultdict

from llm_atlas.core.sparql.internal import Row
from llm_atlas.core.views.provenance import Key, claims_from_rows
from llm_atlas.namespaces import ATLAS

# the properties of the claims a cell makes (the VALUES of statement_provenance.rq)
CLAIM_PROPERTIES = [ATLAS.addresses, ATLAS.realizes, ATLAS.applicableIn, ATLAS.aboutMethod,
                    ATLAS.aboutMechanism, ATLAS.aboutAgencyProblem, ATLAS.aboutPhase]
A = str(ATLAS)


def _value(row: Row, name: str) -> str | None:
    return str(row[name]) if name in row else None


def _bound(row: Row, name: str) -> str:
    """The value of a variable that the query binds in every row (outside any OPTIONAL)."""
    return str(row[name])


class _Claims:
    """The claims of the provenance rows, looked up by statement (or None when filtered out)."""

    def __init__(self, rows: list[Row], labels: dict[str, str], filtered: bool):
        self.by_key = claims_from_rows(rows, labels)
        self.filtered = filtered
        # (paper, property, value) -> the annotations' claims that place the paper there
        self.support: dict[Key, list[dict]] = defaultdict(list)
        for row in rows:
            if "paper" in row and str(row["predicate"]).startswith(A + "about"):
                key = (str(row["subject"]), str(row["predicate"]), str(row["object"]))
                claim = self.by_key[key]
                bucket = self.support[(str(row["paper"]), key[1], key[2])]
                if claim not in bucket:
                    bucket.append(claim)

    def of(self, *keys: Key) -> list[dict]:
        """The claims of these statements; without a filter, one without an axiom shows None."""
        out = []
        for key in keys:
            claim = self.by_key.get(key)
            if claim is None and not self.filtered:
                claim = {"subject": key[0], "predicate": key[1], "object": key[2],
                         "status": None, "statusLabel": None, "marker": "none", "source": None,
                         "sources": [], "citation": None, "rationale": None, "rule": None}
            if claim is not None:
                out.append(claim)
        return out

    def of_paper(self, paper: str, *pairs: tuple[str, str]) -> list[dict]:
        """The classification claims of the paper's annotations for these (property, value)."""
        return [c for p, o in pairs for c in self.support.get((paper, p, o), [])]


def gap_reasons(cells: list[Row]) -> dict[tuple[str, str], str]:
    """(phase, problem) -> the curators' reason why the cell has no paper (cell_gaps.rq)."""
    out: dict[tuple[str, str], str] = {}
    for row in cells:
        key, reason = (str(row["phase"]), str(row["problem"])), str(row["gapReason"])
        # two reasons for one cell would be a data error; keep one, the same on every request
        out[key] = min(out.get(key, reason), reason)
    return out


def build_matrix(matrix_rows: list[Row], label_rows: list[Row], provenance: list[Row],
                 filtered: bool = False,
                 reasons: dict[tuple[str, str], str] | None = None) -> dict:
    """Group the matrix query's rows into cells; a cell without papers is a research gap.

    The rows answer the matrix question, labels.rq and statement_provenance.rq (`provenance`);
    `filtered` says that the provenance was asked for one status only, so that claims it lacks
    are left out rather than shown without a status.
    `reasons` are the recorded gap reasons (gap_reasons); a cell without one has None.
    """
    labels = {str(row["term"]): str(row["label"]) for row in label_rows}
    claims = _Claims(provenance, labels, filtered)
    phases: dict[str, int] = {}
    problems: set[str] = set()
    cells: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for row in matrix_rows:
        phase, problem = _bound(row, "phase"), _bound(row, "problem")
        phases[phase] = int(_bound(row, "order"))
        problems.add(problem)
        mechanisms = cells[(phase, problem)]
        mechanism, method = _value(row, "mechanism"), _value(row, "method")
        if mechanism is None:
            continue
        papers = mechanisms[mechanism][method]
        paper = _value(row, "paper")
        if paper is not None:
            papers[paper] = _value(row, "status")

    def term(iri: str) -> dict:
        return {"iri": iri, "label": labels.get(iri, iri.rsplit("/", 1)[-1])}

    def paper_entry(paper: str, status: str, phase: str, problem: str, mech: str,
                    method: str) -> dict:
        return {"iri": paper, "title": labels.get(paper, paper), "status": status,
                "stated_in_llm_atlas": status == str(ATLAS.StatedInLLMAtlas),
                "claims": claims.of_paper(paper, (A + "aboutMethod", method),
                                          (A + "aboutMechanism", mech),
                                          (A + "aboutAgencyProblem", problem),
                                          (A + "aboutPhase", phase))}

    def method_entry(method: str, papers: dict, phase: str, problem: str, mech: str) -> dict:
        entries = [paper_entry(p, s, phase, problem, mech, method)
                   for p, s in sorted(papers.items())]
        return {**term(method),
                "claims": claims.of((method, A + "realizes", mech),
                                    (method, A + "addresses", problem),
                                    (method, A + "applicableIn", phase)),
                "papers": [e for e in entries if e["claims"] or not filtered]}

    def mechanism_entry(mech: str, methods: dict, phase: str, problem: str) -> dict:
        entries = [method_entry(m, papers, phase, problem, mech)
                   for m, papers in sorted(methods.items())]
        return {**term(mech), "claims": claims.of((mech, A + "addresses", problem)),
                "methods": [e for e in entries if e["claims"] or e["papers"] or not filtered]}

    ordered_phases = sorted(phases, key=phases.__getitem__)
    ordered_problems = sorted(problems)
    out_cells = []
    for phase in ordered_phases:
        for problem in ordered_problems:
            mechanisms = cells.get((phase, problem), {})
            # a gap is a fact about the graph, so it is decided before any filter
            gap = not any(papers for methods in mechanisms.values()
                          for papers in methods.values())
            entries = [mechanism_entry(mech, methods, phase, problem)
                       for mech, methods in sorted(mechanisms.items())]
            out_cells.append({"phase": phase, "problem": problem, "gap": gap, "mechanisms": [
                e for e in entries if e["claims"] or e["methods"] or not filtered],
                "gapReason": (reasons or {}).get((phase, problem))})
    return {"phases": [{**term(p), "order": phases[p]} for p in ordered_phases],
            "problems": [term(p) for p in ordered_problems], "cells": out_cells}


def all_claims(matrix: dict) -> list[dict]:
    """Every claim of a matrix once, in the order the cells list them."""
    seen: dict[Key, dict] = {}
    for cell in matrix["cells"]:
        for mech in cell["mechanisms"]:
            groups = [mech["claims"]] + [m["claims"] for m in mech["methods"]] + [
                p["claims"] for m in mech["methods"] for p in m["papers"]]
            for claim in (c for group in groups for c in group):
                seen.setdefault((claim["subject"], claim["predicate"], claim["object"]), claim)
    return list(seen.values())


CSV_COLUMNS = ["phase", "problem", "mechanism", "method", "paper", "status", "claim_of",
               "subject", "predicate", "object", "claim_status", "claim_source", "citation",
               "rationale", "rule", "gapReason"]


def csv_rows(matrix: dict) -> list[dict]:
    """The matrix as one row per claim in its place (CSV_COLUMNS); `status` is the paper's
    annotation's own status, `claim_status` the claim's, `gapReason` on every row of a cell
    recorded as a gap. A cell without claims is one row."""
    out: list[dict] = []

    def emit(place: dict, of: str, claims: list[dict]) -> None:
        for claim in claims:
            out.append({**place, "claim_of": of, "subject": claim["subject"],
                        "predicate": claim["predicate"], "object": claim["object"],
                        "claim_status": claim["status"], "claim_source": claim["source"],
                        "citation": claim["citation"], "rationale": claim["rationale"],
                        "rule": claim["rule"]})

    for cell in matrix["cells"]:
        place = {"phase": cell["phase"], "problem": cell["problem"],
                 "gapReason": cell.get("gapReason")}
        if not cell["mechanisms"]:
            out.append(dict(place))
        for mech in cell["mechanisms"]:
            emit({**place, "mechanism": mech["iri"]}, "mechanism", mech["claims"])
            for method in mech["methods"]:
                at = {**place, "mechanism": mech["iri"], "method": method["iri"]}
                emit(at, "method", method["claims"])
                for paper in method["papers"]:
                    emit({**at, "paper": paper["iri"], "status": paper["status"]}, "paper",
                         paper["claims"])
    return [{c: row.get(c) or "" for c in CSV_COLUMNS} for row in out]
