"""The embedded store's answer cache: a repeated query is a hit, and nothing kept is ever stale.

Every way the store changes (a SPARQL update, a Graph Store write, a submission, a retraction, an
engine restart) must make the next answer a fresh one; queries that may answer differently each
time are never kept; the cache stays inside its byte budget. The cache itself is checked on its
own, then through Flask's test client over one in-memory store per module.
"""

from __future__ import annotations

import json

import pytest

from llm_atlas.config import Settings
from llm_atlas.store.cache import ResultCache, volatile
from llm_atlas.web.app import create_app
from submissions_kit import RES, solution_annotation

TOKEN = "cache-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/sparql-results+json"}
PAPERS = ("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { GRAPH ?g { ?a a "
          "<https://w3id.org/llm-atlas/ontology/Annotation> } }")
MARKED = "SELECT ?o WHERE { GRAPH ?g { <urn:x-cache:s> <urn:x-cache:p> ?o } }"


# -- the cache on its own ----------------------------------------------------------------------

def test_an_answer_is_given_back_only_while_its_version_is_current():
    cache = ResultCache(1000)
    cache.put("q", cache.version, ("select", b"one"), 10)
    assert cache.get("q") == ("select", b"one")
    cache.bump()
    assert cache.get("q") is None
    assert cache.stats()["hits"] == 1 and cache.stats()["misses"] == 1


def test_an_answer_computed_before_a_change_is_not_kept_after_it():
    cache = ResultCache(1000)
    started = cache.version
    cache.bump()  # a write landed while the query ran
    cache.put("q", started, ("select", b"old"), 10)
    assert cache.get("q") is None and cache.stats()["entries"] == 0


def test_the_byte_budget_drops_the_least_recently_used_first():
    cache = ResultCache(800)  # one answer may take at most 100 bytes
    for key in "abcdefgh":
        cache.put(key, cache.version, (key, b""), 100)
    assert cache.get("a") == ("a", b"")  # now the most recently used
    cache.put("i", cache.version, ("i", b""), 100)
    stats = cache.stats()
    assert stats["bytes"] == 800 and stats["entries"] == 8
    assert cache.get("b") is None and cache.get("a") == ("a", b"")
    cache.put("huge", cache.version, ("huge", b""), 101)  # over one answer's share
    assert cache.get("huge") is None and cache.stats()["not_kept"] == 1


def test_a_cache_of_no_bytes_keeps_nothing_and_counts_nothing():
    cache = ResultCache(0)
    calls = []
    for _ in range(2):
        cache.answer("q", "SELECT * {}", lambda: calls.append(1) or ("select", b"x"))
    assert len(calls) == 2 and cache.stats()["hits"] == cache.stats()["misses"] == 0


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT (RAND() AS ?r) {}", True),
    ("select (now() as ?t) {}", True),
    ("SELECT (UUID() AS ?u) {}", True),
    ("SELECT (STRUUID() AS ?u) {}", True),
    ("CONSTRUCT { ?s ?p ?x } WHERE { ?s ?p ?o BIND(BNODE() AS ?x) }", True),
    ('SELECT * { ?s ?p "a random word: rand" }', True),  # conservative: the word alone
    ("SELECT ?brand ?nowhere ?bnodes { ?brand ?nowhere ?bnodes }", False),
    ("SELECT * { ?s ?p ?o } LIMIT 1", False),
])
def test_queries_that_may_answer_differently_are_told_apart(text, expected):
    assert volatile(text) is expected


# -- through the service -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def app():
    app = create_app(Settings(memory=True, token=TOKEN))
    try:
        yield app
    finally:
        app.extensions["llm_atlas"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


def stats(client) -> dict:
    reply = client.get("/health")
    assert reply.status_code == 200 and reply.content_type == "application/json"
    return reply.get_json()["cache"]


def ask(client, query: str) -> tuple[bytes, list[dict]]:
    reply = client.post("/sparql", data={"query": query}, headers=JSON)
    assert reply.status_code == 200, reply.data
    assert reply.content_type == "application/sparql-results+json"
    return reply.data, json.loads(reply.data)["results"]["bindings"]


def values(rows: list[dict], name: str) -> list[str]:
    return sorted(row[name]["value"] for row in rows)


def test_a_repeated_query_is_a_hit_with_the_same_bytes(client):
    query = PAPERS + " # repeated"
    first = stats(client)
    body, _ = ask(client, query)
    again, _ = ask(client, query)
    after = stats(client)
    assert again == body
    assert after["hits"] == first["hits"] + 1 and after["misses"] == first["misses"] + 1
    assert after["enabled"] is True and after["entries"] >= 1


def test_each_format_and_each_dataset_is_its_own_answer(client):
    query = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1"
    ask(client, query)
    csv = client.post("/sparql", data={"query": query}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.content_type == "text/csv; charset=utf-8"
    assert csv.data.startswith(b"g\r\n")
    empty = client.post("/sparql", data={"query": query, "named-graph-uri": "urn:x-cache:none"},
                        headers=JSON)
    assert json.loads(empty.data)["results"]["bindings"] == []


def test_a_sparql_update_makes_the_next_answer_fresh(client):
    assert values(ask(client, MARKED)[1], "o") == []
    version = stats(client)["version"]
    update = client.post("/sparql/update", headers=AUTH, data={
        "update": 'INSERT DATA { GRAPH <urn:x-cache:g> { <urn:x-cache:s> <urn:x-cache:p> "1" } }'})
    assert update.status_code == 204, update.data
    assert stats(client)["version"] > version
    assert values(ask(client, MARKED)[1], "o") == ["1"]


def test_a_graph_store_write_makes_the_next_answer_fresh(client):
    before = values(ask(client, MARKED)[1], "o")
    reply = client.put("/store?graph=urn:x-cache:g", headers={
        "Content-Type": "text/turtle", **AUTH},
        data=b'<urn:x-cache:s> <urn:x-cache:p> "2" .')
    assert reply.status_code in (200, 204), reply.data
    assert values(ask(client, MARKED)[1], "o") == ["2"] != before
    dropped = client.delete("/store?graph=urn:x-cache:g", headers=AUTH)
    assert dropped.status_code in (200, 204), dropped.data
    assert values(ask(client, MARKED)[1], "o") == []


def test_a_submission_and_its_retraction_each_make_the_next_answer_fresh(client):
    count = int(ask(client, PAPERS)[1][0]["n"]["value"])
    assert int(ask(client, PAPERS)[1][0]["n"]["value"]) == count  # a hit
    reply = client.post("/annotations", data=solution_annotation("cache-fresh").encode(),
                        headers={"Content-Type": "text/turtle", "Accept": "application/json",
                                 **AUTH})
    assert reply.status_code == 201, reply.data
    assert int(ask(client, PAPERS)[1][0]["n"]["value"]) == count + 1
    gone = client.delete("/annotations/cache-fresh", headers=AUTH)
    assert gone.status_code == 200, gone.data
    assert int(ask(client, PAPERS)[1][0]["n"]["value"]) == count
    assert RES  # the submission's IRIs live under the resource space


def test_an_engine_restart_makes_the_next_answer_fresh(app, client):
    store = app.extensions["llm_atlas"].store
    ask(client, PAPERS)
    kept = stats(client)
    store._restart(store._proc.generation)  # as a query past its deadline does
    after_restart = stats(client)
    assert after_restart["version"] > kept["version"] and after_restart["entries"] == 0
    ask(client, PAPERS)
    assert stats(client)["misses"] == after_restart["misses"] + 1


def test_a_query_that_may_answer_differently_is_never_kept(client):
    before = stats(client)
    for _ in range(2):
        ask(client, "SELECT (STRUUID() AS ?u) {}")
    after = stats(client)
    assert (after["hits"], after["misses"], after["entries"]) == (
        before["hits"], before["misses"], before["entries"])


def test_a_refused_query_is_not_kept(client):
    before = stats(client)
    for _ in range(2):
        reply = client.post("/sparql", data={"query": "SELECT * { ?s ?p }"}, headers=JSON)
        assert reply.status_code == 400
    assert stats(client)["entries"] == before["entries"]
