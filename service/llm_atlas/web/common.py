"""Helpers every blueprint uses: the app's state, bearer tokens, query slots, bodies, and the
one way to answer with a negotiated representation (`Vary: Accept`)."""

from __future__ import annotations

import hmac
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Response, current_app, request

from llm_atlas.config import Settings
from llm_atlas.errors import StoreBusy
from llm_atlas.store.contract import Store
from llm_atlas.web.refusals import BadRequest, Forbidden, PayloadTooLarge, Unauthorized


@dataclass
class AtlasState:
    """What the app factory builds and the blueprints share (never module globals)."""

    settings: Settings
    store: Store
    queries: dict = field(default_factory=dict)  # name -> NamedQuery, from queries/
    query_slots: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self.query_slots = threading.BoundedSemaphore(self.settings.max_concurrent_queries)


def state() -> AtlasState:
    return current_app.extensions["llm_atlas"]


def public_url(path: str = "") -> str:
    """An absolute URL of this service, from the configured public URL (never the Host header,
    which the client chooses)."""
    return state().settings.public_root() + path.lstrip("/")


def request_url() -> str:
    """This request's URL without its query string, under the public URL (`request.base_url`
    built from the settings): the base IRI of a query, a directly identified graph."""
    return public_url(request.path)


@contextmanager
def query_slot():
    """Hold one of the limited query slots, or answer 503 after waiting queue_wait seconds."""
    slots = state().query_slots
    if not slots.acquire(timeout=state().settings.queue_wait):
        raise StoreBusy(
            f"all {state().settings.max_concurrent_queries} query slots are busy; retry shortly"
        )
    try:
        yield
    finally:
        slots.release()


def require_token() -> None:
    """Writes need `Authorization: Bearer <token>`; a server without a token is read-only."""
    token = state().settings.token
    if not token:
        raise Forbidden("this server is read-only: writes are enabled only when it is started "
                        "with a token (--token-file, LLM_ATLAS_TOKEN_FILE or LLM_ATLAS_TOKEN)")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("this write needs the header `Authorization: Bearer <token>`")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise Unauthorized("the bearer token is not valid for this server")


def body_bytes(limit: int) -> bytes:
    """The request body, refused with 413 past the limit."""
    length = request.content_length
    if length is not None and length > limit:
        raise PayloadTooLarge(f"the request body has {length} bytes; the limit is {limit}")
    data = request.get_data(cache=True)
    if len(data) > limit:
        raise PayloadTooLarge(f"the request body is over the limit of {limit} bytes")
    return data


def utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the {what} is not valid UTF-8 (byte {exc.start}); "
                         "SPARQL requests must be encoded in UTF-8") from None


def charset_is_utf8() -> None:
    charset = request.mimetype_params.get("charset")
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise BadRequest(f"charset {charset} is not supported; send UTF-8")


def no_content(status: int = 204, location: str | None = None) -> Response:
    """An answer without a body (201 or 204), so without a Content-Type: nothing to type."""
    response = Response(status=status)
    del response.headers["Content-Type"]  # Flask types every response text/html by default
    if location is not None:
        response.headers["Location"] = location
    return response


def vary_on_accept(response: Response) -> Response:
    """Say that the answer depends on Accept, so a cache keeps one copy per representation.

    Added to whatever Vary the response has already; every negotiated answer and every error
    (JSON or HTML by Accept) goes through here, so none forgets it.
    """
    response.vary.add("Accept")
    return response


def negotiated(body, media_type: str, *, status: int = 200) -> Response:
    """An answer in the representation chosen from Accept (or by extension or `format=`)."""
    return vary_on_accept(Response(body, status=status, mimetype=media_type))
