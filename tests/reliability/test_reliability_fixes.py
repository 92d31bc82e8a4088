"""Regression tests for what the reliability suite found, one per behaviour it protects."""

from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from faults_kit import WriteLog, ask, descendants, engine_pid, graphs_with_prefix, post_query
from live import Server, request
from llm_atlas.cli import main
from llm_atlas.core.sparql.queries import (
    bind,
    load_named_queries,
    parse_named_query,
)
from llm_atlas.errors import ParameterError, QueryHeaderError
from llm_atlas.namespaces import PREFIXES

pytestmark = pytest.mark.slow


def wait_exited(pid: int, parent: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while pid in descendants(parent) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_write_after_the_engine_died_goes_to_a_new_engine(tmp_path):
    server = Server(tmp_path, "--memory")
    try:
        log = WriteLog("urn:rel:fix:")
        assert log.write(server, "first", 2, "update") == 204  # leaves an idle connection
        engine = engine_pid(server.proc.pid)
        os.kill(engine, signal.SIGKILL)
        wait_exited(engine, server.proc.pid)
        started = time.monotonic()
        assert log.write(server, "second", 2, "update") == 204
        assert time.monotonic() - started < 30, "the write waited for its own restart"
        assert ask(server.url, "ASK { ?s ?p ?o }").status == 200
        assert log.check(server.url) == (2, 0)
        assert json.loads(request(server.url + "/health").body)["restarts"] == 1
    finally:
        server.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("fixes"), "--memory")
    yield running
    running.stop()


def restarts(server) -> int:
    return json.loads(request(server.url + "/health").body)["restarts"]


@pytest.mark.parametrize("query", [
    "SELECT * WHERE " + "{" * 10_000 + "}" * 10_000,
    "SELECT * WHERE { FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }",
    "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o " * 5_000 + "}" * 5_000 + " }",
    "SELECT * WHERE { BIND(" + "CONCAT(" * 3_000 + '"a"' + ")" * 3_000 + " AS ?x) }",
    "SELECT * WHERE { FILTER(" + " && ".join(["true"] * 60_000) + ") }",
    "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * 30_000) + " }",
])
def test_queries_deeper_or_longer_than_the_engine_can_take_are_refused_with_400(service, query):
    before = restarts(service)
    reply = post_query(service.url, query)
    assert reply.status == 400, reply.body[:300]
    message = json.loads(reply.body)["error"]["message"]
    assert "deep" in message or "terms and operators" in message
    assert restarts(service) == before, "the engine crashed"


@pytest.mark.parametrize(("query", "answer"), [
    ("ASK WHERE " + "{" * 199 + "}" * 199, True),
    ("ASK WHERE { FILTER(" + " && ".join(["true"] * 30_000) + ") }", True),
    ("ASK WHERE { BIND(" + "CONCAT(" * 150 + '"a"' + ")" * 150 + " AS ?x) FILTER(?x = \"a\") }",
     True),
    ("ASK WHERE { " + " UNION ".join(["{ FILTER(false) }"] * 12_000) + " }", False),
    ("ASK WHERE { FILTER(" + "!" * 98_000 + "true) }", True),
])
def test_queries_within_the_bounds_are_answered_and_the_engine_survives(service, query, answer):
    before = restarts(service)
    reply = post_query(service.url, query)
    assert reply.status == 200, reply.body[:300]
    assert json.loads(reply.body)["boolean"] is answer
    assert restarts(service) == before


def test_a_graph_name_that_is_not_an_iri_is_refused_with_400_naming_it(tmp_path):
    """?graph= must be an IRI (the engine's update text could not carry `>` or spaces)."""
    server = Server(tmp_path, "--memory")
    try:
        log = WriteLog("urn:rel:victim:")
        assert log.write(server, "a", 3, "put") == 201
        for graph in ("urn:rel:x> { <urn:s> <urn:p> <urn:o> } } ; DROP GRAPH <urn:rel:victim:a> ;"
                      " INSERT DATA { GRAPH <urn:rel:y",
                      "urn:rel:x> ; DROP GRAPH <urn:rel:victim:a", "urn:rel:a b",
                      "urn:rel:\x01"):
            for method in ("POST", "PUT", "DELETE"):
                reply = request(f"{server.url}/store?" + urlencode({"graph": graph}), method,
                                b"<urn:s> <urn:p> <urn:o> .",
                                {"Content-Type": "application/n-triples", **server.auth})
                assert reply.status == 400, (method, graph, reply.status, reply.body)
                assert "not an absolute IRI" in json.loads(reply.body)["error"]["message"]
        assert log.check(server.url) == (1, 0)
        assert graphs_with_prefix(server.url, "urn:rel:") == {"urn:rel:victim:a": 3}
    finally:
        server.stop()


@pytest.mark.parametrize("value", ["atlas:a\x7fb", "atlas:\x00", "http://example.org/\x85",
                                   "urn:a\x01b"])
def test_an_iri_parameter_with_a_control_character_is_a_parameter_error(value):
    query = next(q for q in load_named_queries() if q.name == "term-description")
    with pytest.raises(ParameterError, match="is not an IRI"):
        bind(query, {"term": value}, PREFIXES)


def test_a_named_query_file_that_is_not_utf8_is_a_header_error(tmp_path):
    path = tmp_path / "latin.rq"
    path.write_bytes(b"# title: Caf\xe9\n# question: Which?\nASK {}\n")
    with pytest.raises(QueryHeaderError, match="not UTF-8"):
        parse_named_query(path)


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * { ?s ?p }", "refused the query: error at 1:"),
    ("0", "not a SPARQL query"),
])
def test_a_query_the_endpoint_refuses_exits_1_with_its_message(service, text, message):
    result = CliRunner().invoke(main, ["query", "--endpoint", service.url + "/sparql", text])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert message in result.output
