"""The rest of the HTTP surface on a real server: page, VoID, health, CORS, tokens, errors."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import VOID, XSD

from live import Server, request
from llm_atlas.core.knowledge.layout import shipped_graphs

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
QUERY = ("SELECT ?phase ?order WHERE { ?phase <https://w3id.org/llm-atlas/ontology/phaseOrder>"
         " ?order } ORDER BY ?order")


class Tables(HTMLParser):
    """Collects the text of every table cell and the ids of elements."""

    def __init__(self):
        super().__init__()
        self.rows, self.ids, self._row, self._cell = [], set(), None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._row is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr":
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def parse_html(body: bytes) -> Tables:
    parser = Tables()
    parser.feed(body.decode())
    return parser


def test_browser_gets_a_query_page_with_the_named_questions(server):
    reply = request(server.url + "/sparql", headers={"Accept": BROWSER})
    assert reply.status == 200
    assert reply.content_type == "text/html; charset=utf-8"
    page = parse_html(reply.body)
    assert {"query", "query-form", "run", "examples"} <= page.ids
    assert "mechanisms-for-problem-in-phase" in reply.body.decode()
    assert "http://" not in reply.body.decode().split("<main>")[0].replace(
        'xmlns="http://www.w3.org', ""), "no asset may come from the internet"


def test_browser_query_shows_the_same_rows_as_json(server):
    json_reply = request(f"{server.url}/sparql?{urlencode({'query': QUERY})}",
                         headers={"Accept": "application/sparql-results+json"})
    bindings = json.loads(json_reply.body)["results"]["bindings"]
    page = parse_html(request(f"{server.url}/sparql?{urlencode({'query': QUERY})}",
                              headers={"Accept": BROWSER}).body)
    assert page.rows[0] == ["phase", "order"]
    assert page.rows[1:] == [[b["phase"]["value"], b["order"]["value"]] for b in bindings]
    assert len(page.rows) == 5


def test_browser_query_error_is_shown_on_the_page(server):
    reply = request(f"{server.url}/sparql?{urlencode({'query': 'SELEC'})}",
                    headers={"Accept": BROWSER})
    assert reply.status == 400
    assert "error" in parse_html(reply.body).ids


def test_void_counts_equal_the_built_graphs(server, sources):
    parts = shipped_graphs(sources)
    expected_triples = sum(len(p.triples) for p in parts) + len(parts)  # + the build manifest
    reply = request(server.url + "/void", headers={"Accept": "text/turtle"})
    assert reply.status == 200 and reply.content_type == "text/turtle; charset=utf-8"
    void = Graph().parse(data=reply.body, format="turtle")
    dataset = URIRef(server.url + "/void#dataset")
    assert void.value(dataset, VOID.triples) == Literal(expected_triples, datatype=XSD.integer)
    union = Graph()
    for part in parts:
        for t in part.triples:
            union.add(tuple(_rdflib(x) for x in (t.subject, t.predicate, t.object)))
    classes = {o for o in union.objects(None, URIRef(
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"))}
    assert int(void.value(dataset, VOID.classes)) == len(classes)
    partitions = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
                  for p in void.objects(dataset, VOID.classPartition)}
    paper = URIRef("https://w3id.org/llm-atlas/ontology/Paper")
    assert partitions[paper] == len(set(union.subjects(
        URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), paper)))


def _rdflib(term):
    import pyoxigraph as ox
    from rdflib import BNode

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    return Literal(term.value, lang=term.language,
                   datatype=None if term.language else URIRef(term.datatype.value))


def test_health_reports_the_engine(server):
    reply = request(server.url + "/health")
    assert reply.status == 200 and reply.content_type == "application/json"
    health = json.loads(reply.body)
    assert health["status"] == "ok" and health["backend"] == "oxigraph-embedded"


def test_reads_allow_any_origin(server):
    reply = request(server.url + "/sparql?" + urlencode({"query": "ASK {}"}),
                    headers={"Origin": "http://example.org"})
    assert reply.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize(("headers", "status", "message"), [
    ({}, 401, "needs the header"),
    ({"Authorization": "Bearer wrong"}, 401, "not valid"),
    ({"Authorization": "Basic dGVzdA=="}, 401, "needs the header"),
])
def test_writes_without_the_right_token_are_refused_and_change_nothing(server, headers, status,
                                                                      message):
    update = b"INSERT DATA { GRAPH <urn:g:intruder> { <urn:a> <urn:b> <urn:c> } }"
    for url, body, ctype, method in [
        ("/sparql/update", update, "application/sparql-update", "POST"),
        ("/store?graph=urn:g:intruder", b"<urn:a> <urn:b> <urn:c> .", "application/n-triples",
         "PUT"),
        ("/store?graph=urn:g:intruder", None, None, "DELETE"),
    ]:
        reply = request(server.url + url, method, body,
                        {**headers, **({"Content-Type": ctype} if ctype else {})})
        assert reply.status == status
        assert message in json.loads(reply.body)["error"]["message"]
        assert reply.headers["www-authenticate"].startswith("Bearer")
    ask = request(f"{server.url}/sparql?" + urlencode(
        {"query": "ASK { GRAPH <urn:g:intruder> { ?s ?p ?o } }"}),
        headers={"Accept": "application/sparql-results+json"})
    assert json.loads(ask.body)["boolean"] is False


def test_a_server_without_a_token_is_read_only(tmp_path):
    running = Server(tmp_path, "--memory", token=None)
    try:
        reply = request(running.url + "/sparql/update", "POST", b"CLEAR ALL",
                        {"Content-Type": "application/sparql-update",
                         "Authorization": "Bearer anything"})
        assert reply.status == 403
        assert "read-only" in json.loads(reply.body)["error"]["message"]
        count = request(f"{running.url}/sparql?" + urlencode(
            {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}),
            headers={"Accept": "application/sparql-results+json"})
        assert int(json.loads(count.body)["results"]["bindings"][0]["n"]["value"]) > 3000
    finally:
        running.stop()


@pytest.mark.parametrize(("method", "headers", "body", "status"), [
    ("POST", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("POST", {}, b"query=ASK%20%7B%7D", 415),
    ("GET", {"Accept": "image/png"}, None, 406),
    ("DELETE", {}, None, 405),
])
def test_errors_have_the_one_error_shape(server, method, headers, body, status):
    url = server.url + "/sparql" + ("?query=ASK%20%7B%7D" if method == "GET" else "")
    reply = request(url, method, body, headers)
    assert reply.status == status
    assert reply.content_type == "application/json"
    error = json.loads(reply.body)["error"]
    assert error["status"] == status and error["message"]
