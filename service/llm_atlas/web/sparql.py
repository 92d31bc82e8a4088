"""/sparql and /sparql/update: the SPARQL 1.1 Query and Update protocols."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, Response, request

from llm_atlas import formats
from llm_atlas.core.sparql.guard import add_using, analyse
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import (
    body_bytes,
    charset_is_utf8,
    negotiated,
    no_content,
    request_url,
    require_token,
    state,
    utf8,
)
from llm_atlas.web.query import ProtocolRequest, run_query
from llm_atlas.web.refusals import BadRequest, UnsupportedMediaType
from llm_atlas.web.service_description import service_description

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"


def _params(pairs: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in pairs if k == key]


def _form_pairs(data: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(utf8(data, "request body"), keep_blank_values=True,
                         encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the form body percent-encodes bytes that are not UTF-8") from None


def _url_pairs() -> list[tuple[str, str]]:
    try:
        return parse_qsl(request.query_string.decode("latin-1"), keep_blank_values=True,
                         encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise BadRequest("the URL percent-encodes bytes that are not UTF-8") from None


def _read(operation: str, direct_type: str, graph_keys: tuple[str, str]) -> ProtocolRequest:
    """Read a query or update from GET parameters, a form, or a direct POST body."""
    url = _url_pairs()
    limit = state().settings.max_query_bytes
    if request.method == "GET":
        pairs = url
    elif request.mimetype == FORM:
        charset_is_utf8()
        pairs = _form_pairs(body_bytes(limit))
    elif request.mimetype == direct_type:
        charset_is_utf8()
        pairs = url + [(operation, utf8(body_bytes(limit), f"{operation} body"))]
    elif not request.mimetype:
        raise UnsupportedMediaType(
            f"a POSTed {operation} needs a Content-Type: {FORM} or {direct_type}")
    else:
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype} is not a SPARQL {operation}; "
            f"use {FORM} or {direct_type}")
    texts = _params(pairs, operation)
    if len(texts) > 1:
        raise BadRequest(f"the request has {len(texts)} `{operation}` parameters; send exactly one")
    if len(texts[0] if texts else "") > limit:
        raise BadRequest(f"the {operation} is longer than {limit} characters")
    named = _params(pairs, "format") or _params(url, "format")
    return ProtocolRequest(texts[0] if texts else None, _params(pairs, graph_keys[0]),
                           _params(pairs, graph_keys[1]), named[0] if named else None)


@bp.route("/sparql", methods=["GET", "POST"])
def query_endpoint() -> Response:
    """SPARQL 1.1 Query Protocol; a bare GET gives the Service Description or the query page."""
    if request.method == "GET" and "update" in request.args:
        raise BadRequest("updates are not accepted by GET; POST them to /sparql/update")
    req = _read("query", "application/sparql-query", ("default-graph-uri", "named-graph-uri"))
    if req.text is None:
        if request.method == "POST":
            raise BadRequest("the request has no `query`; updates go to /sparql/update")
        if neg.prefers_html(request.headers.get("Accept")):
            return _page(None)
        return service_description(request_url())
    if neg.prefers_html(request.headers.get("Accept")) and req.format is None:
        return _page(req)
    kind, body, fmt = run_query(req, request_url())
    return negotiated(body, fmt.media_type)


def _page(req: ProtocolRequest | None) -> Response:
    """The browser page: a textarea, the named questions, and a results table."""
    from llm_atlas.web.pages import query_page

    return query_page(req.text if req else None,
                      (lambda text: run_query(ProtocolRequest(text, [], []), request_url(),
                                               (formats.get("json"), formats.get("ntriples"))))
                      if req else None)


@bp.route("/sparql/update", methods=["POST"])
def update_endpoint() -> Response:
    """SPARQL 1.1 Update Protocol: token only, never a fetch."""
    require_token()
    req = _read("update", "application/sparql-update",
                ("using-graph-uri", "using-named-graph-uri"))
    if req.text is None:
        raise BadRequest("the request has no `update` parameter")
    analyse(req.text, base_given=True)  # refuses SERVICE and LOAD
    text = add_using(req.text, req.default_graphs, req.named_graphs)
    state().store.update(text, base_iri=request_url())
    return no_content()


@bp.route("/sparql/update", methods=["GET"])
def update_by_get() -> Response:
    raise BadRequest("updates must be POSTed (SPARQL 1.1 Protocol, section 2.2)")

