"""/matrix: the LLM ATLAS problem-solution space for people (HTML) and tools (JSON, CSV)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from . import negotiation as neg
from .bp_meta import internal_query
from .iris import href
from .matrix import build_matrix
from .web_common import query_slot, state

bp = Blueprint("matrix", __name__)
OFFERED = [neg.HTML, neg.BY_NAME["json"], neg.BY_NAME["csv"]]
JSON_MEDIA = "application/json"


def _matrix_query() -> str:
    return state().queries["problem-solution-matrix"].text


@bp.route("/matrix")
@bp.route("/matrix.<ext>")
def matrix(ext: str | None = None) -> Response:
    """The matrix in HTML, JSON or CSV; CSV is the matrix query's own rows."""
    # plain `application/json` is an alias of the json entry, so tools asking for it get JSON
    fmt = neg.negotiate(OFFERED, ext or request.args.get("format"),
                        request.headers.get("Accept"))
    store = state().store
    with query_slot():
        if fmt.name == "csv":
            _, body = store.query(_matrix_query(), solution_format="csv")
            return _response(body, "text/csv")
        _, rows = store.query(_matrix_query(), solution_format="json")
        _, labels = store.query(internal_query("labels"), solution_format="json")
    structure = build_matrix(rows, labels)
    if fmt.name == "json":
        return _response(json.dumps(structure, indent=1), JSON_MEDIA)
    base = state().settings.base_iri
    html = render_template("matrix.html", m=structure, href=lambda iri: href(iri, base),
                           cells={(c["phase"], c["problem"]): c for c in structure["cells"]})
    return _response(html, "text/html")


def _response(body, media: str) -> Response:
    response = Response(body, mimetype=media)
    response.headers["Vary"] = "Accept"
    return response
