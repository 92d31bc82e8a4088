"""/review: the literature review at a glance, for people (HTML) and tools (JSON).

The protocol's criteria with the works each decided, its sources with their searches, the
included and excluded totals, works per topic area, and the excluded works with the reason.
The same summary is on the protocol's own page (/resource/review/protocol).
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from llm_atlas import formats
from llm_atlas.core.views.review import protocol_summary, protocols
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, query_slot, state
from llm_atlas.web.documents import link
from llm_atlas.web.refusals import NotFound

bp = Blueprint("review", __name__)
OFFERED = [neg.HTML, formats.get("json")]
JSON_MEDIA = "application/json"


def review_summary(store) -> dict:
    """Every protocol the store holds with its summary; 404 when it holds none."""
    found = protocols(store)
    if not found:
        raise NotFound("The store holds no atlas:ReviewProtocol, so there is no review to "
                       "summarise; build the shipped knowledge (annotations/review/).")
    return {"protocols": [{**p, **protocol_summary(store, p["iri"])} for p in found]}


@bp.route("/review")
@bp.route("/review.<ext>")
def review(ext: str | None = None) -> Response:
    """The review summary in HTML or JSON, by extension, `format=` or Accept."""
    fmt = neg.negotiate(OFFERED, ext or request.args.get("format"),
                        request.headers.get("Accept"))
    with query_slot():
        summary = review_summary(state().store)
    if fmt is neg.HTML:
        return negotiated(render_template("review.html", summary=summary, link=link),
                          neg.HTML.media_type)
    return negotiated(json.dumps(summary, indent=1), JSON_MEDIA)
