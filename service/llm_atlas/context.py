"""Validating a document in the context of the store: the ontology and what it points at.

A submission may point at papers, people and terms the store already holds instead of
describing them again. Validation therefore sees the document, the stored ontology graph and
the stored descriptions of the IRIs the document references but does not describe itself (for
papers, their creators too): a neighbourhood of a few hundred triples, fetched by index lookups,
so its cost does not grow with the store. Nodes the document describes are judged on the
document's own description alone, exactly as `llm-atlas validate` judges a file.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from .layout import ONTOLOGY_GRAPH
from .linked_data import select
from .namespaces import ATLAS
from .rdfio import parse_data
from .reports import restrict
from .validation import ValidationReport, validate_graph


def describe(store, iris: set[str]) -> Graph:
    """The stored triples whose subject is one of the IRIs (from the data graphs)."""
    graph = Graph()
    if iris:
        for row in select(store, "node_descriptions", node=sorted(iris)):
            graph.add((row["node"], row["p"], row["o"]))
    return graph


def subjects(graph: Graph) -> set:
    """Every node the graph describes (has as a subject)."""
    return set(graph.subjects())


def referenced_iris(graph: Graph) -> set[str]:
    """IRIs the graph points at (objects) without describing them."""
    described = subjects(graph)
    return {str(o) for o in graph.objects() if isinstance(o, URIRef) and o not in described}


def neighbourhood(store, graph: Graph) -> Graph:
    """What the store says about the IRIs a graph references, and about those papers' creators."""
    found = describe(store, referenced_iris(graph))
    described = subjects(graph)
    creators = {str(c) for paper in found.subjects(RDF.type, ATLAS.Paper)
                for c in found.objects(paper, DCTERMS.creator)
                if isinstance(c, URIRef) and c not in described}
    found += describe(store, creators - {str(s) for s in subjects(found)})
    return found


class OntologyCache:
    """The store's ontology graph, parsed again only when its content changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._digest: str | None = None
        self._graph = Graph()

    def get(self, store) -> Graph:
        body = store.get_graph(ONTOLOGY_GRAPH, "ntriples") or b""
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            if digest != self._digest:
                self._graph = parse_data(body, "nt", source_name="the stored ontology")
                self._digest = digest
            return self._graph


@dataclass
class ContextValidation:
    """A report about a document, and the context it was validated in."""

    report: ValidationReport
    context: Graph
    ontology: Graph


def validate_in_context(store, data: Graph, shapes: Graph, ontology_cache: OntologyCache,
                        lock: threading.Lock | None = None) -> ContextValidation:
    """Validate a document with the stored ontology and neighbourhood; report on its own nodes."""
    ontology = ontology_cache.get(store)
    context = neighbourhood(store, data)
    if lock is None:
        report = validate_graph(data + context, shapes, ontology)
    else:
        with lock:  # pyshacl is pure Python: one validation at a time costs no throughput
            report = validate_graph(data + context, shapes, ontology)
    own = {str(s) for s in subjects(data)}
    return ContextValidation(restrict(report, own), context, ontology)
