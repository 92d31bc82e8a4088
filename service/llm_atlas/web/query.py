"""Running a query for any blueprint: guard, dataset, negotiation, slot, engine."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import request

from llm_atlas.core.sparql.guard import Analysis, analyse
from llm_atlas.core.views.iris import resolve
from llm_atlas.errors import QueryRefused, QuerySyntaxError, StoreError, UnsupportedFunction
from llm_atlas.formats import Format
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import query_slot, state


@dataclass
class ProtocolRequest:
    """The operation text and dataset parameters of one protocol request."""

    text: str | None
    default_graphs: list[str]
    named_graphs: list[str]
    format: str | None = None  # a `format=` parameter (URL or form), overriding Accept


def _negotiate(form: str | None, named: str | None) -> tuple[Format | None, Format | None]:
    """The result formats for a query form, from `format=` or Accept; 406 when none fits."""
    accept = request.headers.get("Accept")
    if form in ("CONSTRUCT", "DESCRIBE"):
        return None, neg.negotiate(neg.graphs(), named, accept)
    return neg.negotiate(neg.solutions(), named, accept), None


def _query_base(analysis: Analysis, endpoint_base: str) -> str:
    """The base IRI of the query: its BASE declarations, each resolved against the one before,
    starting from the endpoint's own URL (the base the engine is given)."""
    base = endpoint_base
    for declared in analysis.bases:
        base = _resolved(declared, base, "BASE")
    return base


def _resolved(reference: str, base: str, where: str) -> str:
    try:
        return resolve(reference, base)
    except ValueError as exc:
        raise QueryRefused(f"{where}: {exc}") from None


def _unescaped(iri: str) -> str:
    """A FROM IRI with a prefixed name's escapes (`ex:a\\,b`) undone; no IRIREF holds `\\`."""
    return re.sub(r"\\(.)", r"\1", iri)


def _dataset(req: ProtocolRequest, analysis: Analysis, endpoint_base: str,
             held: Callable[[str], bool]) -> tuple[list[str] | None, list[str] | None]:
    """The graphs a query is evaluated over; (None, None) is the union of all graphs.

    The protocol's parameters win over the query's FROM / FROM NAMED (SPARQL 1.1 Protocol,
    section 2.1.4). A query's own FROM is handed on as an explicit dataset: Oxigraph asked for
    its union default graph would otherwise ignore it. Relative IRIs are resolved against the
    query's BASE. A graph the store does not hold is an empty graph, as in Oxigraph and Fuseki:
    it is left out of the dataset, so that no engine is ever asked for it (or could fetch it).
    """
    if req.default_graphs or req.named_graphs:
        defaults = [_resolved(g, endpoint_base, "default-graph-uri") for g in req.default_graphs]
        named = [_resolved(g, endpoint_base, "named-graph-uri") for g in req.named_graphs]
    elif analysis.has_dataset_clause:
        base = _query_base(analysis, endpoint_base)
        defaults = [_resolved(_unescaped(g), base, "FROM") for g in analysis.from_graphs]
        named = [_resolved(_unescaped(g), base, "FROM NAMED") for g in analysis.from_named_graphs]
    else:
        return None, None
    # (each graph once: the store is asked about each, and a dataset is a set of graphs)
    return ([g for g in dict.fromkeys(defaults) if held(g)],
            [g for g in dict.fromkeys(named) if held(g)])


def _evaluate(text: str, dataset, solutions: str, graphs: str, base_iri: str):
    defaults, named = dataset
    with query_slot():
        return state().store.query(text, default_graphs=defaults, named_graphs=named,
                                   solution_format=solutions, graph_format=graphs,
                                   base_iri=base_iri)


def _refuse_unacceptable(text: str, dataset, base_iri: str,
                         refusal: neg.NotAcceptable) -> None:
    """Raise the query's own error, if it has one, before the 406: a syntax error must win
    whatever the client accepts, and only the engine's parser knows the engine's grammar.

    The query is evaluated for that (within the usual deadline, slot and row limit); that costs
    no more than the same query asked for with an acceptable Accept.
    """
    try:
        _evaluate(text, dataset, "json", "ntriples", base_iri)
    except (QuerySyntaxError, UnsupportedFunction):
        raise
    except StoreError:
        pass  # a deadline or the row limit: the format is still the answer
    raise refusal


def run_query(req: ProtocolRequest, base_iri: str,
              fixed: tuple[Format, Format] | None = None):
    """Guard, negotiate and evaluate a query; answer (kind, body, format)."""
    text = req.text
    assert text is not None  # the endpoints answer a request without a query themselves
    analysis = analyse(text, base_given=True)  # the engine gets the endpoint as base
    dataset = _dataset(req, analysis, base_iri, state().store.graph_exists)
    try:
        solutions, graphs = fixed or _negotiate(analysis.form, req.format)
    except neg.NotAcceptable as refusal:
        _refuse_unacceptable(text, dataset, base_iri, refusal)
        raise
    kind, body = _evaluate(text, dataset, solutions.name if solutions else "json",
                           graphs.name if graphs else "turtle", base_iri)
    fmt = graphs if kind == "graph" else solutions
    return kind, body, fmt
