"""The pure parts of the IRIs' documents: VALUES filling and the terms read from SPARQL JSON
bindings (core/sparql/internal.py), and the serializations (core/views/linked_data.py). A
filled query is run on an empty pyoxigraph store: its one row must be exactly the values
bound, whatever they hold."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDFS, XSD

from llm_atlas.core.sparql.internal import _term, bind_values
from llm_atlas.core.views.linked_data import serialize
from llm_atlas.namespaces import ATLAS, PREFIXES, bind_prefixes

ONE = "SELECT * { VALUES ?x { } }"
TWO = "SELECT * { VALUES ?x { } VALUES ?y { } }"


def rows(query: str) -> list[tuple]:
    """What an engine answers to a filled query, on an empty store."""
    return [tuple(s) for s in ox.Store().query(query)]


HOSTILE_LITERALS = [
    'a "quoted" word',
    "'single' and '''triple''' quotes",
    "line\nbreak\rand\r\ncrlf\ttab",
    '" } } ; DROP ALL ; SELECT * { "',
    "\\\" } BIND(<urn:x> AS ?z) #",
    "# a comment sign",
    "VALUES ?x { }",
    "\x00\x01\x7f😀",
    "",
]


@pytest.mark.parametrize("text", HOSTILE_LITERALS)
def test_a_literal_stays_one_value_whatever_it_holds(text):
    for literal in (ox.Literal(text), ox.Literal(text, language="en"),
                    ox.Literal(text, datatype=ox.NamedNode("urn:dt"))):
        assert rows(bind_values(ONE, x=literal)) == [(literal,)]


@pytest.mark.parametrize("iri", [
    "urn:a> } BIND(1 AS ?z) { <urn:b",
    "http://example.org/a b",
    'http://example.org/"x"',
    "http://example.org/{x}",
    "http://example.org/a\nb",
    "relative/iri",
    "",
], ids=["angle-bracket", "space", "quote", "braces", "newline", "relative", "empty"])
def test_a_string_that_is_no_iri_is_refused(iri):
    with pytest.raises(ValueError):
        bind_values(ONE, x=iri)


@pytest.mark.parametrize("iri", ["https://w3id.org/llm-atlas/ontology/MoralHazard",
                                 "http://example.org/a?b=c&d#e", "urn:isbn:0-000", "http://é.fr/ü"])
def test_an_iri_string_is_bound_as_an_iri(iri):
    assert rows(bind_values(ONE, x=iri)) == [(ox.NamedNode(iri),)]


def test_rdflib_iris_are_strings_and_parsed_as_iris_too():
    assert rows(bind_values(ONE, x=URIRef("urn:a"))) == [(ox.NamedNode("urn:a"),)]
    with pytest.raises(ValueError):
        bind_values(ONE, x=URIRef("urn:a> } #"))


def test_a_list_gives_one_row_per_value_and_an_empty_list_none():
    values = [ox.NamedNode("urn:a"), "urn:b", ox.Literal("c")]
    assert rows(bind_values(ONE, x=values)) == [
        (ox.NamedNode("urn:a"),), (ox.NamedNode("urn:b"),), (ox.Literal("c"),)]
    assert rows(bind_values(ONE, x=[])) == []


def test_a_value_that_holds_another_marker_is_not_filled_in():
    # the second marker used to be replaced inside the first value's string too, which put the
    # second value's text outside any string: there, query text (here a BIND)
    x = ox.Literal("VALUES ?y { }")
    y = ox.Literal("'a' } BIND(<urn:injected> AS ?z) VALUES ?w { 'b'")
    query = bind_values(TWO, x=x, y=y)
    assert query == ('SELECT * { VALUES ?x { "VALUES ?y { }" } VALUES ?y { '
                     "\"'a' } BIND(<urn:injected> AS ?z) VALUES ?w { 'b'\" } }")
    assert rows(query) == [(x, y)]


def test_every_marker_of_a_name_is_filled():
    query = bind_values("SELECT * { { VALUES ?x { } } UNION { VALUES ?x { } } }", x="urn:a")
    assert query == "SELECT * { { VALUES ?x { <urn:a> } } UNION { VALUES ?x { <urn:a> } } }"


@pytest.mark.parametrize(("text", "name", "markers"), [
    ("SELECT * { }", "x", []),
    ("SELECT * { VALUES ?x {} }", "x", []),  # the marker is written with one space
    ("SELECT * { VALUES ?xy { } }", "x", ["xy"]),
    (TWO, "z", ["x", "y"]),
])
def test_a_value_without_its_marker_is_refused(text, name, markers):
    with pytest.raises(ValueError) as refused:
        bind_values(text, **{name: "urn:a"})
    assert str(refused.value) == f"the query's VALUES are {markers}, given ['{name}']"


def test_a_marker_left_without_a_value_is_refused():
    """An empty VALUES would silently answer nothing."""
    with pytest.raises(ValueError) as refused:
        bind_values(TWO, x="urn:a")
    assert str(refused.value) == "the query's VALUES are ['x', 'y'], given ['x']"


# -- terms from SPARQL JSON bindings ------------------------------------------------------------

@pytest.mark.parametrize(("binding", "term"), [
    ({"type": "uri", "value": "http://example.org/a"}, URIRef("http://example.org/a")),
    ({"type": "bnode", "value": "b0"}, BNode("b0")),
    ({"type": "literal", "value": "chat"}, Literal("chat")),
    ({"type": "literal", "value": "chat", "xml:lang": "fr"}, Literal("chat", lang="fr")),
    ({"type": "literal", "value": "42", "datatype": str(XSD.integer)},
     Literal("42", datatype=XSD.integer)),
    # SPARQL 1.0's form, which Virtuoso still writes
    ({"type": "typed-literal", "value": "1", "datatype": str(XSD.boolean)},
     Literal("1", datatype=XSD.boolean)),
    ({"type": "literal", "value": 'a "b"\nc'}, Literal('a "b"\nc')),
])
def test_a_binding_becomes_its_rdflib_term(binding, term):
    found = _term(binding)
    assert (type(found), str(found), found.language if isinstance(found, Literal) else None,
            found.datatype if isinstance(found, Literal) else None) == (
        type(term), str(term), term.language if isinstance(term, Literal) else None,
        term.datatype if isinstance(term, Literal) else None)


# -- serializations -----------------------------------------------------------------------------

def sample() -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    node = BNode()
    graph.add((ATLAS.MoralHazard, RDFS.label, Literal("Moral hazard", lang="en")))
    graph.add((ATLAS.MoralHazard, RDFS.comment, Literal('a "hidden"\naction')))
    graph.add((ATLAS.MoralHazard, RDFS.seeAlso, node))
    graph.add((node, ATLAS.rank, Literal("3", datatype=XSD.integer)))
    return graph


@pytest.mark.parametrize(("fmt", "parser"), [("turtle", "turtle"), ("ntriples", "nt"),
                                             ("rdfxml", "xml"), ("jsonld", "json-ld")])
def test_serialize_gives_the_same_graph_back(fmt, parser):
    body = serialize(sample(), fmt)
    assert isinstance(body, bytes)
    assert isomorphic(Graph().parse(data=body, format=parser), sample())


def test_json_ld_is_compacted_with_the_project_s_prefixes():
    document = json.loads(serialize(sample(), "jsonld"))
    assert document["@context"] == dict(PREFIXES)
    described = [n for n in document["@graph"] if n.get("@id") == "atlas:MoralHazard"]
    assert described[0]["rdfs:label"] == {"@language": "en", "@value": "Moral hazard"}


def test_turtle_uses_the_bound_prefixes():
    assert b"@prefix atlas: <https://w3id.org/llm-atlas/ontology/> ." in serialize(
        sample(), "turtle")


@pytest.mark.parametrize(("fmt", "error", "message"), [
    ("html", ValueError, "html is not an RDF format rdflib reads or writes"),
    ("json", ValueError, "json is not an RDF format rdflib reads or writes"),
    ("nope", KeyError, "unknown format 'nope'"),
])
def test_serialize_refuses_what_is_no_rdf_format(fmt, error, message):
    with pytest.raises(error, match=message):
        serialize(sample(), fmt)
