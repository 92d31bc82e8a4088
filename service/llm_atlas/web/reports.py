"""What /validate and /annotations share: reading an RDF body, and answering with a report."""

from __future__ import annotations

import atexit
import json
import uuid

from flask import Flask, Response, current_app, g, render_template, request
from rdflib import Graph
from rdflib.namespace import RDF

from llm_atlas import formats
from llm_atlas.core.annotations.service import AnnotationService
from llm_atlas.core.checking.checker import CheckerPool
from llm_atlas.core.checking.reports import as_dict, report_turtle, short, summary
from llm_atlas.core.checking.validation import ValidationReport
from llm_atlas.core.knowledge.rdfsafety import Limits
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.core.views.iris import href
from llm_atlas.formats import Format
from llm_atlas.namespaces import ATLAS
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import body_bytes, negotiated, state
from llm_atlas.web.errors import error_body
from llm_atlas.web.refusals import UnsupportedMediaType

EXTENSION = "llm_atlas.annotations"
REPORT_FORMATS = [formats.get("json"), formats.get("turtle"), neg.HTML]
JSON_MEDIA = "application/json"
LIMITS = Limits()


def init_app(app: Flask) -> None:
    """Build the annotation service of an app (shapes parsed once) and tag every response."""
    settings = app.extensions["llm_atlas"].settings
    sources = find_sources(settings.sources)
    checker = CheckerPool(settings.sources, workers=settings.checkers,
                          queue_size=settings.checker_queue, timeout=settings.check_timeout)
    atexit.register(checker.close)
    app.extensions[EXTENSION] = AnnotationService(
        app.extensions["llm_atlas"].store, sources.annotation_shapes(), settings.base_iri,
        shipped=lambda: {str(a) for a in sources.annotations_graph().subjects(
            RDF.type, ATLAS.Annotation)}, checker=checker)

    @app.teardown_request
    def give_back_checker_place(_exc: BaseException | None) -> None:
        release = g.pop("checker_place", None)
        if release is not None:
            release()

    @app.after_request
    def request_id_header(response: Response) -> Response:
        if "request_id" in g:
            response.headers["X-Request-Id"] = g.request_id
        return response


def service() -> AnnotationService:
    return current_app.extensions[EXTENSION]


def request_id() -> str:
    """This request's id (a UUID), also sent back in `X-Request-Id`."""
    if "request_id" not in g:
        g.request_id = str(uuid.uuid4())
    return g.request_id


def admit() -> None:
    """Hold one of the checkers' places for the rest of this request (503 when none is free).

    Checking never takes a query slot: a costly document must not turn /sparql away.
    """
    if "checker_place" not in g:
        g.checker_place = service().checker.admit()


def parse_document(data: bytes, syntax: str, name: str = "the request body") -> Graph:
    """Parse untrusted RDF in a checker: nothing fetched, bounded, no schema (400 otherwise)."""
    admit()
    return service().checker.parse(data, syntax, name, state().settings.base_iri, LIMITS)


def read_rdf_body() -> Graph:
    """The request body parsed in the syntax its Content-Type names (415, 413, 400 otherwise)."""
    fmt = formats.for_content_type(request.mimetype)
    if fmt is None:
        raise UnsupportedMediaType(
            f"Content-Type {request.mimetype or 'none'} is not an RDF syntax this service reads; "
            f"use one of {', '.join(formats.readable_content_types())}")
    return parse_document(body_bytes(state().settings.max_submission_bytes), fmt.rdflib_name)


def syntaxes() -> dict[str, str]:
    """The syntaxes the form offers: rdflib's parser name -> what people call it."""
    offered: dict[str, str] = {}
    for fmt in formats.rdf_syntaxes():
        # a name shared by two formats is the first one's
        offered.setdefault(fmt.rdflib_name, fmt.label)
    return offered


def report_format() -> Format:
    """JSON, Turtle or HTML, by `format=` or Accept; plain `application/json` means our JSON."""
    return neg.negotiate(REPORT_FORMATS, request.args.get("format"),
                         request.headers.get("Accept"))


def page(report: ValidationReport | None, triples: int | None, *, status: int = 200,
         error: str | None = None, **form) -> Response:
    """The validation page: the form, and the report or error when there is one."""
    base = state().settings.base_iri
    html = render_template("validate.html", report=report, triples=triples, error=error,
                           summary=summary(report) if report is not None else None,
                           syntaxes=syntaxes(), short=short, href=lambda i: href(i, base), **form)
    return negotiated(html, "text/html", status=status)


def report_response(report: ValidationReport, triples: int, *, status: int = 200,
                    message: str | None = None) -> Response:
    """The report in the negotiated format; with a message it is also the one error shape."""
    fmt = report_format()
    if fmt.name == "turtle":
        return negotiated(report_turtle(report), fmt.media_type, status=status)
    if fmt is neg.HTML:
        return page(report, triples, status=status, error=message)
    body: dict = as_dict(report, triples)
    if message is not None:
        body = {**error_body(status, message), "report": body}
    return negotiated(json.dumps(body, indent=1) + "\n", JSON_MEDIA, status=status)
