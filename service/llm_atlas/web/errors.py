"""One table from every exception to its HTTP answer, and the one error shape built from it.

Client errors are 4xx with a message saying what to fix; server faults are 5xx and logged.
An exception that is in no row (by class or by a base class) is a 500: a bug, logged with its
traceback. cli/exits.py is the same idea for the shell.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from llm_atlas import errors
from llm_atlas.web import refusals
from llm_atlas.web.body_gate import (
    BodyIncomplete,
    BodyReadersBusy,
    BodyTooSlow,
    TooManyBodiesFromClient,
)
from llm_atlas.web.common import vary_on_accept
from llm_atlas.web.negotiation import NotAcceptable, prefers_html

log = logging.getLogger("llm_atlas.web")
ERROR_MEDIA_TYPE = "application/json"  # the error shape's type for every client but browsers


@dataclass(frozen=True)
class HttpError:
    """What an exception means over HTTP: its status and the headers that go with it."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()


RETRY = (("Retry-After", "1"),)  # busy, not broken: the same request may pass in a moment
CLOSE = (("Connection", "close"),)  # the body was not read to its end: the connection is spent
HTTP_OF: dict[type[BaseException], HttpError] = {
    # 400: the request itself is wrong; the message says what to change
    refusals.BadRequest: HttpError(400),
    BodyIncomplete: HttpError(400, CLOSE),
    errors.QueryRefused: HttpError(400),
    errors.QuerySyntaxError: HttpError(400),
    errors.NetworkDenied: HttpError(400),
    errors.UnsupportedFunction: HttpError(400),
    errors.ResultTooLarge: HttpError(400),
    errors.ParameterError: HttpError(400),
    errors.UnknownStatusFilter: HttpError(400),
    errors.RDFSyntaxError: HttpError(400),  # UnsafeInput, SchemaTriple, InputTooLarge too
    refusals.Unauthorized: HttpError(401, (("WWW-Authenticate", 'Bearer realm="llm-atlas"'),)),
    refusals.Forbidden: HttpError(403),
    refusals.NotFound: HttpError(404),
    errors.AnnotationNotFound: HttpError(404),
    NotAcceptable: HttpError(406),
    errors.ResultNotRepresentable: HttpError(406),  # the chosen format cannot carry the value
    BodyTooSlow: HttpError(408, CLOSE),
    errors.GraphExists: HttpError(409),
    errors.SubmissionConflict: HttpError(409),
    errors.AnnotationRetracted: HttpError(410),
    refusals.PayloadTooLarge: HttpError(413),
    refusals.UnsupportedMediaType: HttpError(415),
    errors.UnsupportedFormat: HttpError(415),
    # 422: well-formed RDF that cannot be accepted; NotConforming answers with its report
    errors.SubmissionRejected: HttpError(422),  # Inconsistent too
    errors.NotConforming: HttpError(422),
    # retrying cannot make a document cheaper, and a 503 would invite automatic retries that
    # each hold a checker for the whole deadline
    errors.CheckTimeout: HttpError(422),
    TooManyBodiesFromClient: HttpError(429, RETRY + CLOSE),
    # 5xx: the request may be fine; the server cannot answer it now, or failed
    errors.StoreFault: HttpError(500),
    errors.CheckerFault: HttpError(500),
    errors.EngineUnreachable: HttpError(502),
    errors.StoreUnavailable: HttpError(503),
    errors.StoreBusy: HttpError(503, RETRY),
    errors.QueryTimeout: HttpError(503, RETRY),
    errors.CheckerBusy: HttpError(503, RETRY),
    BodyReadersBusy: HttpError(503, RETRY + CLOSE),
    errors.ReasonerUnavailable: HttpError(503),  # the server cannot check it now
    errors.StoreFull: HttpError(507),
}
SERVER_FAULT = HttpError(500)
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
          409: "Conflict", 410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
          502: "Bad Gateway", 503: "Service Unavailable",
          507: "Insufficient Storage"}


def http_error_for(exc: BaseException) -> HttpError:
    """The table's row for an exception: its own class first, then its nearest base class."""
    return errors.meaning_of(exc, HTTP_OF, SERVER_FAULT)


def status_for(exc: BaseException) -> int:
    """The HTTP status an exception stands for (500 for anything unexpected)."""
    return http_error_for(exc).status


def error_body(status: int, message: str) -> dict:
    """The one error shape, as JSON: {"error": {"status", "title", "message"}}."""
    return {"error": {"status": status, "title": TITLES.get(status, "Error"), "message": message}}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one error shape: JSON for tools, a small page for browsers."""
    if prefers_html(request.headers.get("Accept")):
        title = TITLES.get(status, "Error")
        body = (f"<!doctype html><title>{status} {title}</title><h1>{status} {title}</h1>"
                f"<p>{html.escape(message)}</p>")
        response = Response(body, status=status, mimetype="text/html")
    else:
        response = Response(json.dumps(error_body(status, message)) + "\n", status=status,
                            mimetype=ERROR_MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return vary_on_accept(response)  # JSON or HTML was chosen by Accept


def init_app(app: Flask) -> None:
    """Register the handlers that turn every exception into the one error shape."""

    @app.errorhandler(errors.AtlasError)
    @app.errorhandler(NotAcceptable)
    def handle_atlas_error(exc: Exception) -> Response:
        answer = http_error_for(exc)
        if answer.status >= 500:
            log.error("%s %s failed: %s", request.method, request.path, exc)
        return error_response(answer.status, str(exc), dict(answer.headers))

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException) -> Response:
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:  # the 405 of werkzeug
            headers["Allow"] = ", ".join(exc.valid_methods)
        message = exc.description or TITLES.get(exc.code or 500, "Error")
        return error_response(exc.code or 500, message, headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("%s %s: unexpected server fault", request.method, request.path)
        return error_response(500, "the server failed while answering; the fault is logged")
