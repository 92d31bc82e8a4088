"""The problem-solution space as a structure: phases x agency problems, each cell its claims."""

from __future__ import annotations

import json
from collections import defaultdict

from .namespaces import ATLAS


def _value(binding: dict, name: str) -> str | None:
    return binding[name]["value"] if name in binding else None


def build_matrix(matrix_json: bytes, labels_json: bytes) -> dict:
    """Group the matrix query's rows into cells; a cell without papers is a research gap."""
    labels = {b["term"]["value"]: b["label"]["value"]
              for b in json.loads(labels_json)["results"]["bindings"]}
    rows = json.loads(matrix_json)["results"]["bindings"]
    phases: dict[str, int] = {}
    problems: set[str] = set()
    cells: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    for row in rows:
        phase, problem = _value(row, "phase"), _value(row, "problem")
        phases[phase] = int(_value(row, "order"))
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

    ordered_phases = sorted(phases, key=phases.get)
    ordered_problems = sorted(problems)
    out_cells = []
    for phase in ordered_phases:
        for problem in ordered_problems:
            mechanisms = cells.get((phase, problem), {})
            entry = {"phase": phase, "problem": problem, "mechanisms": [
                {**term(mech), "methods": [
                    {**term(method), "papers": [
                        {"iri": paper, "title": labels.get(paper, paper), "status": status,
                         "stated_in_llm_atlas": status == str(ATLAS.StatedInSource)}
                        for paper, status in sorted(papers.items())]}
                    for method, papers in sorted(methods.items())]}
                for mech, methods in sorted(mechanisms.items())]}
            entry["gap"] = not any(m["papers"] for mech in entry["mechanisms"]
                                   for m in mech["methods"])
            out_cells.append(entry)
    return {"phases": [{**term(p), "order": phases[p]} for p in ordered_phases],
            "problems": [term(p) for p in ordered_problems], "cells": out_cells}
