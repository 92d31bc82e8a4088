"""The service on real remote engines on loopback (Oxigraph's server, PyPI `oxigraph`, and
Virtuoso): build --into, errors, writes, and where the engines' dialects meet ours.

The golden answers, pages and submissions run on every backend in their own suites; this
module has engines of its own because its first test needs a store no build has touched."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from urllib.parse import urlencode

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from engines import VIRTUOSO, OxigraphServer, VirtuosoServer
from live import HOST, Server, request
from test_queries import rows_of


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llm_atlas", *args], capture_output=True,
                          text=True, timeout=600)


ENGINES = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def engine(request, tmp_path_factory):
    if request.param == "virtuoso" and VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed here (.ci/run installs virtuoso-opensource)")
    running = ENGINES[request.param](tmp_path_factory.mktemp(request.param))
    built = cli("build", "--into", running.query_url, "--update-url", running.update_url,
                "--batch", "200")
    assert built.returncode == 0, built.stderr
    assert "skipped 0 already there" in built.stdout
    yield running
    running.stop()


@pytest.fixture(scope="module")
def service(engine, tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("remote-service"), *engine.store_args)
    yield running
    running.stop()


def test_build_into_a_remote_engine_resumes_by_skipping_loaded_graphs(engine):
    from llm_atlas.core.knowledge.layout import BUILD_GRAPH, shipped_graphs
    from llm_atlas.core.knowledge.sources import find_sources

    parts = shipped_graphs(find_sources())
    build = ["build", "--into", engine.query_url, "--update-url", engine.update_url]
    again = cli(*build)
    assert again.returncode == 0, again.stderr
    assert f"loaded 0 graphs (0 triples), skipped {len(parts)} already there" in again.stdout
    # an interrupted build: one graph's data is half there and it is not in the manifest
    victim = parts[-1].iri
    update = (f"DELETE WHERE {{ GRAPH <{BUILD_GRAPH}> {{ ?b ?p <{victim}> }} }} ; "
              f"DELETE {{ GRAPH <{victim}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{victim}> "
              f"{{ ?s ?p ?o }} FILTER(isIRI(?o)) }}")
    assert request(engine.update_url, "POST", urlencode({"update": update}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"}).status in (200, 204)
    resumed = cli(*build)
    assert f"loaded 1 graphs ({len(parts[-1].triples)} triples), skipped {len(parts) - 1}" \
        in resumed.stdout, resumed.stderr
    count = request(engine.query_url + "?" + urlencode(
        {"query": "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } "
                  "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/llm-atlas/')) }"}),
        headers={"Accept": "application/sparql-results+json"})
    expected = sum(len(p.triples) for p in parts) + len(parts)
    assert int(json.loads(count.body)["results"]["bindings"][0]["n"]["value"]) == expected


def test_the_guard_stays_ours_on_a_remote_engine(service):
    reply = request(f"{service.url}/sparql?" + urlencode(
        {"query": f"SELECT * {{ SERVICE <http://{HOST}:9/> {{ ?s ?p ?o }} }}"}))
    assert reply.status == 400 and "SERVICE" in json.loads(reply.body)["error"]["message"]


def test_a_remote_syntax_error_becomes_our_400_with_its_message(service):
    reply = request(f"{service.url}/sparql?" + urlencode({"query": "SELECT ?x { ?x ?y }"}),
                    headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 400
    assert "refused the request (400)" in json.loads(reply.body)["error"]["message"]


def test_writes_go_to_the_remote_engine_atomically(service, engine):
    body = b"<urn:a> <urn:b> <urn:c> ."
    put = request(service.url + "/store?graph=urn:g:remote", "PUT", body,
                  {"Content-Type": "application/n-triples", **service.auth})
    assert put.status == 201
    direct = request(engine.query_url + "?" + urlencode(
        {"query": "ASK { GRAPH <urn:g:remote> { <urn:a> <urn:b> <urn:c> } }"}),
        headers={"Accept": "application/sparql-results+json"})
    assert json.loads(direct.body)["boolean"] is True
    assert request(service.url + "/store?graph=urn:g:remote", "DELETE",
                   headers=service.auth).status == 204


def test_a_graph_store_body_that_does_not_parse_is_our_400_and_writes_nothing(service):
    two_on_a_line = b"<urn:a> <urn:b> <urn:c> . <urn:d> <urn:e> <urn:f> ."
    reply = request(service.url + "/store?graph=urn:g:broken", "PUT", two_on_a_line,
                    {"Content-Type": "application/n-triples", **service.auth})
    assert reply.status == 400
    assert "does not parse" in json.loads(reply.body)["error"]["message"]
    assert request(service.url + "/store?graph=urn:g:broken").status == 404


def test_a_vanished_engine_gives_502_and_the_service_recovers(tmp_path):
    engine = OxigraphServer(tmp_path / "engine")
    service = Server(tmp_path, *engine.store_args)
    query = f"{service.url}/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})
    accept = {"Accept": "application/sparql-results+json"}
    try:
        assert request(query, headers=accept).status == 200
        engine.stop()
        down = request(query, headers=accept)
        assert down.status == 502
        assert "cannot be reached" in json.loads(down.body)["error"]["message"]
        health = request(service.url + "/health")
        assert health.status == 503 and json.loads(health.body)["status"] == "unavailable"
        engine.start()
        assert request(query, headers=accept).status == 200
        assert request(service.url + "/health").status == 200
    finally:
        service.stop()
        engine.stop()


def test_a_remote_runaway_query_is_our_503_at_the_deadline(engine, tmp_path):
    service = Server(tmp_path, *engine.store_args, "--timeout", "2")
    runaway = "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?c ?f ?i"
    try:
        started = time.monotonic()
        reply = request(f"{service.url}/sparql?" + urlencode({"query": runaway}),
                        headers={"Accept": "application/sparql-results+json"})
        elapsed = time.monotonic() - started
        assert reply.status == 503
        assert "limit" in json.loads(reply.body)["error"]["message"]
        assert elapsed < 10
        if engine.name == "oxigraph":  # it runs the query; Virtuoso refuses it on its estimate
            assert elapsed >= 2
    finally:
        service.stop()


# -- where Virtuoso departs from the standard, and what the adapter does about it -------------

BNODE_DATA = b"""@prefix ex: <http://example.org/> .
ex:s ex:p [ ex:q ( ex:a ex:b ) ; ex:r "x"@en ] ."""


def test_virtuoso_refuses_blank_nodes_in_insert_data_so_the_adapter_inserts_a_template(
        engine, service):
    raw = "INSERT DATA { GRAPH <urn:g:raw> { <urn:s> <urn:p> _:b } }"
    direct = request(engine.update_url, "POST", urlencode({"update": raw}).encode(),
                     {"Content-Type": "application/x-www-form-urlencoded"})
    if engine.name == "virtuoso":
        assert direct.status >= 400 and b"Blank node" in direct.body
    else:  # the standard allows them
        assert direct.status in (200, 204)
    put = request(service.url + "/store?graph=urn:g:bnodes", "PUT", BNODE_DATA,
                  {"Content-Type": "text/turtle", **service.auth})
    assert put.status == 201
    got = request(service.url + "/store?graph=urn:g:bnodes", headers={"Accept": "text/turtle"})
    assert isomorphic(Graph().parse(data=got.body, format="turtle"),
                      Graph().parse(data=BNODE_DATA, format="turtle"))


def test_virtuoso_fails_on_a_trailing_values_of_unprojected_variables_so_we_bind_inside(
        engine, service):
    trailing = ("SELECT ?a WHERE { ?a <https://w3id.org/llm-atlas/ontology/causes> ?p } "
                "VALUES ?p { <https://w3id.org/llm-atlas/ontology/MoralHazard> }")
    direct = request(engine.query_url + "?" + urlencode({"query": trailing}),
                     headers={"Accept": "application/sparql-results+json"})
    if engine.name == "virtuoso":
        assert direct.status >= 400
    else:
        assert direct.status == 200 and {r["a"].rsplit("/", 1)[-1] for r in rows_of(
            direct.body)} == {"HiddenAction", "HiddenInformation"}
    ours = request(f"{service.url}/queries/asymmetry-behind-problem?problem=atlas:MoralHazard",
                   headers={"Accept": "application/sparql-results+json"})
    assert {r["asymmetry"].rsplit("/", 1)[-1] for r in rows_of(ours.body)} == {
        "HiddenAction", "HiddenInformation"}
