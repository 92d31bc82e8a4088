"""The web layer's own refusals: what is wrong with an HTTP request before the core sees it.

Only the class says which failure it is; its status and headers are in the one table of
web/errors.py, like every other exception's. (The body gate's refusals live with the gate.)
"""

from __future__ import annotations

from llm_atlas.errors import AtlasError


class RequestRefused(AtlasError):
    """Base of the refusals the web layer raises about a request itself."""


class BadRequest(RequestRefused):
    """The request is malformed (a parameter, a charset, the encoding); the message says how."""


class Unauthorized(RequestRefused):
    """A write came without a bearer token, or with one this server does not hold."""


class Forbidden(RequestRefused):
    """Writes are off: the server was started without a token."""


class NotFound(RequestRefused):
    """The URL names nothing this service has (a graph, a query, a term, a version)."""


class UnsupportedMediaType(RequestRefused):
    """The body's Content-Type is not one this URL reads."""


class PayloadTooLarge(RequestRefused):
    """The body is longer than this URL accepts."""
