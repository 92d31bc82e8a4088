"""The headline counts of the shipped knowledge, as the README's "What is in the graph" gives them.

Core module (no Flask): plain SPARQL over an rdflib graph of the annotation files, so a test can
recompute the README's figures from the files themselves.
"""

from __future__ import annotations

from rdflib import Graph
from rdflib.query import ResultRow

from llm_atlas.namespaces import PREFIXES

COUNTS: dict[str, str] = {
    "papers (included by the review)":
        "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a atlas:Paper }",
    "works screened and excluded, each with its criterion":
        "SELECT (COUNT(DISTINCT ?w) AS ?n) { ?r atlas:screened ?w ; atlas:decision atlas:Excluded ;"
        " atlas:byCriterion ?c }",
    "annotations (solution / framing)":
        "SELECT (CONCAT(STR(COUNT(DISTINCT ?s)), ' / ', STR(COUNT(DISTINCT ?f))) AS ?n) {"
        " { ?s a atlas:SolutionAnnotation } UNION { ?f a atlas:FramingAnnotation } }",
    "alignment methods with at least one paper":
        "SELECT (COUNT(DISTINCT ?m) AS ?n) { ?a atlas:aboutMethod ?m ; oa:hasTarget ?p }",
    "alignment problems":
        "SELECT (COUNT(DISTINCT ?x) AS ?n) { ?x a atlas:AlignmentProblem }",
    "literature searches recorded":
        "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s a atlas:LiteratureSearch }",
    "people and organizations credited":
        "SELECT (COUNT(DISTINCT ?c) AS ?n) { ?p a atlas:Paper ; dcterms:creator ?c }",
    "papers first public 2024 or 2025":
        "SELECT (COUNT(DISTINCT ?p) AS ?n) { ?p a atlas:Paper ; dcterms:issued ?y"
        " FILTER (STR(?y) IN ('2024', '2025')) }",
    "cells of the problem-solution space supported by papers / shown as gaps with a reason":
        "SELECT (CONCAT(STR(COUNT(DISTINCT ?c) - COUNT(DISTINCT ?g)), ' / ',"
        " STR(COUNT(DISTINCT ?g))) AS ?n) { ?c a atlas:ProblemSolutionCell"
        " OPTIONAL { ?c atlas:gapReason ?r BIND (?c AS ?g) } }",
}


def graph_counts(graph: Graph) -> dict[str, str]:
    """Each headline figure, as text, computed over `graph` (ontology plus annotations)."""
    out: dict[str, str] = {}
    for label, query in COUNTS.items():
        row = next(iter(graph.query(query, initNs=PREFIXES)))
        assert isinstance(row, ResultRow)  # each count is a SELECT
        out[label] = str(row[0])
    return out
