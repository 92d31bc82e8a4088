"""SPARQLWrapper as a real client of a running server on every backend: every result format,
parsed and compared with the answer rdflib computes on its own over the same knowledge."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from SPARQLWrapper import CSV, GET, JSON, JSONLD, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from llm_atlas.namespaces import PREFIXES

PROLOGUE = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())
SELECTS = {
    "mechanisms-for-moral-hazard": """
        SELECT ?mechanism ?label WHERE {
          ?mechanism a atlas:Mechanism ; atlas:addresses atlas:MoralHazard ; rdfs:label ?label .
        }""",
    "phases-in-order": """
        SELECT ?phase ?order ?stage WHERE {
          ?phase a atlas:AdoptionPhase ; atlas:phaseOrder ?order ; atlas:stage ?stage .
        } ORDER BY ?order""",
    "papers-per-year": """
        SELECT ?year (COUNT(?paper) AS ?papers) WHERE {
          ?paper a atlas:Paper ; dcterms:issued ?year .
        } GROUP BY ?year ORDER BY ?year""",
    "optional-dois": """
        SELECT ?paper ?doi WHERE {
          ?paper a atlas:Paper . OPTIONAL { ?paper bibo:doi ?doi }
        }""",
}
CONSTRUCT = """
    CONSTRUCT { ?method atlas:realizes ?mechanism ; rdfs:label ?label }
    WHERE { ?method atlas:realizes ?mechanism ; rdfs:label ?label }"""
SR = "{http://www.w3.org/2005/sparql-results#}"


def expected_rows(knowledge: Graph, query: str) -> list[dict]:
    result = knowledge.query(PROLOGUE + query)
    return [{str(v): row[v] for v in result.vars if row[v] is not None} for row in result]


def canonical(rows: list[dict], as_text: bool = False) -> list:
    def value(term):
        return str(term) if as_text else term
    return sorted(sorted((k, value(v)) for k, v in row.items()) for row in rows)


def _term_from_json(b: dict):
    if b["type"] == "uri":
        return URIRef(b["value"])
    if b["type"] == "bnode":
        return BNode(b["value"])
    return Literal(b["value"], lang=b.get("xml:lang"),
                   datatype=URIRef(b["datatype"]) if "datatype" in b else None)


def _term_from_xml(el):
    if el.tag == SR + "uri":
        return URIRef(el.text)
    if el.tag == SR + "bnode":
        return BNode(el.text)
    lang = el.get("{http://www.w3.org/XML/1998/namespace}lang")
    datatype = el.get("datatype")
    return Literal(el.text or "", lang=lang, datatype=URIRef(datatype) if datatype else None)


def parse_json(body: bytes) -> list[dict]:
    data = json.loads(body)
    return [{k: _term_from_json(v) for k, v in b.items()} for b in data["results"]["bindings"]]


def parse_xml(body: bytes) -> list[dict]:
    root = ET.fromstring(body)
    return [{b.get("name"): _term_from_xml(b[0]) for b in r.findall(SR + "binding")}
            for r in root.iter(SR + "result")]


def parse_csv(body: bytes) -> list[dict]:
    reader = csv.DictReader(io.StringIO(body.decode()))
    return [{k: v for k, v in row.items() if v != ""} for row in reader]


def parse_tsv(body: bytes) -> list[dict]:
    lines = body.decode().rstrip("\n").split("\n")
    names = [h[1:] for h in lines[0].split("\t")]
    rows = []
    for line in lines[1:]:
        cells = line.split("\t")
        row = {}
        for name, cell in zip(names, cells, strict=True):
            if cell:
                # a TSV cell is a Turtle term: parse it through a one-triple document
                graph = Graph().parse(data=f"<urn:s> <urn:p> {cell} .", format="turtle")
                row[name] = next(graph.objects())
        rows.append(row)
    return rows


def client(server, fmt, method=GET) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(server.url + "/sparql")
    wrapper.setReturnFormat(fmt)
    wrapper.setMethod(method)
    return wrapper


def fetch(wrapper: SPARQLWrapper, query: str) -> tuple[str, bytes]:
    wrapper.setQuery(PROLOGUE + query)
    response = wrapper.query().response
    return response.headers["Content-Type"], response.read()


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("name", sorted(SELECTS))
@pytest.mark.parametrize(("fmt", "media", "parse", "as_text"), [
    (JSON, "application/sparql-results+json", parse_json, False),
    (XML, "application/sparql-results+xml; charset=utf-8", parse_xml, False),
    (TSV, "text/tab-separated-values; charset=utf-8", parse_tsv, False),
    (CSV, "text/csv; charset=utf-8", parse_csv, True),
])
def test_select_in_every_format_equals_rdflib(any_backend_server, knowledge, name, method, fmt,
                                              media,
                                              parse, as_text):
    content_type, body = fetch(client(any_backend_server, fmt, method), SELECTS[name])
    assert content_type == media
    want = expected_rows(knowledge, SELECTS[name])
    assert want, "the oracle itself found nothing"
    assert canonical(parse(body), as_text) == canonical(want, as_text)


@pytest.mark.parametrize(("fmt", "media", "syntax"), [
    (TURTLE, "text/turtle; charset=utf-8", "turtle"),
    (RDFXML, "application/rdf+xml; charset=utf-8", "xml"),
    (JSONLD, "application/ld+json", "json-ld"),
])
def test_construct_in_every_format_is_isomorphic_to_rdflib(any_backend_server, knowledge, fmt,
                                                           media, syntax):
    content_type, body = fetch(client(any_backend_server, fmt), CONSTRUCT)
    assert content_type == media
    want = knowledge.query(PROLOGUE + CONSTRUCT).graph
    assert len(want) > 30
    assert isomorphic(Graph().parse(data=body, format=syntax), want)


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask_answers_true_and_false(any_backend_server, fmt):
    wrapper = client(any_backend_server, fmt)
    wrapper.setQuery(PROLOGUE + "ASK { atlas:RLHF atlas:addresses atlas:MoralHazard }")
    result = wrapper.query().convert()
    assert (result["boolean"] if fmt == JSON else
            result.getElementsByTagName("boolean")[0].firstChild.data == "true") is True
    wrapper.setQuery(PROLOGUE + "ASK { atlas:ModelCard atlas:addresses atlas:MoralHazard }")
    result = wrapper.query().convert()
    assert (result["boolean"] if fmt == JSON else
            result.getElementsByTagName("boolean")[0].firstChild.data == "true") is False
