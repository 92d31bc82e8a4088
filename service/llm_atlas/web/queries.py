"""/queries: the competency questions as a web API, with an OpenAPI description."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from llm_atlas import formats
from llm_atlas.core.sparql.queries import NamedQuery, bind
from llm_atlas.errors import AtlasError
from llm_atlas.namespaces import PREFIXES
from llm_atlas.web import negotiation as neg
from llm_atlas.web import openapi
from llm_atlas.web.common import negotiated, public_url, request_url, state
from llm_atlas.web.errors import status_for
from llm_atlas.web.pages import result_context
from llm_atlas.web.query import ProtocolRequest, run_query
from llm_atlas.web.refusals import NotFound

bp = Blueprint("queries", __name__)


def _named(name: str) -> NamedQuery:
    try:
        return state().queries[name]
    except KeyError:
        raise NotFound(f"there is no named query {name!r}; see /queries for the list") from None


def _summary(query: NamedQuery) -> dict:
    return {"name": query.name, "title": query.title, "question": query.question,
            "url": public_url(f"queries/{query.name}"),
            "parameters": [{"name": p.name, "type": p.type, "default": p.default,
                            "description": p.description} for p in query.params]}


@bp.route("/queries")
def list_queries() -> Response:
    """Every named question, as a page or as JSON."""
    queries = list(state().queries.values())
    if neg.choose([formats.get("json"), neg.HTML], request.headers.get("Accept")) is neg.HTML:
        return negotiated(render_template("queries.html", queries=queries), "text/html")
    body = json.dumps({"queries": [_summary(q) for q in queries]}, indent=1)
    return negotiated(body, "application/json")


@bp.route("/queries/openapi.json")
def openapi_document() -> Response:
    doc = openapi.document(list(state().queries.values()), public_url().rstrip("/"))
    return Response(json.dumps(doc, indent=1), mimetype="application/json")


@bp.route("/queries/<name>")
def run_named(name: str) -> Response:
    """Run one named question with parameters from the URL, in any result format of /sparql."""
    query = _named(name)
    given = {k: v for k, v in request.args.items() if k != "format"}
    text = bind(query, given, PREFIXES)
    req = ProtocolRequest(text, [], [], request.args.get("format"))
    if req.format is None and neg.prefers_html(request.headers.get("Accept")):
        return _page(query, req, given)
    _kind, body, fmt = run_query(req, request_url())
    return negotiated(body, fmt.media_type)


def _page(query: NamedQuery, req: ProtocolRequest, given: dict) -> Response:
    context = {"query": query, "values": {p.name: given.get(p.name, p.default)
                                          for p in query.params},
               "error": None, "boolean": None, "columns": None, "rows": []}
    status = 200
    try:
        kind, body, _ = run_query(req, request_url(),
                                  (formats.get("json"), formats.get("ntriples")))
        context.update(result_context(kind, body))
    except AtlasError as exc:
        context["error"], status = str(exc), status_for(exc)
    return negotiated(render_template("named_query.html", **context), "text/html",
                      status=status)
