"""One error shape for every failure the web layer answers, from typed exceptions."""

from __future__ import annotations

import html
import json
import logging

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from llm_atlas import errors
from llm_atlas.core.sparql.guard import QueryRefused
from llm_atlas.core.sparql.queries import ParameterError
from llm_atlas.web.negotiation import NotAcceptable, prefers_html

log = logging.getLogger("llm_atlas.web")


class ClientError(errors.AtlasError):
    """A request the client must fix; the subclass says the status."""

    status = 400


class BadRequest(ClientError):
    status = 400


class Unauthorized(ClientError):
    status = 401


class Forbidden(ClientError):
    status = 403


class NotFound(ClientError):
    status = 404


class UnsupportedMediaType(ClientError):
    status = 415


class PayloadTooLarge(ClientError):
    status = 413


STATUS_OF: dict[type, int] = {
    QueryRefused: 400,
    ParameterError: 400,
    errors.QuerySyntaxError: 400,
    errors.NetworkDenied: 400,
    errors.RDFSyntaxError: 400,
    errors.ResultTooLarge: 400,
    errors.UnsupportedFunction: 400,
    errors.ResultNotRepresentable: 406,  # the client chose a format that cannot carry it
    errors.UnsupportedFormat: 415,
    NotAcceptable: 406,
    errors.GraphExists: 409,
    errors.QueryTimeout: 503,
    errors.ReasonerUnavailable: 503,  # the request may be fine; the server cannot check it now
    errors.StoreBusy: 503,
    errors.EngineUnreachable: 502,
    errors.StoreUnavailable: 503,
    errors.StoreFull: 507,
    errors.StoreFault: 500,
    # retrying cannot make a document cheaper, and a 503 would invite automatic retries that
    # each hold a checker for the whole deadline
    errors.CheckTimeout: 422,
    errors.CheckerBusy: 503,
    errors.CheckerFault: 500,
}
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout",
          409: "Conflict", 410: "Gone", 413: "Payload Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
          502: "Bad Gateway", 503: "Service Unavailable",
          507: "Insufficient Storage"}


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """The one error shape: JSON for tools, a small page for browsers."""
    title = TITLES.get(status, "Error")
    if prefers_html(request.headers.get("Accept")):
        body = (f"<!doctype html><title>{status} {title}</title><h1>{status} {title}</h1>"
                f"<p>{html.escape(message)}</p>")
        response = Response(body, status=status, mimetype="text/html")
    else:
        body = json.dumps({"error": {"status": status, "title": title, "message": message}})
        response = Response(body + "\n", status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def status_for(exc: Exception) -> int:
    """The HTTP status an exception stands for (500 for anything unexpected)."""
    if isinstance(exc, ClientError):
        return exc.status
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def init_app(app: Flask) -> None:
    """Register the handlers that turn every exception into the one error shape."""

    @app.errorhandler(errors.AtlasError)
    @app.errorhandler(NotAcceptable)
    def handle_atlas_error(exc: Exception) -> Response:
        status = status_for(exc)
        headers = dict(getattr(exc, "headers", {}))  # a ClientError may name its own
        if status == 401:
            headers["WWW-Authenticate"] = 'Bearer realm="llm-atlas"'
        if isinstance(exc, (errors.StoreBusy, errors.QueryTimeout, errors.CheckerBusy)):
            headers["Retry-After"] = "1"
        if status >= 500:
            log.error("%s %s failed: %s", request.method, request.path, exc)
        return error_response(status, str(exc), headers)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException) -> Response:
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        message = exc.description or TITLES.get(exc.code or 500, "Error")
        return error_response(exc.code or 500, message, headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("%s %s: unexpected server fault", request.method, request.path)
        return error_response(500, "the server failed while answering; the fault is logged")
