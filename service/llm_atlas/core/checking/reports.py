"""SHACL reports for people and tools: a dict for JSON, readable text, and the report graph."""

from __future__ import annotations

import json

from rdflib import Graph, Literal, Node, URIRef
from rdflib.namespace import RDF, SH, XSD

from llm_atlas.core.checking.validation import ValidationReport, ValidationResult
from llm_atlas.namespaces import PREFIXES, bind_prefixes


def as_dict(report: ValidationReport, triples: int | None = None) -> dict:
    """The report as plain JSON-ready data: verdict, counts and every result."""
    out: dict = {"conforms": report.conforms, "violations": len(report.violations),
                 "warnings": len(report.warnings)}
    if triples is not None:
        out["triples"] = triples
    out["results"] = [r.as_dict() for r in report.results]
    return out


def short(iri: str | None) -> str:
    """An IRI as a CURIE with one of the project's prefixes, else in angle brackets."""
    if iri is None:
        return "-"
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    if ":" in iri and " " not in iri:
        return f"<{iri}>"
    return repr(iri)


def result_lines(result: ValidationResult) -> list[str]:
    """One result as indented lines: severity, focus node and path, message, shape and value."""
    where = f"{result.severity} at {short(result.focus)}"
    if result.path:
        where += f", path {short(result.path)}"
    lines = [f"  {where}", f"    {result.message}"]
    detail = f"shape {short(result.shape)}"
    if result.value is not None:
        detail += f", value {json.dumps(result.value, ensure_ascii=False)}"
    lines.append(f"    ({detail})")
    return lines


def summary(report: ValidationReport) -> str:
    """`conforms` or `1 violation, 2 warnings`."""
    v, w = len(report.violations), len(report.warnings)
    if not report.results:
        return "conforms"
    plural = lambda n, word: f"{n} {word}{'' if n == 1 else 's'}"  # noqa: E731
    verdict = "conforms with" if report.conforms else "does not conform:"
    return f"{verdict} {plural(v, 'violation')}, {plural(w, 'warning')}"


def _result_nodes(graph: Graph) -> list[Node]:
    return list(graph.subjects(RDF.type, SH.ValidationResult))


def _drop_description(graph: Graph, node: Node) -> None:
    """Remove a node's triples and those of the blank nodes only it reaches."""
    todo = [node]
    while todo:
        current = todo.pop()
        for _, p, o in list(graph.triples((current, None, None))):
            graph.remove((current, p, o))
            if not isinstance(o, URIRef | Literal) and not any(graph.subjects(None, o)):
                todo.append(o)


def restrict(report: ValidationReport, focus_nodes: set[str]) -> ValidationReport:
    """Only the results about the given focus nodes, in the list and in the report graph.

    Used when data from the store was mixed in as context: its own results are not the
    submitter's to fix.
    """
    kept = [r for r in report.results if r.focus in focus_nodes]
    if len(kept) == len(report.results):
        return report
    graph = Graph()
    bind_prefixes(graph)
    for triple in report.graph:
        graph.add(triple)
    for node in _result_nodes(graph):
        focus = graph.value(node, SH.focusNode)
        if str(focus) not in focus_nodes:
            for report_node in list(graph.subjects(SH.result, node)):
                graph.remove((report_node, SH.result, node))
            _drop_description(graph, node)
    conforms = not any(r.severity == "Violation" for r in kept)
    for report_node in graph.subjects(RDF.type, SH.ValidationReport):
        graph.set((report_node, SH.conforms, Literal(conforms, datatype=XSD.boolean)))
    return ValidationReport(results=kept, graph=graph)


def report_turtle(report: ValidationReport) -> str:
    """The report graph (sh:ValidationReport) as Turtle."""
    graph = report.graph
    bind_prefixes(graph)
    graph.bind("sh", str(SH))
    return graph.serialize(format="turtle")
