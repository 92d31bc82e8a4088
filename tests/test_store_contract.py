"""The store contract (`llm_atlas.store.contract.Store`), the same cases on every backend.

The embedded store runs in-process (its engine a child process of the test); the remote
store talks to an Oxigraph server and to Virtuoso, each started on loopback for this module.
Each case is one promise of the contract: round trips, the row limit, a missing graph, a
conflict, a deadline, and an engine that goes away.
"""

from __future__ import annotations

import os
import signal

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from engines import VIRTUOSO, OxigraphServer, VirtuosoServer
from llm_atlas import errors
from llm_atlas.store.contract import RAISES, Store
from llm_atlas.store.embedded.client import EmbeddedStore
from llm_atlas.store.remote.client import RemoteStore

BACKENDS = ["embedded", "oxigraph", "virtuoso"]
G = "urn:x-contract:graph:"
TURTLE = b"""@prefix ex: <http://example.org/> .
ex:a ex:p ex:b ; ex:q "one" .
ex:b ex:p ex:c .
"""


class Backend:
    """A store under test and, for a remote one, its engine."""

    def __init__(self, name: str, tmp_path_factory):
        self.name, self.engine = name, None
        if name == "embedded":
            self.store: Store = EmbeddedStore(None, build_if_empty=False)
        else:
            kind = OxigraphServer if name == "oxigraph" else VirtuosoServer
            self.engine = kind(tmp_path_factory.mktemp(name))
            self.store = RemoteStore(self.engine.query_url, update_url=self.engine.update_url)
        self.store.start()

    def close(self) -> None:
        self.store.close()
        if self.engine is not None:
            self.engine.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request, tmp_path_factory):
    if request.param == "virtuoso" and VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed here (.ci/run installs virtuoso-opensource)")
    running = Backend(request.param, tmp_path_factory)
    yield running
    running.close()


def stored(store: Store, iri: str) -> Graph:
    body = store.get_graph(iri, "ntriples")
    assert body is not None
    return Graph().parse(data=body, format="nt")


def rows(store: Store, text: str) -> list[dict]:
    import json

    kind, body = store.query(text, solution_format="json")
    assert kind == "solutions"
    return json.loads(body)["results"]["bindings"]


def test_each_backend_implements_the_contract(backend):
    assert isinstance(backend.store, Store)
    assert backend.store.health()["backend"] == backend.store.backend


def test_a_graph_written_reads_back_the_same(backend):
    store = backend.store
    assert store.write_graph(G + "round", TURTLE, "turtle", replace=True) is True
    assert isomorphic(stored(store, G + "round"), Graph().parse(data=TURTLE, format="turtle"))
    assert store.graph_exists(G + "round")
    assert G + "round" in store.named_graphs()
    assert rows(store, f"SELECT ?o {{ GRAPH <{G}round> {{ ?s <http://example.org/q> ?o }} }}") \
        == [{"o": {"type": "literal", "value": "one"}}]


def test_a_missing_graph_is_none_false_and_absent(backend):
    store = backend.store
    assert store.get_graph(G + "never", "turtle") is None
    assert store.graph_exists(G + "never") is False
    assert store.drop_graph(G + "never") is False
    assert G + "never" not in store.named_graphs()


def test_a_result_over_the_row_limit_is_refused_whole(backend):
    store = backend.store
    store.write_graph(G + "rows", TURTLE, "turtle", replace=True)
    query = f"SELECT * {{ GRAPH <{G}rows> {{ ?s ?p ?o }} }}"
    usual, store.max_rows = store.max_rows, 2
    try:
        with pytest.raises(errors.ResultTooLarge, match="more than 2 rows"):
            store.query(query)
    finally:
        store.max_rows = usual
    assert len(rows(store, query)) == 3  # the same query under the usual limit


def test_a_conflict_writes_nothing(backend):
    store = backend.store
    quad = f"<http://example.org/x> <http://example.org/p> \"v\" <{G}taken> .\n".encode()
    assert store.commit(quad, must_be_new=[G + "taken"]) >= 1
    other = f"<http://example.org/y> <http://example.org/p> \"w\" <{G}taken> .\n".encode()
    with pytest.raises(errors.GraphExists):
        store.commit(other, must_be_new=[G + "taken"])
    with pytest.raises(errors.GraphExists):
        store.write_graph(G + "taken", TURTLE, "turtle", replace=True, must_be_new=True)
    lone = f"<http://example.org/z> <http://example.org/p> \"u\" <{G}lone> .\n".encode()
    with pytest.raises(errors.GraphMissing):
        store.commit(lone, must_exist=[G + "absent"])
    assert len(stored(store, G + "taken")) == 1
    assert store.graph_exists(G + "lone") is False


def test_bad_data_and_bad_queries_are_the_contract_s_errors(backend):
    store = backend.store
    with pytest.raises(RAISES) as bad_data:
        store.write_graph(G + "bad", b"<http://example.org/a> <oops", "turtle", replace=True)
    assert isinstance(bad_data.value, errors.RDFSyntaxError | errors.StoreError)
    with pytest.raises(errors.QuerySyntaxError):
        store.query("SELECT ?x WHERE { ?x ")
    assert store.graph_exists(G + "bad") is False


def test_a_query_past_its_deadline_is_a_timeout(backend):
    store = backend.store
    triples = "".join(f"<http://example.org/n{i}> <http://example.org/p> \"{i}\" .\n"
                      for i in range(400)).encode()
    store.write_graph(G + "big", triples, "ntriples", replace=True)
    heavy = (f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{G}big> {{ ?a ?p ?b . ?c ?q ?d . ?e ?r ?f . "
             "?g ?s ?h } }")
    with pytest.raises(errors.QueryTimeout):
        store.query(heavy, timeout=1)


def test_an_engine_that_goes_away_is_restarted_or_unavailable(backend):
    """The embedded store restarts its engine and answers; a remote engine that is gone is
    StoreUnavailable (503), and back again once it is."""
    store = backend.store
    ask = f"ASK {{ GRAPH <{G}round> {{ ?s ?p ?o }} }}"
    if backend.engine is None:
        os.kill(store._proc.popen.pid, signal.SIGKILL)
        assert store.query(ask) == ("boolean", store.query(ask)[1])
        assert b"true" in store.query(ask)[1]
        assert store.restarts >= 1
        return
    backend.engine.stop()
    with pytest.raises(errors.StoreUnavailable):
        store.query(ask)
    backend.engine.start()
    assert b"true" in store.query(ask)[1]
