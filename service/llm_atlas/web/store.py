"""/store: the SPARQL 1.1 Graph Store HTTP Protocol (reads public, writes with the token)."""

from __future__ import annotations

import uuid

import pyoxigraph as ox
from flask import Blueprint, Response, request

from llm_atlas import formats
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import (
    body_bytes,
    negotiated,
    no_content,
    public_url,
    request_url,
    require_token,
    state,
)
from llm_atlas.web.refusals import BadRequest, NotFound, UnsupportedMediaType

bp = Blueprint("store", __name__)



def _target() -> tuple[str | None, str]:
    """The graph a request names: (IRI or None for the default graph, how it was named)."""
    if request.path.rstrip("/") != "/store":
        return request_url(), "direct"
    graphs = request.args.getlist("graph")
    if "default" in request.args and graphs:
        raise BadRequest("name either ?default or ?graph=IRI, not both")
    if len(graphs) > 1:
        raise BadRequest("name one graph: ?graph=IRI appears more than once")
    if graphs:
        if not graphs[0] or ":" not in graphs[0]:
            raise BadRequest(f"?graph={graphs[0]!r} is not an absolute IRI")
        try:
            ox.NamedNode(graphs[0])
        except ValueError as exc:
            raise BadRequest(f"?graph={graphs[0][:200]!r} is not an absolute IRI ({exc})") \
                from None
        return graphs[0], "indirect"
    if "default" in request.args:
        return None, "default"
    return None, "store"


def _readable() -> str:
    return ", ".join(formats.readable_content_types())


def _payload() -> list[tuple[bytes, str]]:
    """The RDF documents of a write: the body, or each file of a multipart form."""
    limit = state().settings.max_upload_bytes
    if request.mimetype == "multipart/form-data":
        body_bytes(limit)  # enforce the size limit before parsing the parts
        parts = []
        for upload in request.files.values():
            kind = formats.for_content_type(upload.mimetype)
            if kind is None:
                raise UnsupportedMediaType(
                    f"the form part {upload.filename or upload.name!r} has type "
                    f"{upload.mimetype or 'none'}; send one of {_readable()}")
            parts.append((upload.read(), kind.name))
        if not parts:
            raise BadRequest("the multipart form holds no file to load")
        return parts
    kind = formats.for_content_type(request.mimetype)
    if kind is None:
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype or 'none'} is not an RDF syntax this store reads; "
            f"use one of {_readable()}")
    return [(body_bytes(limit), kind.name)]


@bp.route("/store", methods=["GET", "HEAD"])
@bp.route("/store/<path:_rest>", methods=["GET", "HEAD"])
def read_graph(_rest: str | None = None) -> Response:
    iri, how = _target()
    if how == "store":
        raise BadRequest("name a graph with ?graph=IRI or ?default")
    fmt = neg.choose(neg.graphs(), request.headers.get("Accept"))
    body = state().store.get_graph(iri, fmt.name)
    if body is None:
        raise NotFound(f"the store holds no graph <{iri}>")
    return negotiated(body, fmt.media_type)


@bp.route("/store", methods=["PUT", "POST"])
@bp.route("/store/<path:_rest>", methods=["PUT", "POST"])
def write_graph(_rest: str | None = None) -> Response:
    require_token()
    iri, how = _target()
    created_location = None
    if how == "store":
        if request.method == "PUT":
            raise BadRequest("PUT needs a graph: ?graph=IRI or ?default")
        iri = public_url("store/" + uuid.uuid4().hex)
        created_location = iri
    replace = request.method == "PUT"
    created = False
    for i, (data, kind) in enumerate(_payload()):
        new = state().store.write_graph(iri, data, kind, replace=replace and i == 0,
                                        base_iri=iri or request_url())
        created = created or new
    if created_location:
        return no_content(201, location=created_location)
    return no_content(201 if created else 204)


@bp.route("/store", methods=["DELETE"])
@bp.route("/store/<path:_rest>", methods=["DELETE"])
def delete_graph(_rest: str | None = None) -> Response:
    require_token()
    iri, how = _target()
    if how == "store":
        raise BadRequest("DELETE needs a graph: ?graph=IRI or ?default")
    if not state().store.drop_graph(iri):
        raise NotFound(f"the store holds no graph <{iri}>")
    return no_content()
