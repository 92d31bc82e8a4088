"""/void (dataset statistics) and /health (liveness)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, request
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, VOID, XSD

from llm_atlas import __version__
from llm_atlas.core.sparql.internal import select
from llm_atlas.errors import StoreError
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, public_url, state

bp = Blueprint("meta", __name__)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def _count(value) -> Literal:
    """A count from the store as an xsd:integer."""
    return Literal(int(str(value)), datatype=XSD.integer)


def void_graph(root: str) -> Graph:
    """VoID description of the whole dataset, with class, property and graph partitions."""
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(root + "void#dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("LLM ATLAS knowledge graph", lang="en")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(root + "sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(state().settings.base_iri)))
    store = state().store
    counts = select(store, "void_counts")[0]
    for key, prop in (("triples", VOID.triples), ("subjects", VOID.distinctSubjects),
                      ("objects", VOID.distinctObjects), ("properties", VOID.properties)):
        graph.add((dataset, prop, _count(counts[key])))
    classes = select(store, "void_classes")
    graph.add((dataset, VOID.classes, Literal(len(classes), datatype=XSD.integer)))
    for row in classes:
        part = BNode()
        graph.add((dataset, VOID.classPartition, part))
        graph.add((part, VOID["class"], URIRef(str(row["class"]))))
        graph.add((part, VOID.entities, _count(row["entities"])))
    for row in select(store, "void_properties"):
        part = BNode()
        graph.add((dataset, VOID.propertyPartition, part))
        graph.add((part, VOID.property, URIRef(str(row["property"]))))
        graph.add((part, VOID.triples, _count(row["triples"])))
    for row in select(store, "void_graphs"):
        part = BNode()
        graph.add((dataset, VOID.subset, part))
        graph.add((part, RDF.type, VOID.Dataset))
        graph.add((part, SD.name, URIRef(str(row["graph"]))))
        graph.add((part, VOID.triples, _count(row["triples"])))
    return graph


@bp.route("/void")
def void() -> Response:
    fmt = neg.choose(neg.graphs(), request.headers.get("Accept"))
    body = void_graph(public_url()).serialize(format=fmt.rdflib_name)
    return negotiated(body, fmt.media_type)


@bp.route("/health")
def health() -> Response:
    """Liveness: 200 with the store's state when it answers, 503 when it does not."""
    try:
        report = state().store.health()
        report.update(status="ok", version=__version__)
        status = 200
    except StoreError as exc:
        report = {"status": "unavailable", "version": __version__, "message": str(exc)}
        status = 503
    return Response(json.dumps(report) + "\n", status=status, mimetype="application/json")
