"""The SPARQL 1.1 Service Description answered on a bare GET of /sparql."""

from __future__ import annotations

from flask import Response, request
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF, VOID

from llm_atlas.core.knowledge.layout import ONTOLOGY_GRAPH
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def describe(endpoint: str) -> Graph:
    """What this endpoint is and does, in the sd: vocabulary."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    service = BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in (*neg.solutions(), *neg.graphs()):  # what /sparql answers in
        if fmt.sd_iri:
            graph.add((service, SD.resultFormat, URIRef(fmt.sd_iri)))
    # The default graph is the union of every named graph; no SERVICE, no dereferencing.
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    dataset, default = BNode(), BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    named = BNode()
    graph.add((dataset, SD.namedGraph, named))
    graph.add((named, RDF.type, SD.NamedGraph))
    graph.add((named, SD.name, URIRef(ONTOLOGY_GRAPH)))
    return graph


def service_description(endpoint: str) -> Response:
    """The description in the RDF format the client asks for (Turtle by default)."""
    fmt = neg.choose(neg.graphs(), request.headers.get("Accept"))
    body = describe(endpoint).serialize(format=fmt.rdflib_name)
    return negotiated(body, fmt.media_type)
