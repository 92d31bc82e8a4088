"""/annotations: submit (POST), read (GET) and retract (DELETE) annotations; writes need the token.

POST answers 201 with `Location` (the annotation's URL, /resource/annotation/{slug}); 422 with
the SHACL report when the document does not conform, or with a message when it is not one
annotation (and its paper) or HermiT finds it inconsistent; 400 when it does not parse; 409
for a duplicate; 401/403 without a valid token; 413 past the size limit. In every error case
nothing is written. DELETE /annotations/{slug} (or the annotation's URL) retracts it and keeps
a record, dropping the paper's graph too when the paper was submitted and no other annotation
targets it (the answer lists the graphs dropped); a retracted annotation answers 410.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from llm_atlas.core.annotations.records import Request, now
from llm_atlas.core.annotations.submission import SLUG
from llm_atlas.core.checking.validation import ValidationReport
from llm_atlas.errors import NotConforming
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, public_url, require_token, state
from llm_atlas.web.errors import status_for
from llm_atlas.web.refusals import NotFound
from llm_atlas.web.reports import read_rdf_body, report_response, request_id, service

log = logging.getLogger("llm_atlas.annotations")
bp = Blueprint("annotations", __name__)
RESOURCE_PATH = "/resource/annotation/"


def _request(operation: str) -> Request:
    settings = state().settings
    holder = settings.token_holder or settings.base_iri + "resource/agent/token-holder"
    req = Request(request_id(), holder, request.remote_addr or "unknown", now(), operation)
    log.info("%s request %s from %s", operation, req.request_id, req.client)
    return req


def _slug(slug: str) -> str:
    if not SLUG.fullmatch(slug):
        raise NotFound(f"{slug!r} is not an annotation slug (letters, digits, '-' and '_')")
    return slug


@bp.route("/annotations", methods=["POST"])
def submit() -> Response:
    """Validate and store one annotation (and a new paper) as its own named graph."""
    require_token()
    req = _request("POST /annotations")
    graph = read_rdf_body()
    try:
        committed, report = service().submit(graph, req)
    except NotConforming as exc:  # the one error that answers with its report
        assert isinstance(exc.report, ValidationReport)  # errors.py cannot name the type
        return report_response(exc.report, len(graph), status=status_for(exc), message=str(exc))
    slug = committed.annotation.rsplit("/", 1)[1]
    location = public_url(RESOURCE_PATH + slug)
    body = {"annotation": committed.annotation, "location": location,
            "graphs": committed.graphs, "submitted": committed.ended.isoformat(),
            "request_id": request_id(), "warnings": [r.as_dict() for r in report.warnings]}
    response = Response(json.dumps(body, indent=1) + "\n", status=201,
                        mimetype="application/json")
    response.headers["Location"] = location
    return response


@bp.route("/annotations/<slug>", methods=["GET"])
def read(slug: str) -> Response:
    """The annotation's graph (with its submission record) in the format Accept prefers."""
    try:
        fmt = neg.choose(neg.graphs(), request.headers.get("Accept"))
    except neg.NotAcceptable:
        service().read(_slug(slug), "ntriples")  # a missing one is 404 or 410 first
        raise
    response = negotiated(service().read(_slug(slug), fmt.name), fmt.media_type)
    response.headers["Content-Location"] = RESOURCE_PATH + slug
    return response


@bp.route("/annotations/<slug>", methods=["DELETE"])
@bp.route(RESOURCE_PATH + "<slug>", methods=["DELETE"])
def retract(slug: str) -> Response:
    """Retract an annotation: its graph goes, a record of who retracted it and when stays."""
    require_token()
    record, dropped = service().retract(_slug(slug), _request(f"DELETE {request.path}"))
    body = {"annotation": service().iri(slug), "retraction": record, "dropped": dropped,
            "request_id": request_id()}
    return Response(json.dumps(body, indent=1) + "\n", status=200, mimetype="application/json")
