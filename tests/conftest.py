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
