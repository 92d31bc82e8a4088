"""Running a query for any blueprint: guard, dataset check, negotiation, slot, engine."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

from . import negotiation as neg
from .guard import analyse, check_dataset
from .web_common import query_slot, state


@dataclass
class ProtocolRequest:
    """The operation text and dataset parameters of one protocol request."""

    text: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None = None  # a `format=` parameter (URL or form), overriding Accept


def _negotiate(form: str | None, named: str | None) -> tuple[neg.Format | None,
                                                             neg.Format | None]:
    """The result formats for a query form, from `format=` or Accept; 406 when none fits."""
    accept = request.headers.get("Accept")
    if form in ("CONSTRUCT", "DESCRIBE"):
        return None, neg.negotiate(neg.GRAPHS, named, accept)
    return neg.negotiate(neg.SOLUTIONS, named, accept), None


def _dataset(req: ProtocolRequest, analysis) -> tuple[list[str] | None, list[str] | None]:
    """The graphs a query is evaluated over; (None, None) is the union of all graphs.

    The protocol's parameters win over the query's FROM / FROM NAMED (SPARQL 1.1 Protocol,
    section 2.1.4). A query's own FROM is handed on as an explicit dataset: Oxigraph asked for
    its union default graph would otherwise ignore it.
    """
    if req.default_graphs or req.named_graphs:
        return req.default_graphs or None, req.named_graphs or None
    if analysis.has_dataset_clause:
        return analysis.from_graphs, analysis.from_named_graphs
    return None, None


def run_query(req: ProtocolRequest, base_iri: str, formats=None):
    """Guard, negotiate and evaluate a query; answer (kind, body, format)."""
    analysis = analyse(req.text)
    explicit = req.default_graphs or req.named_graphs
    store = state().store
    check_dataset(req.default_graphs + req.named_graphs if explicit else analysis.dataset_iris,
                  store.graph_exists)
    solutions, graphs = formats or _negotiate(analysis.form, req.format)
    defaults, named = _dataset(req, analysis)
    with query_slot():
        kind, body = store.query(
            req.text,
            default_graphs=defaults,
            named_graphs=named,
            solution_format=solutions.name if solutions else "json",
            graph_format=graphs.name if graphs else "turtle",
            base_iri=base_iri,
        )
    fmt = graphs if kind == "graph" else solutions
    return kind, body, fmt
