"""Server-rendered pages for people (no script or asset from the internet)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pyoxigraph as ox
from flask import Response, current_app, render_template

from llm_atlas.core.sparql.queries import examples
from llm_atlas.core.views.iris import href
from llm_atlas.errors import AtlasError
from llm_atlas.web.common import negotiated
from llm_atlas.web.errors import status_for


def _base() -> str:
    return current_app.extensions["llm_atlas"].settings.base_iri


def _cell(term: dict | None) -> dict:
    if term is None:
        return {"text": ""}
    if term["type"] == "uri":
        return {"text": term["value"], "href": href(term["value"], _base())}
    if term["type"] == "bnode":
        return {"text": "_:" + term["value"]}
    lang = term.get("xml:lang")
    return {"text": term["value"] + (f" @{lang}" if lang else "")}


def _graph_rows(body: bytes) -> list[list[dict]]:
    rows = []
    for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
        rows.append([_term_cell(quad.subject), _term_cell(quad.predicate), _term_cell(quad.object)])
    return rows


def _term_cell(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"text": term.value, "href": href(term.value, _base())}
    if isinstance(term, ox.BlankNode):
        return {"text": "_:" + term.value}
    return {"text": term.value}


def result_context(kind: str, body: bytes) -> dict:
    """Template values for a result: a yes/no answer, or columns and rows of cells."""
    if kind == "boolean":
        return {"boolean": json.loads(body)["boolean"], "columns": None, "rows": []}
    if kind == "solutions":
        data = json.loads(body)
        columns = data["head"]["vars"]
        rows = [[_cell(b.get(c)) for c in columns] for b in data["results"]["bindings"]]
        return {"boolean": None, "columns": columns, "rows": rows}
    return {"boolean": None, "columns": ["subject", "predicate", "object"],
            "rows": _graph_rows(body)}


def query_page(text: str | None, run: Callable | None) -> Response:
    """The query form, and the results of `text` as a table when one was given."""
    context = {"query": text or "SELECT ?mechanism ?problem WHERE {\n  ?mechanism a "
               "<https://w3id.org/llm-atlas/ontology/Mechanism> ;\n    "
               "<https://w3id.org/llm-atlas/ontology/addresses> ?problem .\n}",
               "examples": examples(), "error": None, "boolean": None, "columns": None,
               "rows": []}
    status = 200
    if text is not None and run is not None:
        try:
            kind, body, _fmt = run(text)
        except AtlasError as exc:
            context["error"] = str(exc)
            status = status_for(exc)
        else:
            context.update(result_context(kind, body))
    html = render_template("query.html", **context)
    return negotiated(html, "text/html", status=status)
