"""Building the store: named graphs as designed, idempotent, and kind to graphs users added."""

from __future__ import annotations

import json
import shutil

import pyoxigraph as ox
import pytest

from llm_atlas.core.knowledge.layout import ONTOLOGY_GRAPH, shipped_graphs
from llm_atlas.store.embedded.client import EmbeddedStore

ANNOTATION = "https://w3id.org/llm-atlas/resource/annotation/mitchell-2019-model-cards"
PAPER = "https://w3id.org/llm-atlas/resource/paper/mitchell-2019-model-cards"


@pytest.fixture()
def knowledge_copy(sources, tmp_path):
    root = tmp_path / "knowledge"
    for folder in ("ontology", "annotations", "queries"):
        shutil.copytree(sources.root / folder, root / folder)
    return root


def count(store: EmbeddedStore, query: str) -> int:
    _, body = store.query(query)
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_each_annotation_is_its_own_graph_with_its_provenance(sources):
    parts = {p.iri: p for p in shipped_graphs(sources)}
    triples = parts[ANNOTATION].triples
    annotation = {(t.subject.value, t.predicate.value) for t in triples
                  if not isinstance(t.subject, ox.BlankNode)}
    assert {s for s, _ in annotation} == {ANNOTATION}
    # the blank subjects are the provenance of the annotation's own statements, and only that
    axioms = {t.subject for t in triples if isinstance(t.subject, ox.BlankNode)}
    assert axioms
    sources_of = {t.object.value for t in triples if t.subject in axioms
                  and t.predicate.value == "http://www.w3.org/2002/07/owl#annotatedSource"}
    assert sources_of == {ANNOTATION}
    predicates = {p for _, p in annotation}
    assert "http://www.w3.org/ns/prov#wasAttributedTo" in predicates
    assert "http://purl.org/dc/terms/created" in predicates
    assert PAPER in parts and ONTOLOGY_GRAPH in parts
    assert not any(t.subject.value == ANNOTATION for t in parts[PAPER].triples)


def test_build_is_idempotent_and_drops_graphs_of_removed_files(knowledge_copy, tmp_path):
    store = EmbeddedStore(tmp_path / "store", sources_root=str(knowledge_copy),
                          build_if_empty=False)
    try:
        first = store.build()
        size = store.size()
        assert store.build() == first and store.size() == size
        store.write_graph("urn:g:user", b"<urn:a> <urn:b> <urn:c> .", "ntriples", replace=True)
        (knowledge_copy / "annotations" / "mitchell-2019-model-cards.ttl").unlink()
        store.build()
        assert not store.graph_exists(ANNOTATION) and not store.graph_exists(PAPER)
        assert store.graph_exists("urn:g:user"), "a rebuild must not touch graphs users added"
        assert count(store, f"SELECT (COUNT(*) AS ?n) {{ GRAPH <{ONTOLOGY_GRAPH}> "
                            "{ ?s ?p ?o } }") > 1000
    finally:
        store.close()


def test_a_data_directory_keeps_the_store_across_restarts(tmp_path):
    store = EmbeddedStore(tmp_path / "store")
    store.start()
    size = store.size()
    store.write_graph("urn:g:kept", b"<urn:a> <urn:b> <urn:c> .", "ntriples", replace=True)
    store.close()
    again = EmbeddedStore(tmp_path / "store")
    try:
        again.start()
        assert again.size() == size + 1
        assert again.graph_exists("urn:g:kept")
    finally:
        again.close()


@pytest.mark.parametrize("graph", [ox.NamedNode("urn:x-build:g"), ox.DefaultGraph()])
def test_a_store_with_one_quad_in_any_graph_is_not_empty(tmp_path, graph):
    from llm_atlas.store.embedded.engine import Engine

    engine = Engine(str(tmp_path / "store"))
    assert engine.is_empty()
    engine.store.add(ox.Quad(ox.NamedNode("urn:x-build:s"), ox.NamedNode("urn:x-build:p"),
                             ox.Literal("o"), graph))
    assert not engine.is_empty()
