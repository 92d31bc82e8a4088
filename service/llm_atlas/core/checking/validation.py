"""SHACL validation with pyshacl, returned as plain values (no printing, no exit codes)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyshacl
from rdflib import Graph, Literal, Node
from rdflib.namespace import SH

from llm_atlas.errors import InputTooLarge

# looked up by a report's sh:resultSeverity, whatever term it is (or None when it has none)
SEVERITY_NAMES: dict[Node | None, str] = {SH.Violation: "Violation", SH.Warning: "Warning",
                                          SH.Info: "Info"}


@dataclass(frozen=True)
class ValidationResult:
    """One SHACL result: what is wrong, where, and how bad."""

    focus: str
    path: str | None
    severity: str
    message: str
    shape: str
    value: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {
            "focus": self.focus,
            "path": self.path,
            "severity": self.severity,
            "message": self.message,
            "shape": self.shape,
            "value": self.value,
        }


@dataclass
class ValidationReport:
    """All results of one validation run; conforms when no result is a Violation."""

    results: list[ValidationResult] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)

    @property
    def violations(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ValidationResult]:
        return [r for r in self.results if r.severity == "Warning"]

    @property
    def conforms(self) -> bool:
        return not self.violations


def _text(node: Node | None) -> str | None:
    if node is None:
        return None
    return str(node)


def _results_from_graph(report: Graph) -> list[ValidationResult]:
    results = []
    # only the report's own results: sh:detail results nested under them are not new findings
    for result in report.objects(None, SH.result):
        severity = report.value(result, SH.resultSeverity)
        message = report.value(result, SH.resultMessage)
        results.append(
            ValidationResult(
                focus=str(report.value(result, SH.focusNode)),
                path=_text(report.value(result, SH.resultPath)),
                severity=SEVERITY_NAMES.get(severity, str(severity)),
                message=str(message) if isinstance(message, Literal) else "",
                shape=str(report.value(result, SH.sourceShape)),
                value=_text(report.value(result, SH.value)),
            )
        )
    results.sort(key=lambda r: (r.severity != "Violation", r.focus, r.path or "", r.message))
    return results


def validate_graph(data: Graph, shapes: Graph, ontology: Graph | None = None) -> ValidationReport:
    """Validate a data graph against shapes, with the ontology mixed in for class and term lookups.

    RDFS inference stays off on purpose: it would entail the ranges of properties and so hide
    exactly the range violations the shapes are there to find. The ontology is merged into a
    copy of the data here rather than passed as pyshacl's ont_graph, whose node cloning recurses
    without end on the ontology's nested class expressions.
    """
    combined = data if ontology is None else data + ontology
    try:
        _conforms, report_graph, _text_report = pyshacl.validate(
            combined,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            meta_shacl=False,
            allow_warnings=True,
        )
    except RecursionError:  # pyshacl follows rdfs:subClassOf chains by recursion
        raise InputTooLarge("the data nests too deeply to be validated (a chain of "
                            "rdfs:subClassOf or of nodes about a thousand long); "
                            "flatten it") from None
    return ValidationReport(results=_results_from_graph(report_graph), graph=report_graph)
