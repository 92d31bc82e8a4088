"""Concurrent writes of the same annotation: exactly one lands, whole, whatever the engine.

On a remote engine the race is between service instances (two services on one engine), and
between store clients that share no lock at all; see service/llm_atlas/store/remote/commit.py for
what each engine guarantees one update request and how claims make up for the rest.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, PROV

from backends import claims_left, service_on, start_engine
from engines import Engine
from live import Server, request
from llm_atlas.errors import GraphExists, GraphMissing
from llm_atlas.store.remote.client import RemoteStore
from submissions_kit import JSON_ACCEPT, RES, TURTLE, solution_annotation, turtle_graph

pytestmark = pytest.mark.slow
WRITERS = 8
# Without the claims, a round lets several writers in now and then, not every time (see
# remote_commit.py); a few rounds make a regression show.
ROUNDS = 5


def _at_once(count: int, job) -> list:
    """Run job(i) for each i in threads released together; their results in order."""
    barrier = threading.Barrier(count)

    def run(i: int):
        barrier.wait()
        return job(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


# -- the store: writers that share nothing but the engine ----------------------------------

def _writer_triples(i: int) -> list[ox.Triple]:
    """Writer i's version of a graph: a blank node and a value of its own."""
    node = ox.BlankNode()
    return [ox.Triple(ox.NamedNode("urn:race:annotation"), ox.NamedNode("urn:race:body"), node),
            ox.Triple(node, ox.NamedNode("urn:race:writer"), ox.Literal(str(i)))]


def _writer_data(graph: str, i: int) -> bytes:
    """Writer i's version as N-Quads in the graph, as the store's commit takes them."""
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph))
             for t in _writer_triples(i)]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS)


def _writer_graph(i: int) -> Graph:
    return Graph().parse(data=ox.serialize(_writer_triples(i), format=ox.RdfFormat.N_TRIPLES),
                         format="nt")


def _stored(engine: Engine, graph: str) -> Graph:
    """The graph as the engine itself holds it."""
    query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    reply = request(engine.query_url + "?" + urlencode({"query": query}),
                    headers={"Accept": "application/n-triples"})
    return Graph().parse(data=reply.body, format="nt")


def _outcome(job) -> str:
    try:
        job()
        return "written"
    except GraphExists:
        return "exists"
    except GraphMissing:
        return "missing"


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request, tmp_path_factory):
    """A remote engine of each kind, with no shipped knowledge (these tests name their graphs)."""
    engine = start_engine(request.param, tmp_path_factory.mktemp(f"race-{request.param}"),
                          build=False)
    yield engine
    engine.stop()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_of_concurrent_writers_of_one_graph_exactly_one_lands_whole(remote, round_):
    graph = f"urn:race:graph:submitted-{round_}"

    def write(i: int) -> str:
        store = RemoteStore(remote.query_url, update_url=remote.update_url)  # no shared lock
        return _outcome(lambda: store.commit(_writer_data(graph, i), must_be_new=[graph]))

    outcomes = _at_once(WRITERS, write)
    assert sorted(outcomes) == ["exists"] * (WRITERS - 1) + ["written"]
    assert isomorphic(_stored(remote, graph), _writer_graph(outcomes.index("written")))
    assert claims_left(remote) == 0


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_of_concurrent_retractions_of_one_graph_exactly_one_lands(remote, round_):
    graph = f"urn:race:graph:retracted-{round_}"
    record = f"urn:race:graph:retraction-record-{round_}"
    store = RemoteStore(remote.query_url, update_url=remote.update_url)
    store.commit(_writer_data(graph, 0), must_be_new=[graph])

    def retract(i: int) -> str:
        own = RemoteStore(remote.query_url, update_url=remote.update_url)
        data = _writer_data(record, i)
        return _outcome(lambda: own.commit(data, must_be_new=[record], must_exist=[graph],
                                           drop=[graph]))

    outcomes = _at_once(WRITERS, retract)
    assert outcomes.count("written") == 1
    assert set(outcomes) <= {"written", "exists", "missing"}
    assert isomorphic(_stored(remote, record), _writer_graph(outcomes.index("written")))
    assert len(_stored(remote, graph)) == 0 and not store.graph_exists(graph)
    assert claims_left(remote) == 0


# -- over HTTP: the same annotation sent N times at once ------------------------------------

def _variant(slug: str, i: int) -> str:
    """Submission i of one annotation: same IRI, its own evidence text."""
    return solution_annotation(slug, evidence=f"Abstract: variant {i} of one annotation, sent "
                                              "at once with the others to the same store.")


def _one_submission(stored: Graph, slug: str, text: str, request_id: str) -> Graph:
    """What the store must hold for one submission: its annotation and that request's record."""
    annotation, activity = URIRef(RES + "annotation/" + slug), URIRef("urn:uuid:" + request_id)
    want = Graph()
    for triple in turtle_graph(text).triples((annotation, None, None)):
        want.add(triple)
    want.add((annotation, PROV.wasGeneratedBy, activity))
    for triple in stored.triples((activity, None, None)):  # times are the server's
        want.add(triple)
    assert stored.value(activity, DCTERMS.identifier) == Literal(request_id)
    assert len(list(stored.triples((activity, None, None)))) == 6
    return want


@pytest.mark.parametrize("backend", ["embedded", "oxigraph", "virtuoso"])
def test_the_same_annotation_sent_at_once_is_stored_once(backend, tmp_path):
    """N submissions of one annotation at once: one 201, the rest 409, the stored graph is one
    submission. On a remote engine they go through two service instances sharing the engine;
    the embedded store belongs to one service, so there they all go through it."""
    slug = f"sent-at-once-{backend}"
    with ExitStack() as stack:
        first = stack.enter_context(service_on(backend, tmp_path / "first"))
        second = first if first.engine is None else stack.enter_context(
            service_on(backend, tmp_path / "second", engine=first.engine))
        texts = [_variant(slug, i) for i in range(WRITERS)]
        services = [first, second] * (WRITERS // 2)

        def send(i: int):
            server: Server = services[i]
            return request(server.url + "/annotations", "POST", texts[i].encode(),
                           {**TURTLE, **JSON_ACCEPT, **server.auth}, timeout=600)

        replies = _at_once(WRITERS, send)
        statuses = sorted(r.status for r in replies)
        assert statuses == [201] + [409] * (WRITERS - 1), [r.body[:200] for r in replies]
        winner = next(i for i, r in enumerate(replies) if r.status == 201)
        for reply in replies:
            if reply.status == 409:
                assert "already in the store" in json.loads(reply.body)["error"]["message"]
        stored = turtle_graph(request(first.url + f"/annotations/{slug}",
                                      headers={"Accept": "text/turtle"}).body)
        request_id = json.loads(replies[winner].body)["request_id"]
        assert isomorphic(stored, _one_submission(stored, slug, texts[winner], request_id))
        if first.engine is not None:
            assert claims_left(first.engine) == 0
