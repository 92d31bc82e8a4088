"""The result writers on their own (store/results.py): what each writes is read back by a reader
that is not ours (rdflib's SPARQL result parsers, pyoxigraph's, the csv, json and xml.etree
modules) and compared exactly; graphs are compared by isomorphism."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from llm_atlas import errors
from llm_atlas.store.results import (
    encode_result,
    refuse_if_not_xml,
    write_boolean,
    write_graph,
    write_solutions,
)

XSD = "http://www.w3.org/2001/XMLSchema#"
SRX = "{http://www.w3.org/2005/sparql-results#}"
ITS_DIR = "{http://www.w3.org/2005/11/its}dir"
EX = "http://example.org/"


def typed(value: str, datatype: str) -> ox.Literal:
    return ox.Literal(value, datatype=ox.NamedNode(datatype))


# name -> a term every result format carries (XML 1.0 too)
TERMS = {
    "iri": ox.NamedNode(EX + "a?b=1&c=2#é"),
    "blank node": ox.BlankNode("b0"),
    "plain literal": ox.Literal("chat"),
    "xsd:string is a plain literal": typed("chat", XSD + "string"),
    "language": ox.Literal("chat", language="fr"),
    "language with a region": ox.Literal("colour", language="en-gb"),
    "integer": typed("42", XSD + "integer"),
    "double": typed("-1500.0", XSD + "double"),  # (rdflib rewrites other forms)
    "boolean": typed("true", XSD + "boolean"),
    "date": typed("2026-11-26", XSD + "date"),
    "datatype with & and query": typed("x", EX + "dt?a=1&b=2"),
    "quotes, tab and line breaks": ox.Literal('say "hi"\nand\r\nbye\tnow\r'),
    "comma, backslash, markup": ox.Literal("a,b \\ <c> & 'd' ]]>"),
    "astral and combining characters": ox.Literal("😀 nai\u0308ve"),
    "empty string": ox.Literal(""),
}
NAMES = list(TERMS)


def as_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal):
    """The rdflib term a reader should give back for a pyoxigraph term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == XSD + "string":
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def exactly(term) -> tuple | None:
    """A term with everything that tells terms apart (rdflib's == forgives some differences)."""
    if term is None:
        return None
    return type(term).__name__, str(term), getattr(term, "language", None), getattr(
        term, "datatype", None)


def read_back(body: bytes, fmt: str) -> tuple[list[str], list[list]]:
    """Variables and rows as rdflib reads them."""
    result = Result.parse(io.BytesIO(body), format=fmt)
    return [str(v) for v in result.vars], [[exactly(t) for t in row] for row in result]


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
@pytest.mark.parametrize("name", NAMES)
def test_a_term_comes_back_exactly(name, fmt):
    term = TERMS[name]
    body = write_solutions(["x", "y"], [[term, None], [None, term]], fmt)
    expected = exactly(as_rdflib(term))
    assert read_back(body, fmt) == (["x", "y"], [[expected, None], [None, expected]])


@pytest.mark.parametrize("name", NAMES)
def test_csv_gives_each_term_s_string(name):
    term = TERMS[name]
    body = write_solutions(["x", "y"], [[term, None]], "csv")
    text = "_:" + term.value if isinstance(term, ox.BlankNode) else term.value
    assert body.endswith(b"\r\n")
    assert list(csv.reader(io.StringIO(body.decode(), newline=""))) == [["x", "y"], [text, ""]]


def test_json_writes_the_spec_s_objects_exactly():
    rows = [[TERMS["iri"], TERMS["blank node"], TERMS["language"], TERMS["integer"],
             TERMS["xsd:string is a plain literal"]], [None, None, None, None, None]]
    body = write_solutions(["i", "b", "l", "n", "s"], rows, "json")
    assert json.loads(body) == {"head": {"vars": ["i", "b", "l", "n", "s"]}, "results": {
        "bindings": [{"i": {"type": "uri", "value": EX + "a?b=1&c=2#é"},
                      "b": {"type": "bnode", "value": "b0"},
                      "l": {"type": "literal", "value": "chat", "xml:lang": "fr"},
                      "n": {"type": "literal", "value": "42", "datatype": XSD + "integer"},
                      "s": {"type": "literal", "value": "chat"}},
                     {}]}}
    assert "é".encode() in body  # UTF-8, not \u escapes


def test_no_variables_and_no_rows():
    assert json.loads(write_solutions([], [], "json")) == {"head": {"vars": []},
                                                          "results": {"bindings": []}}
    xml = ET.fromstring(write_solutions([], [[]], "xml"))
    assert [e.tag for e in xml.iter()] == [f"{SRX}{t}" for t in ("sparql", "head", "results",
                                                                  "result")]
    assert write_solutions(["a", "b"], [], "csv") == b"a,b\r\n"
    assert write_solutions(["a", "b"], [], "tsv") == b"?a\t?b\n"


# -- characters XML 1.0 cannot carry --------------------------------------------------------------

CONTROLS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1f", "\ud800", "\udfff",
            "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", CONTROLS, ids=lambda c: f"U+{ord(c):04X}")
def test_refuse_if_not_xml_names_the_character(char):
    with pytest.raises(errors.ResultNotRepresentable) as refused:
        refuse_if_not_xml(f"ok {char} ok", "RDF/XML")
    assert str(refused.value).startswith(
        f"the result holds the character U+{ord(char):04X}, which RDF/XML (XML 1.0) cannot carry")
    assert "application/sparql-results+json" in str(refused.value)


@pytest.mark.parametrize("text", ["\t\n\r", "\x7f\x85\x9f", "\ud7ff\ue000\ufffd", "😀", ""],
                         ids=["xml-white-space", "del-and-c1", "edges-of-the-bmp", "astral",
                              "empty"])
def test_refuse_if_not_xml_lets_xml_characters_through(text):
    refuse_if_not_xml(text)


@pytest.mark.parametrize("term", [
    ox.Literal("a\x01b"), ox.Literal("a\x01b", language="en"), typed("a\x01b", EX + "dt"),
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("a\x01b")),
], ids=["plain", "language", "datatype", "inside-a-triple-term"])
def test_xml_results_refuse_a_character_xml_cannot_carry_wherever_it_is(term):
    with pytest.raises(errors.ResultNotRepresentable, match="U\\+0001, which SPARQL results XML"):
        write_solutions(["x"], [[term]], "xml")


def test_xml_carries_del_and_c1_controls():
    body = write_solutions(["x"], [[ox.Literal("\x7f\x85\x9f")]], "xml")
    assert read_back(body, "xml") == (["x"], [[exactly(Literal("\x7f\x85\x9f"))]])


@pytest.mark.parametrize("fmt", ["json", "tsv"])
def test_json_and_tsv_carry_control_characters(fmt):
    text = "".join(c for c in CONTROLS if not 0xD800 <= ord(c) <= 0xDFFF) + "\x7f\x85"
    body = write_solutions(["x"], [[ox.Literal(text)]], fmt)
    # rdflib's TSV reader knows no \u escapes: pyoxigraph's reads it
    reader = ox.QueryResultsFormat.JSON if fmt == "json" else ox.QueryResultsFormat.TSV
    [solution] = list(ox.parse_query_results(body, format=reader))
    assert solution["x"] == ox.Literal(text)


# -- RDF 1.2: triple terms and directional language strings -----------------------------------

NESTED = ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"),
                   ox.Triple(ox.BlankNode("b"), ox.NamedNode(EX + "q"),
                             ox.Literal("o\tx", language="en")))
RTL = ox.Literal("مرحبا", language="ar", direction=ox.BaseDirection.RTL)


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_triple_terms_and_base_directions_come_back_exactly(fmt):
    body = write_solutions(["t", "d"], [[NESTED, RTL]], fmt)
    reader = ox.QueryResultsFormat.from_media_type({
        "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
        "tsv": "text/tab-separated-values"}[fmt])
    [solution] = list(ox.parse_query_results(body, format=reader))
    assert (solution["t"], solution["d"]) == (NESTED, RTL)


def test_json_writes_triple_terms_and_directions_as_oxigraph_does():
    store = ox.Store()
    query = ('SELECT ?t ?d { BIND(<<( <http://example.org/s> <http://example.org/p> '
             '<<( <http://example.org/b> <http://example.org/q> "o\\tx"@en )>> )>> AS ?t) '
             'BIND(STRLANGDIR("x", "en", "rtl") AS ?d) }')
    oxigraph = json.loads(store.query(query).serialize(format=ox.QueryResultsFormat.JSON))
    ours = json.loads(encode_result(store.query(query), "json", "turtle", 10)[1])
    assert ours == oxigraph
    assert ours["results"]["bindings"][0]["d"] == {"type": "literal", "value": "x",
                                                    "xml:lang": "en", "its:dir": "rtl"}


def test_xml_writes_a_base_direction_as_its_dir():
    body = write_solutions(["d"], [[RTL]], "xml")
    literal = ET.fromstring(body).find(f"{SRX}results/{SRX}result/{SRX}binding/{SRX}literal")
    assert literal.text == "مرحبا"
    assert literal.get("{http://www.w3.org/XML/1998/namespace}lang") == "ar"
    assert literal.get(ITS_DIR) == "rtl"


def test_tsv_writes_a_triple_term_as_one_cell():
    assert write_solutions(["t", "d"], [[NESTED, RTL]], "tsv").decode() == (
        "?t\t?d\n<<( <http://example.org/s> <http://example.org/p> <<( _:b "
        '<http://example.org/q> "o\\tx"@en )>> )>>\t"مرحبا"@ar--rtl\n')


# -- ASK ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", [True, False])
def test_booleans(value):
    for fmt in ("json", "xml"):
        assert Result.parse(io.BytesIO(write_boolean(value, fmt)), format=fmt).askAnswer is value
    assert json.loads(write_boolean(value, "json")) == {"head": {}, "boolean": value}
    text = b"true\n" if value else b"false\n"
    assert (write_boolean(value, "csv"), write_boolean(value, "tsv")) == (text, text)


@pytest.mark.parametrize(("write", "fmt", "message"), [
    (lambda f: write_solutions(["x"], [], f), "turtle", "unknown solution format 'turtle'"),
    (lambda f: write_solutions(["x"], [], f), "nope", "unknown solution format 'nope'"),
    (lambda f: write_boolean(True, f), "html", "unknown boolean format 'html'"),
    (lambda f: write_graph([], f), "json", "'json' is not an RDF format"),
    (lambda f: write_graph([], f), "html", "'html' is not an RDF format"),
])
def test_a_format_of_the_wrong_kind_is_a_value_error(write, fmt, message):
    with pytest.raises(ValueError) as refused:
        write(fmt)
    assert str(refused.value) == message


# -- graphs -------------------------------------------------------------------------------------

TRIPLES = [
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("a\r\nb\t\"c\"")),
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("chat", language="fr")),
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "n"), typed("42", XSD + "integer")),
    ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "q"), ox.BlankNode("x")),
    ox.Triple(ox.BlankNode("x"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o")),
]


def expected_graph() -> Graph:
    graph = Graph()
    for t in TRIPLES:
        graph.add((as_rdflib(t.subject), as_rdflib(t.predicate), as_rdflib(t.object)))
    return graph


@pytest.mark.parametrize(("fmt", "parser"), [("turtle", "turtle"), ("ntriples", "nt"),
                                             ("rdfxml", "xml"), ("jsonld", "json-ld")])
def test_a_graph_comes_back_isomorphic(fmt, parser):
    body = write_graph(TRIPLES, fmt)
    assert isomorphic(Graph().parse(data=body, format=parser), expected_graph())


def test_prefixes_are_written_where_the_syntax_has_them():
    prefixes = {"ex": EX}
    turtle = write_graph(TRIPLES, "turtle", prefixes)
    assert b"@prefix ex: <http://example.org/> ." in turtle
    assert isomorphic(Graph().parse(data=turtle, format="turtle"), expected_graph())
    assert write_graph(TRIPLES, "ntriples", prefixes) == write_graph(TRIPLES, "ntriples")


# rdflib's own TriG and N-Quads parsers call its deprecated Dataset.default_context
@pytest.mark.filterwarnings("ignore:Dataset.default_context is deprecated:DeprecationWarning")
@pytest.mark.parametrize(("fmt", "parser"), [("trig", "trig"), ("nquads", "nquads")])
def test_quads_come_back_in_their_graphs(fmt, parser):
    quads = [ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(EX + "g")) for t in TRIPLES]
    dataset = Dataset().parse(data=write_graph(quads, fmt), format=parser)
    assert isomorphic(dataset.graph(URIRef(EX + "g")), expected_graph())


def test_rdf_xml_keeps_a_carriage_return_and_refuses_what_xml_cannot_carry():
    body = write_graph(TRIPLES, "rdfxml")
    assert b"\r" not in body and b"&#13;" in body
    with pytest.raises(errors.ResultNotRepresentable, match=r"U\+000C, which RDF/XML"):
        write_graph([ox.Triple(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"),
                               ox.Literal("form\x0cfeed"))], "rdfxml")


def test_an_empty_graph_is_an_empty_body():
    assert write_graph([], "ntriples") == b""


# -- encode_result and the row limit ------------------------------------------------------------

@pytest.fixture(scope="module")
def store() -> ox.Store:
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                          typed(str(i), XSD + "integer")))
    return store


SELECT = "SELECT ?s ?o { ?s ?p ?o } ORDER BY ?o"
CONSTRUCT = "CONSTRUCT { ?s ?p ?o } { ?s ?p ?o }"


def test_encode_result_gives_kind_and_body(store):
    kind, body = encode_result(store.query(SELECT), "csv", "ntriples", 3)
    assert (kind, body.decode()) == ("solutions", "s,o\r\n" + "".join(
        f"{EX}s{i},{i}\r\n" for i in range(3)))
    assert encode_result(store.query("ASK { ?s ?p 2 }"), "json", "turtle", 0) == (
        "boolean", b'{"head": {}, "boolean": true}')
    kind, body = encode_result(store.query(CONSTRUCT), "json", "ntriples", 3)
    assert kind == "graph"
    assert sorted(body.decode().splitlines()) == [
        f'<{EX}s{i}> <{EX}p> "{i}"^^<{XSD}integer> .' for i in range(3)]


@pytest.mark.parametrize("query", [SELECT, CONSTRUCT], ids=["select", "construct"])
def test_one_row_past_the_limit_is_refused_not_cut(store, query):
    with pytest.raises(errors.ResultTooLarge) as refused:
        encode_result(store.query(query), "json", "ntriples", 2)
    assert str(refused.value) == ("the result has more than 2 rows, the limit of this "
                                  "endpoint; add LIMIT and OFFSET to page through it")
