"""Every write path without a token, with wrong ones and with the right one: 401, 401, success
(403 on a read-only server), and the stored data unchanged after every refusal."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest

from live import Server, request
from submissions_kit import TURTLE, dump, solution_annotation

pytestmark = pytest.mark.slow

NT = {"Content-Type": "application/n-triples"}
WRONG = [
    {},  # no Authorization at all
    {"Authorization": "Bearer wrong"},
    {"Authorization": "Bearer "},
    {"Authorization": "Bearer test-token-and-more"},
    {"Authorization": "Bearer TEST-TOKEN"},
    {"Authorization": "Basic dGVzdC10b2tlbjp0ZXN0LXRva2Vu"},  # test-token:test-token
    {"Authorization": "test-token"},
    {"X-Token": "test-token"},
]


@dataclass
class Write:
    """One write path: how to send it, and how to see that it worked."""

    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    success: int

    def send(self, server, auth: dict[str, str]):
        return request(server.url + self.path, self.method, self.body,
                       {**self.headers, **auth}, timeout=300)


def graph_path(iri: str) -> str:
    return "/store?" + urlencode({"graph": iri})


WRITES = [
    Write("SPARQL Update", "POST", "/sparql/update",
          {"Content-Type": "application/sparql-update"},
          b"INSERT DATA { GRAPH <urn:rel:auth:update> { <urn:a> <urn:b> <urn:c> } }", 204),
    Write("SPARQL Update as a form", "POST", "/sparql/update",
          {"Content-Type": "application/x-www-form-urlencoded"}, urlencode(
              {"update": "INSERT DATA { GRAPH <urn:rel:auth:form> { <urn:a> <urn:b> <urn:c> } }"}
          ).encode(), 204),
    Write("Graph Store PUT", "PUT", graph_path("urn:rel:auth:put"), NT,
          b"<urn:a> <urn:b> <urn:c> .", 201),
    Write("Graph Store POST", "POST", graph_path("urn:rel:auth:post"), NT,
          b"<urn:a> <urn:b> <urn:d> .", 201),
    Write("Graph Store POST of a new graph", "POST", "/store", NT,
          b"<urn:a> <urn:b> <urn:e> .", 201),
    Write("Graph Store PUT of the default graph", "PUT", "/store?default", NT,
          b"<urn:rel:auth:default> <urn:b> <urn:c> .", 204),
    Write("Graph Store DELETE", "DELETE", graph_path("urn:rel:auth:doomed"), {}, None, 204),
    Write("submission", "POST", "/annotations", TURTLE,
          solution_annotation("rel-auth-new").encode(), 201),
    Write("retraction", "DELETE", "/annotations/rel-auth-doomed", {}, None, 200),
    Write("retraction at the annotation's URL", "DELETE",
          "/resource/annotation/rel-auth-doomed-2", {}, None, 200),
]


@pytest.fixture(scope="module")
def writable(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("auth"), "--memory")
    auth = running.auth
    for slug in ("rel-auth-doomed", "rel-auth-doomed-2"):
        reply = request(running.url + "/annotations", "POST", solution_annotation(slug).encode(),
                        {**TURTLE, **auth}, timeout=300)
        assert reply.status == 201, reply.body
    reply = request(running.url + graph_path("urn:rel:auth:doomed"), "PUT",
                    b"<urn:a> <urn:b> <urn:c> .", {**NT, **auth})
    assert reply.status == 201
    yield running
    running.stop()


@pytest.fixture(scope="module")
def read_only(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("auth-ro"), "--memory", token=None)
    yield running
    running.stop()


def error_of(reply, status: int) -> str:
    assert reply.status == status, (reply.status, reply.body[:300])
    assert reply.content_type == "application/json"
    error = json.loads(reply.body)["error"]
    assert error["status"] == status
    return error["message"]


def worked(server, write: Write, reply) -> None:
    """The write's effect is there."""
    if write.name.startswith("SPARQL Update"):
        graph = "urn:rel:auth:update" if write.name == "SPARQL Update" else "urn:rel:auth:form"
        assert request(server.url + graph_path(graph)).status == 200
    elif write.name == "Graph Store POST of a new graph":
        assert reply.headers["location"].startswith(server.url + "/store/")
        assert request(reply.headers["location"]).status == 200
    elif write.name == "Graph Store PUT of the default graph":
        body = request(server.url + "/store?default",
                       headers={"Accept": "application/n-triples"}).body
        assert body.strip() == b"<urn:rel:auth:default> <urn:b> <urn:c> ."
    elif write.method in ("PUT", "POST") and write.path.startswith("/store"):
        assert request(server.url + write.path).status == 200
    elif write.name == "Graph Store DELETE":
        assert request(server.url + write.path).status == 404
    elif write.name == "submission":
        assert request(server.url + "/annotations/rel-auth-new").status == 200
    else:
        slug = write.path.rsplit("/", 1)[1]
        assert request(server.url + f"/annotations/{slug}").status == 410


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_a_write_needs_the_right_token_and_a_refusal_changes_nothing(writable, write, figures):
    before = dump(writable)
    for auth in WRONG:
        reply = write.send(writable, auth)
        figures.sent(reply.status)
        message = error_of(reply, 401)
        assert "Authorization: Bearer" in message or "not valid" in message
        assert reply.headers["www-authenticate"].startswith("Bearer")
        assert dump(writable) == before, (write.name, auth)
        figures.checked("refused writes with the store unchanged")
    reply = write.send(writable, writable.auth)
    figures.sent(reply.status)
    assert reply.status == write.success, (write.name, reply.status, reply.body[:300])
    worked(writable, write, reply)
    assert dump(writable) != before
    figures.checked("writes with the right token applied")


@pytest.mark.parametrize("write", WRITES, ids=[w.name for w in WRITES])
def test_a_read_only_server_refuses_every_write_with_403(read_only, write, figures):
    before = dump(read_only)
    for auth in [{}, {"Authorization": "Bearer test-token"}, {"Authorization": "Bearer x"}]:
        reply = write.send(read_only, auth)
        figures.sent(reply.status)
        assert "read-only" in error_of(reply, 403)
        assert dump(read_only) == before
        figures.checked("refused writes with the store unchanged")
