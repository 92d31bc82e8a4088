"""Shared fixtures: the shipped knowledge, parsed once per session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from llm_atlas.namespaces import bind_prefixes
from llm_atlas.reasoning import ReasoningResult, reason
from llm_atlas.sources import Sources, find_sources


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
def server(tmp_path_factory):
    """A read-mostly server on the shipped knowledge, shared by the HTTP tests."""
    from live import Server

    running = Server(tmp_path_factory.mktemp("server"), "--memory")
    yield running
    running.stop()


BACKENDS = ["embedded", "oxigraph", "virtuoso"]


@pytest.fixture(scope="session", params=BACKENDS)
def any_backend_server(request, tmp_path_factory, server):
    """The service on each backend: the embedded store, Oxigraph's server, Virtuoso."""
    import subprocess
    import sys

    from engines import VIRTUOSO, OxigraphServer, VirtuosoServer
    from live import Server

    if request.param == "embedded":
        yield server
        return
    if request.param == "virtuoso" and VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed here (.ci/run installs virtuoso-opensource)")
    factory = OxigraphServer if request.param == "oxigraph" else VirtuosoServer
    engine = factory(tmp_path_factory.mktemp(f"{request.param}-engine"))
    try:
        built = subprocess.run([sys.executable, "-m", "llm_atlas", "build", "--into",
                                engine.query_url, "--update-url", engine.update_url],
                               capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr
        running = Server(tmp_path_factory.mktemp(f"{request.param}-service"), *engine.store_args)
        try:
            yield running
        finally:
            running.stop()
    finally:
        engine.stop()
