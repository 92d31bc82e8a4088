"""Shared fixtures: the shipped knowledge, parsed once per session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from backends import BACKENDS, service_on
from llm_atlas.config import Settings
from llm_atlas.core.checking.reasoning import ReasoningResult, reason
from llm_atlas.core.knowledge.sources import Sources, find_sources
from llm_atlas.namespaces import bind_prefixes
from llm_atlas.web.app import create_app


@pytest.fixture(scope="session")
def sources() -> Sources:
    return find_sources()


@pytest.fixture(scope="session")
def ontology(sources: Sources) -> Graph:
    return sources.ontology_graph()


@pytest.fixture(scope="session")
def annotations(sources: Sources) -> Graph:
    return sources.annotations_graph()


@pytest.fixture(scope="session")
def knowledge(sources: Sources, annotations: Graph) -> Graph:
    """What the store will hold: ontology, alignments, inferred triples and annotations."""
    graph = sources.ontology_graph(alignments=True, inferred=True) + annotations
    bind_prefixes(graph)
    return graph


@pytest.fixture(scope="session")
def reasoned_with_data(ontology: Graph, annotations: Graph) -> ReasoningResult:
    return reason(ontology + annotations)


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory):
    """A read-mostly server on the shipped knowledge (embedded store), shared by the HTTP tests."""
    with service_on("embedded", tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="session")
def server(embedded_server):
    """The embedded one; a module whose tests run on every backend overrides this name."""
    return embedded_server


@pytest.fixture(scope="session", params=BACKENDS)
def any_backend_server(request, tmp_path_factory, embedded_server):
    """The service on each backend, for tests that only read: one per backend per session."""
    if request.param == "embedded":
        yield embedded_server
        return
    with service_on(request.param, tmp_path_factory.mktemp(f"{request.param}-read")) as running:
        yield running


@pytest.fixture(scope="session", params=BACKENDS)
def writable_backend_server(request, tmp_path_factory):
    """The service on each backend, for tests that write: one per backend per session, apart
    from the read-only ones so that no submission reaches a golden answer."""
    with service_on(request.param, tmp_path_factory.mktemp(f"{request.param}-write")) as running:
        yield running


@pytest.fixture(scope="module")
def client():
    """A test client of the service on the shipped knowledge, in memory (one per module)."""
    app = create_app(Settings(memory=True))
    try:
        yield app.test_client()
    finally:
        app.extensions["llm_atlas"].store.close()
