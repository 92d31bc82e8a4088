"""Request bodies are read before any view runs, at a minimum rate, by a bounded few threads.

Granian hands a request to one of the Python threads as soon as its headers are in, and a
read of `wsgi.input` blocks that thread until the client sends the bytes. Sixteen connections
that sent headers and then trickled (or never sent) a body held every thread, and `/health`
stopped answering.

So a request with a body first takes a body slot: at most `max_body_reads` at once (never all
the threads) and `max_body_reads_per_client` from one address; past that, after a moment's
wait, it is refused (503, 429) without being read. A request without a body takes no slot, so
lookups and pages always find a thread. The body is then read in pieces: after `body_timeout`
seconds it must keep arriving at `body_min_rate` bytes per second on average, or the request
is answered 408. Views then read the body from memory.

What this cannot do: a Granian body read cannot be interrupted, and a thread must not leave
a read in flight (Granian then stops every Python thread until that read returns). So a
client that stops sending altogether holds its thread until it closes the connection; the
slots bound how many threads that can take. A reverse proxy with a body timeout (nginx's
`client_body_timeout`) and a per-client connection limit closes that last gap.
"""

from __future__ import annotations

import io
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from flask import Flask, current_app, request

from llm_atlas.config import Settings
from llm_atlas.web.refusals import RequestRefused

# Bodies past the size limit by at most this much are still read (and dropped), so the client
# reads our 413 instead of a broken pipe; larger ones are not read at all.
DRAIN_MARGIN = 1 << 20
LARGEST_READ = 1 << 16
SLOW_READ = 0.25  # seconds: a read that took longer makes the next one a single byte
# Seconds a body may wait for a slot taken lately: a body that is all there holds its slot
# for microseconds, so a burst of them gets through; a refused one held its thread this long.
SLOT_WAIT = 0.2


class BodyTooSlow(RequestRefused):
    """The body did not arrive at the minimum rate."""


class BodyIncomplete(RequestRefused):
    """The client stopped sending before its Content-Length was reached."""


class TooManyBodiesFromClient(RequestRefused):
    """This client already has as many bodies being read as it may."""


class BodyReadersBusy(RequestRefused):
    """Every body slot is taken; the request may be fine, the server cannot read it now."""


def body_slots(settings: Settings) -> int:
    """How many bodies may be read at once: never every thread, so reads always find one."""
    return max(1, min(settings.max_body_reads, settings.threads - 1))


@dataclass
class BodyGate:
    """The slots for bodies being read: all of them, and per client address."""

    slots: int
    per_client: int
    wait: float = SLOT_WAIT
    changed: threading.Condition = field(default_factory=threading.Condition)
    reading: Counter = field(default_factory=Counter)  # client address -> bodies being read
    entered: dict = field(default_factory=dict)  # client address, "" for all -> last entry

    def enter(self, client: str) -> None:
        """Take a slot for this client, waiting a moment for one if the holders are new."""
        with self.changed:
            if self._free(client) or (self._recent(client) and self.changed.wait_for(
                    lambda: self._free(client), timeout=self.wait)):
                self.reading[client] += 1
                self.entered[client] = self.entered[""] = time.monotonic()
                return
            if self.reading[client] >= self.per_client:
                raise TooManyBodiesFromClient(
                    f"this client already sends {self.per_client} request bodies at once "
                    "(LLM_ATLAS_MAX_BODY_READS_PER_CLIENT); wait for one to finish")
            raise BodyReadersBusy(
                f"the server is already reading {self.slots} request bodies "
                "(LLM_ATLAS_MAX_BODY_READS); retry shortly")

    def _free(self, client: str) -> bool:
        return self.reading[client] < self.per_client and self.reading.total() < self.slots

    def _recent(self, client: str) -> bool:
        """Did a holder of the slots in the way enter lately? Only then is waiting worth it:
        bodies that are all there free their slots within microseconds, stalled ones never."""
        key = client if self.reading[client] >= self.per_client else ""
        return time.monotonic() - self.entered.get(key, 0.0) < SLOW_READ

    def leave(self, client: str) -> None:
        """Give back a slot taken by `enter`."""
        with self.changed:
            self.reading[client] -= 1
            if self.reading[client] <= 0:
                del self.reading[client]
                self.entered.pop(client, None)
            self.changed.notify()


def read_at_rate(stream, length: int, keep: bool, settings: Settings, *,
                 announced: bool = True) -> bytes:
    """Read up to `length` bytes, refusing (408) a body that falls behind the minimum rate.

    Reads start at one byte and double while the client keeps up: a read returns only when
    all its bytes are in (or the body ends), so a small read is what lets a trickling client
    be noticed, and answered, at its next byte rather than after 64 KiB of them. A body whose
    length was not `announced` (chunked) may end sooner.
    """
    started = time.monotonic()
    data, received, size = bytearray(), 0, 1
    while received < length:
        before = time.monotonic()
        chunk = stream.read(min(size, length - received))
        if not chunk and not announced:
            break
        if not chunk:
            raise BodyIncomplete(f"the request body ended after {received} of the {length} "
                                 "bytes its Content-Length announced")
        received += len(chunk)
        if keep:
            data += chunk
        now = time.monotonic()
        if now - started > settings.body_timeout + received / settings.body_min_rate:
            raise BodyTooSlow(
                f"the request body came too slowly: {received} bytes in {now - started:.0f} s; "
                f"after {settings.body_timeout:g} s it must arrive at {settings.body_min_rate} "
                "bytes per second (LLM_ATLAS_BODY_TIMEOUT, LLM_ATLAS_BODY_MIN_RATE)")
        size = 1 if now - before > SLOW_READ else min(size * 2, LARGEST_READ)
    return bytes(data)


def read_body_first() -> None:
    """Before any view: replace `wsgi.input` by the body, read under the gate (or by nothing).

    A body sent without a Content-Length (chunked) is read as far as the size limit allows.
    The request's own thread reads: Granian stops every Python thread while a thread that
    left a read in flight returns its answer, so no read may outlive its request.
    """
    environ = request.environ
    raw = environ.get("wsgi.input")
    environ["wsgi.input"] = io.BytesIO()  # whatever happens next, nothing reads the socket
    length = request.content_length
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    if raw is None or not (length or chunked):
        return
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or length or 0
    if length is not None and length > limit + DRAIN_MARGIN:
        return  # refused from its Content-Length (413) without reading it
    gate: BodyGate = current_app.extensions["body_gate"]
    client = environ.get("REMOTE_ADDR") or "unknown"
    gate.enter(client)
    try:
        settings = current_app.extensions["llm_atlas"].settings
        if length is None:  # as far as one byte past the limit: enough for the view's 413
            body = read_at_rate(raw, limit + 1, True, settings, announced=False)
        else:
            body = read_at_rate(raw, length, length <= limit, settings)
    finally:
        gate.leave(client)
    environ["wsgi.input"] = io.BytesIO(body)


def init_app(app: Flask) -> None:
    """Read every request's body first, through the app's own gate."""
    settings = app.extensions["llm_atlas"].settings
    app.extensions["body_gate"] = BodyGate(body_slots(settings),
                                           settings.max_body_reads_per_client)
    app.before_request(read_body_first)
