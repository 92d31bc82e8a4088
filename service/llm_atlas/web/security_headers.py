"""The headers that keep other people's script out of our pages, set on every response.

Pages show data anyone with the token (or a SPARQL query) can put there, so the browser is told
to run no inline script and nothing from another origin: the pages' script and style are files
under /static. A stray `javascript:` link or injected markup then has nothing to run with.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",  # no inline script, no eval, nothing from elsewhere
    "style-src 'self'",  # no inline style either: /static/*.css only
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",  # no page of ours inside another site's frame
    "form-action 'self'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",  # a Turtle answer is never run as script or HTML
}


def init_app(app: Flask) -> None:
    """Set the security headers on every answer of the app, errors and static files included."""

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers[name] = value
        return response
