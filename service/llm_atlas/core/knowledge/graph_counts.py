"""The headline counts of the shipped knowledge, as the README's "What is in the graph" gives them.

Core module (no Flask): the fixed query `readme_counts.rq` over an rdflib graph of the
annotation files, so a test can recompute the README's figures from the files themselves.
"""

from __future__ import annotations

from rdflib import Graph

from llm_atlas.core.sparql.internal import select

# each line of the README's table -> the variable of readme_counts.rq that counts it
COUNTS: dict[str, str] = {
    "papers (included by the review)": "papers",
    "works screened and excluded, each with its criterion": "excluded",
    "annotations (solution / framing)": "annotations",
    "alignment methods with at least one paper": "methods",
    "alignment problems": "problems",
    "literature searches recorded": "searches",
    "people and organizations credited": "creators",
    "papers first public 2024 or 2025": "recent",
    "cells of the problem-solution space supported by papers / shown as gaps with a reason":
        "cells",
}


class GraphAnswers:
    """An rdflib graph answering SPARQL as a store does (results as bytes), for the row reader."""

    def __init__(self, graph: Graph):
        self.graph = graph

    def query(self, text: str, *, solution_format: str = "json") -> tuple[str, bytes]:
        body = self.graph.query(text).serialize(format=solution_format)
        assert body is not None  # (given no destination, rdflib returns the bytes)
        return "solutions", body


def graph_counts(graph: Graph) -> dict[str, str]:
    """Each headline figure, as text, computed over `graph` (ontology plus annotations)."""
    row = select(GraphAnswers(graph), "readme_counts")[0]
    return {label: str(row[variable]) for label, variable in COUNTS.items()}
