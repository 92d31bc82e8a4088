"""What the endpoint answers is what the store holds, and a client error is a 4xx saying so.

Route tests on the Flask test client over an empty in-memory store; the writers are also
checked on their own, since the remote store hands its engine's answers to the same ones.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from live import request as live_request
from llm_atlas import errors
from llm_atlas.config import Settings
from llm_atlas.store import make_store
from llm_atlas.store.remote.client import RemoteStore
from llm_atlas.store.results import encode_result, refuse_if_not_xml, write_solutions
from llm_atlas.web.app import create_app
from llm_atlas.web.errors import status_for

SRX = "{http://www.w3.org/2005/sparql-results#}"
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
TOKEN = "fidelity-token"
WRITE = {"Authorization": f"Bearer {TOKEN}"}
# a literal with every white-space character XML 1.0 carries: TAB, LF, CR (and CR LF)
SPACED = "a\tb\nc\rd\r\ne"
SPACED_QUERY = 'SELECT ?x { BIND("a\\tb\\nc\\rd\\r\\ne" AS ?x) }'


@pytest.fixture(scope="module")
def client():
    # the endpoint's public URL is the base of relative dataset IRIs (never the Host header)
    settings = Settings(memory=True, token=TOKEN, public_url="http://localhost/")
    store = make_store(settings, build_if_empty=False)
    app = create_app(settings, store=store)
    try:
        yield app.test_client()
    finally:
        store.close()


def ask(client, query: str, accept: str = JSON_RESULTS, **params):
    return client.get("/sparql", query_string={"query": query, **params},
                      headers={"Accept": accept})


def error_of(reply) -> tuple[int, str]:
    assert reply.content_type == "application/json"
    return reply.status_code, json.loads(reply.data)["error"]["message"]


def put_graph(client, iri: str, ntriples: str):
    return client.put("/store", query_string={"graph": iri}, data=ntriples.encode(),
                      headers={"Content-Type": "application/n-triples", **WRITE})


def xml_literals(body: bytes) -> list[str]:
    return [el.text or "" for el in ET.fromstring(body).iter(SRX + "literal")]


# -- SPARQL results XML and RDF/XML -----------------------------------------------------------

def test_xml_results_carry_cr_tab_and_lf_through_an_xml_parser(client):
    reply = ask(client, SPACED_QUERY, XML_RESULTS)
    assert reply.status_code == 200
    assert reply.content_type == "application/sparql-results+xml; charset=utf-8"
    assert xml_literals(reply.data) == [SPACED]


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"])
def test_a_character_xml_cannot_carry_gets_406_naming_it_and_json_still_works(client, char):
    query = f'SELECT ?x {{ BIND("a\\u{ord(char):04X}b" AS ?x) }}'
    status, message = error_of(ask(client, query, XML_RESULTS))
    assert status == 406
    assert f"U+{ord(char):04X}" in message and JSON_RESULTS in message
    reply = ask(client, query, JSON_RESULTS)
    assert reply.status_code == 200
    assert json.loads(reply.data)["results"]["bindings"] == [
        {"x": {"type": "literal", "value": f"a{char}b"}}]


def test_xml_answers_are_exact_on_every_backend(any_backend_server):
    def get(query: str):
        return live_request(f"{any_backend_server.url}/sparql?query={quote(query)}",
                            headers={"Accept": XML_RESULTS})

    reply = get(SPACED_QUERY)
    assert (reply.status, xml_literals(reply.body)) == (200, [SPACED])
    reply = get('SELECT ?x { BIND("a\\u0001b" AS ?x) }')
    assert reply.status == 406 and "U+0001" in json.loads(reply.body)["error"]["message"]


def test_rdf_xml_carries_cr_and_refuses_what_xml_cannot_carry(client):
    construct = 'CONSTRUCT {{ <urn:s> <urn:p> "{}" }} WHERE {{}}'
    reply = ask(client, construct.format("a\\r\\nb\\rc"), "application/rdf+xml")
    assert reply.status_code == 200
    got = Graph().parse(data=reply.data, format="xml")
    assert set(got) == {(URIRef("urn:s"), URIRef("urn:p"), Literal("a\r\nb\rc"))}
    status, message = error_of(ask(client, construct.format("a\\u0002b"), "application/rdf+xml"))
    assert (status, "U+0002" in message) == (406, True)


@pytest.mark.parametrize("char", ["\x00", "\x08"])
def test_the_results_writer_refuses_what_xml_cannot_carry(char):
    with pytest.raises(errors.ResultNotRepresentable, match=f"U\\+{ord(char):04X}"):
        write_solutions(["x"], [[ox.Literal(f"a{char}")]], "xml")


def test_a_lone_surrogate_is_refused_too():
    # pyoxigraph's terms cannot hold one; a str from elsewhere can
    with pytest.raises(errors.ResultNotRepresentable, match="U\\+D800"):
        refuse_if_not_xml("a\ud800")


def test_the_remote_store_writes_its_engine_s_answers_with_the_same_writer():
    engine_answer = json.dumps({"head": {"vars": ["x", "y"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": SPACED}}]}}).encode()
    remote = RemoteStore("http://127.0.0.1:9/sparql")  # never reached: only its writer is used
    kind, body = remote._encode(engine_answer, False, "xml", "turtle")
    assert (kind, xml_literals(body)) == ("solutions", [SPACED])
    unwritable = engine_answer.replace(b"\\r", b"\\u0001")
    with pytest.raises(errors.ResultNotRepresentable):
        remote._encode(unwritable, False, "xml", "turtle")


def test_a_result_over_the_row_limit_is_a_client_error_on_every_backend():
    """Both stores encode results with `encode_result`; what it raises past the limit is the one
    `errors.ResultTooLarge` the web layer's table maps (once a copy of it answered 500)."""
    store = ox.Store()
    for i in range(3):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/s{i}"),
                          ox.NamedNode("http://example.org/p"), ox.Literal(str(i))))
    with pytest.raises(errors.ResultTooLarge) as refused:
        encode_result(store.query("SELECT * { ?s ?p ?o }"), "json", "turtle", max_rows=2)
    assert type(refused.value) is errors.ResultTooLarge
    assert "more than 2 rows" in str(refused.value)
    assert status_for(refused.value) == 400


# -- extension functions, syntax errors -------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT (<http://example.org/f>(1) AS ?x) {}",
    "PREFIX ex: <http://example.org/>\nASK { FILTER(ex:f(1)) }",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(<http://example.org/f>(?o)) }",
])
def test_an_unsupported_extension_function_is_400_naming_it(client, query):
    accept = "text/turtle" if query.startswith("CONSTRUCT") else JSON_RESULTS
    status, message = error_of(ask(client, query, accept))
    assert status == 400
    assert "<http://example.org/f>" in message and "does not implement" in message


def test_an_unsupported_extension_function_is_400_on_every_backend(any_backend_server):
    reply = live_request(any_backend_server.url + "/sparql?query="
                         + quote("SELECT (<http://example.org/f>(1) AS ?x) {}"),
                         headers={"Accept": JSON_RESULTS})
    assert reply.status == 400, reply.body
    assert "<http://example.org/f>" in json.loads(reply.body)["error"]["message"]


def test_xsd_casts_are_functions_the_endpoint_has(client):
    reply = ask(client, 'SELECT (<http://www.w3.org/2001/XMLSchema#integer>("7") AS ?n) {}')
    assert json.loads(reply.data)["results"]["bindings"][0]["n"]["value"] == "7"


@pytest.mark.parametrize("body", [
    "The custom function <http://example.org/f> is not supported",  # Oxigraph's server
    "Virtuoso 42001 Error SR185: Undefined procedure DB.DBA.http://example.org/f.\\n\\nSPARQL",
])
def test_the_remote_store_maps_an_engine_s_500_for_a_missing_function_to_400(body):
    with pytest.raises(errors.UnsupportedFunction, match="<http://example.org/f>,") as caught:
        RemoteStore._raise_http(500, body)
    assert status_for(caught.value) == 400


def test_a_syntax_error_wins_over_an_unacceptable_format(client):
    status, message = error_of(ask(client, "CONSTRUCT WHERE { ?s ?p }", JSON_RESULTS))
    assert status == 400 and "error at 1:" in message
    status, _ = error_of(ask(client, "CONSTRUCT WHERE { ?s ?p ?o }", JSON_RESULTS))
    assert status == 406, "a valid CONSTRUCT asked for as results JSON is still 406"
    status, _ = error_of(ask(client, "SELECT * WHERE { ?s ?p", "text/turtle"))
    assert status == 400


# -- the dataset: relative IRIs, graphs the store does not hold --------------------------------

def test_relative_from_iris_resolve_against_base_or_the_endpoint(client):
    assert put_graph(client, "http://localhost/g-rel", '<urn:s> <urn:p> "endpoint" .\n'
                     ).status_code in (201, 204)
    assert put_graph(client, "http://example.org/data/g-rel", '<urn:s> <urn:p> "based" .\n'
                     ).status_code in (201, 204)

    def values(query: str) -> list[str]:
        reply = ask(client, query)
        assert reply.status_code == 200, reply.data
        return [b["o"]["value"] for b in json.loads(reply.data)["results"]["bindings"]]

    # the endpoint's public URL is the base (http://localhost/sparql here)
    assert values("SELECT ?o FROM <g-rel> { ?s ?p ?o }") == ["endpoint"]
    assert values("BASE <http://example.org/data/>\nSELECT ?o FROM <g-rel> { ?s ?p ?o }") == [
        "based"]
    assert values("BASE <http://example.org/>\nBASE <data/>\n"
                  "SELECT ?o FROM NAMED <g-rel> { GRAPH ?g { ?s ?p ?o } }") == ["based"]
    assert values("BASE <http://example.org/>\nPREFIX r: <data/>\n"
                  "SELECT ?o FROM r:g-rel { ?s ?p ?o }") == ["based"]


def test_a_dataset_iri_that_is_no_iri_is_400_naming_it(client):
    status, message = error_of(ask(client, "SELECT * FROM <http://[x/> {}"))
    assert status == 400 and message.startswith("FROM: <http://[x/> is not a valid IRI")
    status, message = error_of(ask(client, "ASK {}", **{"named-graph-uri": "a%zz"}))
    assert status == 400 and message.startswith("named-graph-uri: <a%zz> is not a valid IRI")


def test_a_prefixed_name_s_escapes_are_undone_in_from(client):
    assert put_graph(client, "http://example.org/a-b", "<urn:s> <urn:p> <urn:o> .\n"
                     ).status_code in (201, 204)
    reply = ask(client, "PREFIX ex: <http://example.org/>\nASK FROM ex:a\\-b { ?s ?p ?o }")
    assert json.loads(reply.data)["boolean"] is True


@pytest.mark.parametrize("dataset", [
    {"default-graph-uri": "http://example.org/not-held"},
    {"named-graph-uri": "http://example.org/not-held"},
    {"default-graph-uri": "http://example.org/not-held",
     "named-graph-uri": "http://example.org/not-held-either"},
])
def test_a_protocol_graph_the_store_does_not_hold_is_an_empty_graph(client, dataset):
    assert put_graph(client, "http://example.org/held", "<urn:s> <urn:p> <urn:o> .\n"
                     ).status_code in (201, 204)
    reply = ask(client, "SELECT * { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", **dataset)
    assert reply.status_code == 200, reply.data
    assert json.loads(reply.data)["results"]["bindings"] == []
    assert json.loads(ask(client, "ASK {}", **dataset).data)["boolean"] is True


def test_graphs_not_held_add_nothing_beside_graphs_held(client):
    assert put_graph(client, "http://example.org/held", "<urn:s> <urn:p> <urn:o> .\n"
                     ).status_code in (201, 204)
    reply = ask(client, "SELECT ?o { ?s ?p ?o }",
                **{"default-graph-uri": ["http://example.org/held", "http://example.org/nope"]})
    assert json.loads(reply.data)["results"]["bindings"] == [
        {"o": {"type": "uri", "value": "urn:o"}}]
    reply = ask(client, "SELECT ?o FROM <http://example.org/nope> FROM <http://example.org/held> "
                        "{ ?s ?p ?o }")
    assert json.loads(reply.data)["results"]["bindings"] == [
        {"o": {"type": "uri", "value": "urn:o"}}]


# -- answers without a body --------------------------------------------------------------------

def test_answers_without_a_body_carry_no_content_type(client):
    graph = "http://example.org/typed-nothing"
    created = put_graph(client, graph, "<urn:s> <urn:p> <urn:o> .\n")
    replaced = put_graph(client, graph, "<urn:s> <urn:p> <urn:o2> .\n")
    posted = client.post("/store", data=b"<urn:s> <urn:p> <urn:o> .\n",
                         headers={"Content-Type": "application/n-triples", **WRITE})
    deleted = client.delete("/store", query_string={"graph": graph}, headers=WRITE)
    updated = client.post("/sparql/update", data=b"INSERT DATA { <urn:a> <urn:b> <urn:c> }",
                          headers={"Content-Type": "application/sparql-update", **WRITE})
    answers = [created, replaced, posted, deleted, updated]
    assert [r.status_code for r in answers] == [201, 204, 201, 204, 204]
    assert [(r.data, r.headers.get("Content-Type")) for r in answers] == [(b"", None)] * 5
    assert posted.headers["Location"].startswith("http://localhost/store/")
