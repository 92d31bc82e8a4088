"""The namespaces the project mints and the external vocabularies it uses."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE_IRI = "https://w3id.org/llm-atlas/"
ONTOLOGY_IRI = URIRef(BASE_IRI + "ontology")

ATLAS = Namespace(BASE_IRI + "ontology/")
RES = Namespace(BASE_IRI + "resource/")
SHAPES = Namespace(BASE_IRI + "shapes/")
OA = Namespace("http://www.w3.org/ns/oa#")
BIBO = Namespace("http://purl.org/ontology/bibo/")
FABIO = Namespace("http://purl.org/spar/fabio/")
VANN = Namespace("http://purl.org/vocab/vann/")

PREFIXES: dict[str, str] = {
    "atlas": str(ATLAS),
    "res": str(RES),
    "shapes": str(SHAPES),
    "oa": str(OA),
    "prov": str(PROV),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "bibo": str(BIBO),
    "fabio": str(FABIO),
    "vann": str(VANN),
    "skos": str(SKOS),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
}


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes on an rdflib graph, so serializations read well."""
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
