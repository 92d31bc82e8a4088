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
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from llm_atlas.core.checking.reports import restrict
from llm_atlas.core.checking.validation import ValidationReport, validate_graph
from llm_atlas.core.knowledge.layout import ONTOLOGY_GRAPH
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.sparql.internal import select
from llm_atlas.namespaces import ATLAS


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
        """The stored ontology, parsed."""
        return self.current(store)[0]

    def current(self, store) -> tuple[Graph, str, bytes]:
        """The stored ontology: parsed, its digest, and its N-Triples (for checker processes)."""
        body = store.get_graph(ONTOLOGY_GRAPH, "ntriples") or b""
        digest = hashlib.sha256(body).hexdigest()
        with self._lock:
            if digest != self._digest:
                self._graph = parse_data(body, "nt", source_name="the stored ontology")
                self._digest = digest
            return self._graph, digest, body


@dataclass
class ContextValidation:
    """A report about a document, and the context it was validated in."""

    report: ValidationReport
    context: Graph
    ontology: Graph


def shacl_in_context(data: Graph, context: Graph, shapes: Graph,
                     ontology: Graph) -> ValidationReport:
    """Validate a document plus its context; report on the document's own nodes only."""
    report = validate_graph(data + context, shapes, ontology)
    return restrict(report, {str(s) for s in subjects(data)})


# (document, its stored context, (ontology, digest, N-Triples)) -> the report on the document
Shacl = Callable[[Graph, Graph, tuple[Graph, str, bytes]], ValidationReport]


def validate_in_context(store, data: Graph, ontology_cache: OntologyCache,
                        shacl: Shacl) -> ContextValidation:
    """Validate a document with the stored ontology and neighbourhood; report on its own nodes.

    `shacl` runs the shapes: in a sandboxed checker process for clients' documents, or here.
    """
    ontology = ontology_cache.current(store)
    context = neighbourhood(store, data)
    return ContextValidation(shacl(data, context, ontology), context, ontology[0])
