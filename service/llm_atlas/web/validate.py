"""/validate: the SHACL report on an RDF document; never writes.

POST the document as the body (its Content-Type names the syntax) and get the report as JSON,
Turtle (the sh:ValidationReport graph) or HTML by Accept; or use the form at GET /validate to
paste or upload one. The document is validated as /annotations would validate it: with the
stored ontology and the stored descriptions of what it points at. Parsing and SHACL run in a
sandboxed checker process under a deadline, never in a query slot (checker.py).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, request

from llm_atlas.core.knowledge.rdfio import format_for_path
from llm_atlas.errors import RDFSyntaxError, UnsupportedFormat
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import body_bytes, state
from llm_atlas.web.errors import status_for
from llm_atlas.web.reports import (
    page,
    parse_document,
    read_rdf_body,
    report_format,
    report_response,
    service,
    syntaxes,
)

bp = Blueprint("validate", __name__)
FORM_TYPES = {"multipart/form-data", "application/x-www-form-urlencoded"}


@bp.route("/validate", methods=["GET"])
def form() -> Response:
    """The page to paste or upload a document."""
    return page(None, None, text="", syntax="turtle")


def _form_document() -> tuple[bytes, str, str, str]:
    """(bytes, syntax, name, pasted text) from the form: an uploaded file or the text area."""
    chosen = request.form.get("syntax", "")
    if chosen and chosen not in syntaxes():
        raise UnsupportedFormat(f"unknown syntax {chosen!r}; use one of {', '.join(syntaxes())}")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        syntax = chosen or format_for_path(Path(upload.filename))
        return upload.read(), syntax, upload.filename, ""
    text = request.form.get("text", "")
    return text.encode("utf-8"), chosen or "turtle", "the pasted text", text


@bp.route("/validate", methods=["POST"])
def validate() -> Response:
    """Validate the body (or the form's document) and answer with the report."""
    if request.mimetype in FORM_TYPES:
        return _validate_form()
    graph = read_rdf_body()  # parsed in a checker, whose place this request keeps
    checked = service().validate(graph)
    return report_response(checked.report, len(graph))


def _validate_form() -> Response:
    as_page = report_format() is neg.HTML
    body_bytes(state().settings.max_submission_bytes)  # 413 before the form is parsed
    text, syntax = request.form.get("text", ""), request.form.get("syntax", "turtle")
    try:
        data, syntax, name, text = _form_document()
        graph = parse_document(data, syntax, name)
    except (RDFSyntaxError, UnsupportedFormat) as exc:
        if not as_page:
            raise
        return page(None, None, status=status_for(exc), error=str(exc), text=text,
                    syntax=syntax)
    checked = service().validate(graph)
    if as_page:
        return page(checked.report, len(graph), text=text, syntax=syntax)
    return report_response(checked.report, len(graph))
