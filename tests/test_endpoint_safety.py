"""The endpoint never fetches (on every backend), stops runaway queries at the deadline, and
holds its limits."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from live import HOST, Listener, Server, request

ATLAS = "https://w3id.org/llm-atlas/ontology/"
RUNAWAY = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
SIMPLE = f"SELECT ?m {{ ?m a <{ATLAS}Mechanism> }}"


@pytest.fixture()
def listener():
    running = Listener()
    yield running
    running.close()


def get(server, query, accept="application/sparql-results+json", **params):
    qs = urlencode([("query", query), *params.items()], doseq=True)
    return request(f"{server.url}/sparql?{qs}", headers={"Accept": accept})


def error_message(reply) -> str:
    assert reply.content_type == "application/json"
    return json.loads(reply.body)["error"]["message"]


@pytest.mark.parametrize("template", [
    "SELECT * {{ SERVICE <http://{addr}/sparql> {{ ?s ?p ?o }} }}",
    "select * {{ service silent <http://{addr}/sparql> {{ ?s ?p ?o }} }}",
    "PREFIX r: <http://{addr}/>\nSELECT * {{ SERVICE r:sparql {{ ?s ?p ?o }} }}",
    "SELECT * # a comment with SERVICE in it\n{{ SeRvIcE <http://{addr}/> {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_before_any_connection(any_backend_server, listener, template):
    reply = get(any_backend_server, template.format(addr=f"{HOST}:{listener.port}"))
    assert reply.status == 400
    assert "SERVICE" in error_message(reply)
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("template", [
    "SELECT * FROM <http://{addr}/x> {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <http://{addr}/x> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "PREFIX r: <http://{addr}/>\nSELECT * FROM r:x {{ ?s ?p ?o }}",
    "BASE <http://{addr}/>\nSELECT * FROM <x> FROM NAMED <y> {{ ?s ?p ?o }}",
])
def test_a_dataset_iri_not_in_the_store_is_an_empty_graph_never_fetched(any_backend_server,
                                                                         listener, template):
    reply = get(any_backend_server, template.format(addr=f"{HOST}:{listener.port}"))
    assert reply.status == 200, reply.body
    assert json.loads(reply.body)["results"]["bindings"] == []
    time.sleep(0.3)
    assert listener.connections == 0


@pytest.mark.parametrize("param", ["default-graph-uri", "named-graph-uri"])
def test_a_protocol_graph_not_in_the_store_is_an_empty_graph_never_fetched(any_backend_server,
                                                                          listener, param):
    reply = get(any_backend_server, "SELECT * { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                **{param: f"http://{HOST}:{listener.port}/x"})
    assert reply.status == 200, reply.body
    assert json.loads(reply.body)["results"]["bindings"] == []
    time.sleep(0.3)
    assert listener.connections == 0


def test_load_is_refused_even_with_the_token(any_backend_server, listener):
    update = f"LOAD <http://{HOST}:{listener.port}/data.ttl> INTO GRAPH <urn:x>"
    reply = request(any_backend_server.url + "/sparql/update", "POST", update.encode(),
                    {"Content-Type": "application/sparql-update", **any_backend_server.auth})
    assert reply.status == 400
    assert "LOAD" in error_message(reply)
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_word_service_inside_a_string_or_iri_is_not_a_service_call(any_backend_server):
    reply = get(any_backend_server, 'SELECT ?x { BIND("SERVICE <http://x/>" AS ?x) '
                        'FILTER(?x != <http://example.org/SERVICE>) }')
    assert reply.status == 200
    bindings = json.loads(reply.body)["results"]["bindings"]
    assert [b["x"]["value"] for b in bindings] == ["SERVICE <http://x/>"]


def test_dataset_graphs_that_are_in_the_store_are_allowed(any_backend_server):
    reply = get(any_backend_server, f"ASK FROM <{ATLAS[:-1]}> {{ <{ATLAS}MoralHazard> ?p ?o }}")
    assert reply.status == 200
    assert json.loads(reply.body)["boolean"] is True
    reply = get(any_backend_server, f"ASK {{ <{ATLAS}RLHF> <{ATLAS}realizes> ?m }}",
                **{"default-graph-uri": ATLAS[:-1]})
    assert json.loads(reply.body)["boolean"] is True
    reply = get(any_backend_server, f"ASK {{ <{ATLAS}RLHF> <{ATLAS}addresses> ?m }}",
                **{"default-graph-uri": ATLAS[:-1]})
    assert json.loads(reply.body)["boolean"] is False, "inferences live in their own graph"


def test_a_query_s_own_from_and_from_named_define_its_dataset(any_backend_server):
    def ask(query: str) -> bool:
        reply = get(any_backend_server, query)
        assert reply.status == 200, reply.body
        return json.loads(reply.body)["boolean"]

    inferred = f"{{ <{ATLAS}RLHF> <{ATLAS}addresses> ?m }}"
    assert ask(f"ASK {inferred}") is True, "the union holds HermiT's inferences"
    assert ask(f"ASK FROM <{ATLAS[:-1]}> {inferred}") is False, "FROM was ignored"
    assert ask(f"ASK FROM <{ATLAS}inferred> {inferred}") is True
    # FROM NAMED alone: the default graph is empty, GRAPH sees only the named graph
    assert ask(f"ASK FROM NAMED <{ATLAS[:-1]}> {{ ?s ?p ?o }}") is False
    reply = get(any_backend_server, f"SELECT DISTINCT ?g FROM NAMED <{ATLAS[:-1]}> "
                                    "WHERE { GRAPH ?g { ?s ?p ?o } }")
    graphs = [b["g"]["value"] for b in json.loads(reply.body)["results"]["bindings"]]
    assert graphs == [ATLAS[:-1]]


# -- deadlines ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def short_deadline(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("deadline"), "--memory", "--timeout", "2")
    yield running
    running.stop()


def test_runaway_query_ends_at_the_deadline_while_others_are_served(short_deadline):
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        runaway = pool.submit(get, short_deadline, RUNAWAY)
        time.sleep(0.5)
        simple_start = time.monotonic()
        simple = get(short_deadline, SIMPLE)
        simple_seconds = time.monotonic() - simple_start
        slow = runaway.result(timeout=60)
        runaway_seconds = time.monotonic() - started
    assert simple.status == 200
    assert len(json.loads(simple.body)["results"]["bindings"]) == 6
    assert simple_seconds < 1.0
    assert slow.status == 503
    assert "2 s limit" in error_message(slow)
    assert slow.headers["retry-after"] == "1"
    assert 2.0 <= runaway_seconds < 10
    after = get(short_deadline, SIMPLE)
    assert after.status == 200 and len(json.loads(after.body)["results"]["bindings"]) == 6


def test_a_write_acknowledged_before_a_deadline_restart_survives_it(short_deadline):
    update = b"INSERT DATA { GRAPH <urn:g:kept> { <urn:a> <urn:b> <urn:c> } }"
    reply = request(short_deadline.url + "/sparql/update", "POST", update,
                    {"Content-Type": "application/sparql-update", **short_deadline.auth})
    assert reply.status == 204
    assert get(short_deadline, RUNAWAY).status == 503
    reply = get(short_deadline, "ASK { GRAPH <urn:g:kept> { <urn:a> <urn:b> <urn:c> } }")
    assert json.loads(reply.body)["boolean"] is True


# -- limits ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("limits"), "--memory", "--timeout", "3", env={
        "LLM_ATLAS_MAX_ROWS": "50", "LLM_ATLAS_MAX_QUERY_BYTES": "2000",
        "LLM_ATLAS_MAX_CONCURRENT_QUERIES": "1", "LLM_ATLAS_QUEUE_WAIT": "0.2"})
    yield running
    running.stop()


def test_a_result_over_the_row_limit_is_refused_not_cut(limited):
    reply = get(limited, "SELECT * { ?s ?p ?o }")
    assert reply.status == 400
    assert "50 rows" in error_message(reply)
    reply = get(limited, "SELECT * { ?s ?p ?o } LIMIT 50")
    assert reply.status == 200
    assert len(json.loads(reply.body)["results"]["bindings"]) == 50


def test_a_query_body_over_the_limit_gets_413(limited):
    query = "ASK {}" + " " * 3000
    reply = request(limited.url + "/sparql", "POST", query.encode(),
                    {"Content-Type": "application/sparql-query"})
    assert reply.status == 413
    assert "2000" in error_message(reply)


def test_queries_past_the_concurrency_limit_get_503(limited):
    with ThreadPoolExecutor(2) as pool:
        runaway = pool.submit(get, limited, RUNAWAY)
        time.sleep(0.5)
        refused = get(limited, SIMPLE)
        assert runaway.result(timeout=60).status == 503
    assert refused.status == 503
    assert "query slots are busy" in error_message(refused)
    assert get(limited, SIMPLE).status == 200
