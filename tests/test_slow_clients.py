"""Slow clients cannot stall the service: bodies are read at a minimum rate, by a few threads.

The gate's rules are checked with the Flask test client; what only sockets show (64 open
connections trickling bodies while lookups and pages are answered) with a real server.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from urllib.parse import urlencode

import pytest

from live import HOST, Server, request
from llm_atlas.config import Settings
from llm_atlas.web.body_gate import body_slots

TOKEN = "slow-token"
UPDATE = b"INSERT DATA { <urn:slow:s> <urn:slow:p> <urn:slow:o> }"
WAS_INSERTED = "ASK { <urn:slow:s> <urn:slow:p> <urn:slow:o> }"


class Trickle:
    """A request body that arrives one byte per `gap` seconds (then ends after `stop_at`)."""

    def __init__(self, data: bytes, gap: float, stop_at: int | None = None):
        self.data, self.gap, self.sent, self._at = data, gap, 0, 0
        self.stop_at = len(data) if stop_at is None else stop_at

    def tell(self) -> int:  # what Werkzeug's test client asks to learn the length
        return self._at

    def seek(self, offset: int, whence: int = 0) -> int:
        self._at = len(self.data) if whence == 2 else offset
        return self._at

    def read(self, size: int = -1) -> bytes:
        if self.sent >= self.stop_at:
            return b""
        time.sleep(self.gap)
        self.sent += 1
        return self.data[self.sent - 1:self.sent]


@pytest.fixture(scope="module")
def app():
    from llm_atlas.web.app import create_app

    settings = Settings(memory=True, token=TOKEN, body_timeout=0.3, body_min_rate=100,
                        max_body_reads=2, max_body_reads_per_client=1)
    app = create_app(settings)
    yield app
    app.extensions["llm_atlas"].store.close()


def _asks(client, query: str) -> bool:
    reply = client.get("/sparql?" + urlencode({"query": query}),
                       headers={"Accept": "application/sparql-results+json"})
    assert reply.status_code == 200
    return json.loads(reply.data)["boolean"]


def _post(client, stream: Trickle, address: str = "192.0.2.10", **headers):
    return client.post("/sparql", input_stream=stream, content_type="application/sparql-update",
                       environ_base={"REMOTE_ADDR": address},
                       headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json",
                                **headers})


def _error(reply) -> dict:
    assert reply.content_type == "application/json"
    return json.loads(reply.data)["error"]


def test_a_body_slower_than_the_minimum_rate_gets_408_and_changes_nothing(app):
    client = app.test_client()
    size = app.extensions["llm_atlas"].store.size()
    started = time.monotonic()
    reply = _post(client, Trickle(UPDATE, gap=0.1))
    elapsed = time.monotonic() - started
    assert reply.status_code == 408
    assert reply.headers["Connection"] == "close"
    error = _error(reply)
    assert error["status"] == 408 and error["title"] == "Request Timeout"
    assert "LLM_ATLAS_BODY_MIN_RATE" in error["message"]
    # 0.3 s of grace plus 1 byte per 0.01 s: the fourth byte, at 0.4 s, is too late
    assert elapsed < 1.0, f"the 408 came after {elapsed:.2f} s"
    assert app.extensions["llm_atlas"].store.size() == size
    assert _asks(client, WAS_INSERTED) is False


def test_a_body_at_the_rate_is_read_whole(app):
    client = app.test_client()
    query = b"ASK { }"
    reply = client.post("/sparql", input_stream=Trickle(query, gap=0.005),
                        content_type="application/sparql-query",
                        headers={"Accept": "application/sparql-results+json"})
    assert reply.status_code == 200
    assert reply.content_type == "application/sparql-results+json"
    assert json.loads(reply.data)["boolean"] is True


def test_a_body_that_ends_before_its_content_length_gets_400_and_changes_nothing(app):
    client = app.test_client()
    size = app.extensions["llm_atlas"].store.size()
    reply = _post(client, Trickle(UPDATE, gap=0, stop_at=20))
    assert reply.status_code == 400
    assert f"ended after 20 of the {len(UPDATE)} bytes" in _error(reply)["message"]
    assert app.extensions["llm_atlas"].store.size() == size


def test_bodies_past_the_bounds_are_refused_while_requests_without_one_are_served(app):
    client = app.test_client()
    gate = app.extensions["body_gate"]
    gate.enter("192.0.2.1")  # as if a stalled body of that client held the slot
    try:
        over_client = _post(client, Trickle(UPDATE, gap=0), "192.0.2.1")
        assert over_client.status_code == 429 and over_client.headers["Retry-After"] == "1"
        assert "LLM_ATLAS_MAX_BODY_READS_PER_CLIENT" in _error(over_client)["message"]
        gate.enter("192.0.2.2")  # both slots taken now
        try:
            over_all = _post(client, Trickle(UPDATE, gap=0), "192.0.2.3")
            assert over_all.status_code == 503 and over_all.headers["Retry-After"] == "1"
            assert "LLM_ATLAS_MAX_BODY_READS" in _error(over_all)["message"]
            health = client.get("/health")
            assert health.status_code == 200 and health.content_type == "application/json"
            assert json.loads(health.data)["status"] == "ok"
        finally:
            gate.leave("192.0.2.2")
    finally:
        gate.leave("192.0.2.1")
    assert _asks(client, WAS_INSERTED) is False
    query = b"ASK { }"
    again = client.post("/sparql", data=query, content_type="application/sparql-query",
                        environ_base={"REMOTE_ADDR": "192.0.2.1"},
                        headers={"Accept": "application/sparql-results+json"})
    assert again.status_code == 200 and json.loads(again.data)["boolean"] is True


def test_body_slots_never_take_every_thread():
    assert body_slots(Settings(threads=16, max_body_reads=8)) == 8
    assert body_slots(Settings(threads=4, max_body_reads=8)) == 3
    assert body_slots(Settings(threads=1, max_body_reads=8)) == 1


# -- a real server, 64 slow connections --------------------------------------------------------

SLOW = 64
BODY_TIMEOUT = 2.0
CLIENT_TIMEOUT = 5.0  # a hang (what 16 slow bodies caused before) fails here


def _open_slow(port: int) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=CLIENT_TIMEOUT)
    sock.sendall((f"POST /sparql HTTP/1.1\r\nHost: {HOST}\r\n"
                  "Content-Type: application/sparql-update\r\nAccept: application/json\r\n"
                  f"Authorization: Bearer test-token\r\nContent-Length: 100000\r\n\r\n").encode())
    return sock


def _trickle(socks: list[socket.socket], stop: threading.Event) -> None:
    """One byte of the update to every connection every half second (a slow link, or an attack)."""
    sent = 0
    while not stop.wait(0.5):
        for sock in socks:
            try:
                sock.send(UPDATE[sent % len(UPDATE):][:1])
            except OSError:
                pass  # answered and closed
        sent += 1


def _answer(sock: socket.socket, until: float) -> tuple[int | None, dict | None, float]:
    """The status and JSON error a slow connection got, and when (None when none by `until`)."""
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        sock.settimeout(max(0.01, until - time.monotonic()))
        try:
            chunk = sock.recv(65536)
        except (TimeoutError, OSError):
            return None, None, time.monotonic()
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1]) if head else None
    return status, (json.loads(body) if body else None), time.monotonic()


def _timed(url: str, accept: str) -> tuple[float, object]:
    started = time.monotonic()
    reply = request(url, headers={"Accept": accept}, timeout=CLIENT_TIMEOUT)
    return time.monotonic() - started, reply


def test_with_64_slow_bodies_open_health_lookups_and_pages_answer(tmp_path, record_property):
    server = Server(tmp_path, "--memory", env={"LLM_ATLAS_BODY_TIMEOUT": str(BODY_TIMEOUT)})
    socks: list[socket.socket] = []
    stop = threading.Event()
    try:
        opened = time.monotonic()
        socks = [_open_slow(server.port) for _ in range(SLOW)]
        trickler = threading.Thread(target=_trickle, args=(socks, stop), daemon=True)
        trickler.start()
        time.sleep(0.5)
        lookup = "SELECT ?label WHERE { <https://w3id.org/llm-atlas/ontology/MoralHazard> " \
                 "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
        health_s, health = _timed(server.url + "/health", "application/json")
        lookup_s, rows = _timed(server.url + "/sparql?" + urlencode({"query": lookup}),
                                "application/sparql-results+json")
        page_s, page = _timed(server.url + "/ontology/MoralHazard", "text/html")
        latencies = {"health": health_s, "lookup": lookup_s, "page": page_s}
        print(f"\nwith {SLOW} slow bodies open: " +
              ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in latencies.items()))
        for name, seconds in latencies.items():
            record_property(f"{name}_seconds", round(seconds, 4))

        assert health.status == 200 and health.content_type == "application/json"
        assert json.loads(health.body)["status"] == "ok"
        assert rows.status == 200
        assert rows.content_type == "application/sparql-results+json"
        labels = [b["label"]["value"] for b in json.loads(rows.body)["results"]["bindings"]]
        assert labels == ["moral hazard"]
        assert page.status == 200 and page.content_type == "text/html; charset=utf-8"
        assert re.search(r"<h1[^>]*>[^<]*moral hazard", page.body.decode(), re.I)

        until = opened + BODY_TIMEOUT + 5
        answers = [_answer(sock, until) for sock in socks]
        statuses = sorted(status for status, _, _ in answers)
        timed_out = [at - opened for status, _, at in answers if status == 408]
        print(f"slow bodies answered: {statuses.count(408)} x 408, {statuses.count(429)} x 429,"
              f" {statuses.count(503)} x 503; 408 after {min(timed_out):.1f}-"
              f"{max(timed_out):.1f} s")
        assert set(statuses) <= {408, 429, 503}, statuses
        assert timed_out and max(timed_out) < BODY_TIMEOUT + 2  # one trickle gap of slack
        assert all(error["error"]["status"] == status for status, error, _ in answers)
        ask = request(server.url + "/sparql?" + urlencode({"query": WAS_INSERTED}),
                      headers={"Accept": "application/sparql-results+json"})
        assert json.loads(ask.body)["boolean"] is False
    finally:
        stop.set()
        for sock in socks:
            sock.close()
        server.stop()
