"""Property-based fuzzing of /sparql, /validate, /annotations, the named questions and the CLI's
parsers: whatever comes in, the answer is a 4xx in the one error shape or a 200 whose body
parses in the format its Content-Type names (and equals the engine's own answer where the
query is a known one); nothing is written by a refused request. In-process through Flask's
test client (fast), and a sample through a real server. Derandomized, bounded examples."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st
from rdflib import Graph

from fuzz_strategies import VALID_QUERIES, fuzz, rdf_documents, sparql_requests
from live import request
from llm_atlas.cli import main
from llm_atlas.cli.query import QueryInputError, query_text
from llm_atlas.config import Settings
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.core.sparql.queries import (
    bind,
    load_named_queries,
    parse_named_query,
)
from llm_atlas.errors import AtlasError, ParameterError, QueryHeaderError
from llm_atlas.namespaces import PREFIXES

pytestmark = pytest.mark.slow
TOKEN = "fuzz-token"
RDF_PARSERS = {"text/turtle": "turtle", "application/n-triples": "nt",
               "application/rdf+xml": "xml", "application/ld+json": "json-ld"}
NAMED = {q.name: q for q in load_named_queries()}


@pytest.fixture(scope="module")
def app():
    from llm_atlas.web.app import create_app

    built = create_app(Settings(memory=True, token=TOKEN))
    yield built
    built.extensions["llm_atlas"].store.close()


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def wire(text: str) -> bytes:
    """Text as the bytes a client would send (lone surrogates become invalid UTF-8)."""
    return text.encode("utf-8", "surrogatepass")


def header(text: str) -> str:
    """A header value as a WSGI server hands it on: the wire bytes read as Latin-1."""
    return wire(text).replace(b"\r", b"").replace(b"\n", b"").decode("latin-1")


def check_answer(status: int, content_type: str, body: bytes) -> str:
    """4xx in the error shape, or a 200 body that parses as its type; the media type."""
    media = content_type.split(";")[0].strip()
    assert status < 500, (status, body[:300])
    if status >= 400:
        if media == "application/json":
            assert json.loads(body)["error"]["status"] == status
        else:
            assert media == "text/html", (status, content_type)
        return media
    assert status in (200, 201), status
    if media in ("application/sparql-results+json", "application/json"):
        json.loads(body)
    elif media == "application/sparql-results+xml":
        ET.fromstring(body)
    elif media in ("text/csv", "text/tab-separated-values", "text/html"):
        body.decode("utf-8")
    else:
        assert media in RDF_PARSERS, content_type
        Graph().parse(data=body, format=RDF_PARSERS[media])
    return media


def canonical_json(body: bytes):
    data = json.loads(body)
    if "boolean" in data:
        return data["boolean"]
    return sorted(json.dumps(b, sort_keys=True) for b in data["results"]["bindings"])


def send_sparql(client, req: dict):
    query_string = urlencode([(k, wire(v)) for k, v in req["params"]])
    headers = {"Accept": header(req["accept"])}
    how = req["how"]
    if how == "POST-form":
        return client.post("/sparql", data=query_string.encode(), headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"})
    if how == "POST-direct":
        return client.post("/sparql", data=wire(req["text"]), headers={
            **headers, "Content-Type": "application/sparql-query"})
    if how == "POST-other":
        return client.post("/sparql", data=wire(req["text"]),
                           headers={**headers, "Content-Type": "text/plain"})
    method = "GET" if how == "GET" else how
    return client.open("/sparql?" + query_string, method=method, headers=headers)


@fuzz(300)
@given(req=sparql_requests())
def test_sparql_answers_4xx_or_a_result_that_parses(app, client, req, figures):
    store = app.extensions["llm_atlas"].store
    before = store.size()
    reply = send_sparql(client, req)
    figures.sent(reply.status_code)
    media = check_answer(reply.status_code, reply.content_type, reply.data)
    params = dict(req["params"])
    if (reply.status_code == 200 and media == "application/sparql-results+json"
            and req["text"] in VALID_QUERIES and req["how"] == "GET"
            and not any(k.endswith("graph-uri") for k, _ in req["params"])
            and params.get("query") == req["text"]):
        _, direct = store.query(req["text"], solution_format="json")
        assert canonical_json(reply.data) == canonical_json(direct)
        figures.checked("fuzzed answers equal to the engine's")
    assert store.size() == before
    figures.checked("fuzzed requests answered in shape")


@fuzz(60)
@given(doc=rdf_documents(), accept=st.sampled_from(["application/json", "text/turtle",
                                                    "text/html", "image/png", "*/*"]))
def test_validate_answers_4xx_or_a_report_and_never_writes(app, client, doc, accept, figures):
    store = app.extensions["llm_atlas"].store
    before = store.size()
    body, ctype = doc
    reply = client.post("/validate", data=body, headers={"Content-Type": header(ctype),
                                                         "Accept": accept})
    figures.sent(reply.status_code)
    media = check_answer(reply.status_code, reply.content_type, reply.data)
    if reply.status_code == 200 and media == "application/json":
        assert isinstance(json.loads(reply.data)["conforms"], bool)
    assert store.size() == before
    figures.checked("fuzzed requests answered in shape")


@fuzz(40)
@given(doc=rdf_documents())
def test_annotations_store_only_what_they_acknowledge(app, client, doc, figures):
    store = app.extensions["llm_atlas"].store
    before = store.size()
    body, ctype = doc
    reply = client.post("/annotations", data=body, headers={
        "Content-Type": header(ctype), "Accept": "application/json",
        "Authorization": f"Bearer {TOKEN}"})
    figures.sent(reply.status_code)
    check_answer(reply.status_code, reply.content_type, reply.data)
    if reply.status_code == 201:
        slug = reply.headers["Location"].rsplit("/", 1)[1]
        stored = client.get(f"/annotations/{slug}", headers={"Accept": "text/turtle"})
        assert stored.status_code == 200
        assert store.size() > before
        figures.checked("fuzzed submissions acknowledged and stored")
    else:
        assert store.size() == before
    figures.checked("fuzzed requests answered in shape")


param_values = st.sampled_from(["atlas:MoralHazard", "atlas:", ":x", "urn:a", "http://a b",
                                "urn:a\x01b", "atlas:a\x7fb", "atlas:\x00", "http://a/\x85",
                                "2024", "-1", "x" * 3000, "", "<urn:a>",
                                "atlas:Moral Hazard", "atlas:a#b"]) | st.text(max_size=40)


@fuzz(150)
@given(name=st.sampled_from(sorted(NAMED)), values=st.dictionaries(
    st.sampled_from(["problem", "phase", "term", "mechanism", "method", "year", "x", "format"]),
    param_values, max_size=3))
def test_named_questions_bind_a_parameter_or_refuse_it_with_400(client, name, values, figures):
    reply = client.get(f"/queries/{name}?" + urlencode({k: wire(v) for k, v in values.items()}),
                       headers={"Accept": "application/sparql-results+json"})
    figures.sent(reply.status_code)
    check_answer(reply.status_code, reply.content_type, reply.data)
    figures.checked("fuzzed requests answered in shape")


@fuzz(200)
@given(text=st.none() | st.text(max_size=60), name=st.none() | st.sampled_from(
    [*sorted(NAMED), "nope", ""]), params=st.lists(st.text(max_size=30) | st.builds(
        lambda k, v: f"{k}={v}", st.sampled_from(["problem", "phase", "term", "year", "x"]),
        param_values), max_size=3))
def test_cli_query_input_is_a_query_the_engine_parses_or_a_clear_error(text, name, params):
    try:
        sparql = query_text(text, None, name, tuple(params), find_sources().queries_dir)
    except (QueryInputError, AtlasError):
        return
    if name:  # what binding produced must be a query the engine accepts
        ox.Store().query(sparql)


@fuzz(150)
@given(name=st.sampled_from(sorted(n for n, q in NAMED.items() if q.params)), value=param_values)
@example(name="annotations-by-status", value="atlas:a\x7fb")  # found: DEL passed as an IRI
def test_a_bound_parameter_is_a_query_the_engine_parses_or_a_parameter_error(name, value):
    for param in NAMED[name].params:
        try:
            sparql = bind(NAMED[name], {param.name: value}, PREFIXES)
        except ParameterError:
            continue
        ox.Store().query(sparql)


@fuzz(100)
@given(header_lines=st.lists(st.text(max_size=40) | st.sampled_from([
    "# title: T", "# question: Q?", "# param: x iri atlas:RLHF  text", "# param: x nope",
    "# param:", "#title:", "# param: x integer abc", "#"]), max_size=6),
    raw=st.binary(max_size=40))
@example(header_lines=[], raw=b"\x80")  # found: a file that is not UTF-8 raised UnicodeDecodeError
def test_rq_headers_parse_or_raise_a_header_error(tmp_path_factory, header_lines, raw):
    path = tmp_path_factory.mktemp("rq") / "fuzzed.rq"
    path.write_bytes(wire("\n".join(header_lines)) + b"\n" + raw + b"\nSELECT * { ?s ?p ?o }")
    try:
        named = parse_named_query(path)
    except QueryHeaderError:
        return
    assert named.title and named.question


@fuzz(40)
@given(args=st.lists(st.sampled_from([
    "--name", "--param", "--format", "--file", "table", "json", "csv", "turtle", "nope",
    "phases-in-order", "term-description", "term=atlas:RLHF", "term", "=", "SELECT * {}",
    "ASK {}", "SELEC", "SERVICE", "{", "--endpoint"]) | st.text(max_size=15), max_size=5))
@example(args=["0"])  # found: SPARQLWrapper's warning, then a traceback for the endpoint's 400
@example(args=["SELECT * {"])
def test_the_query_command_exits_0_1_or_2_with_a_message_never_a_traceback(server, args,
                                                                           figures):
    """Run through a real server (--endpoint) so no command opens a local store."""
    result = CliRunner().invoke(main, ["query", "--endpoint", server.url + "/sparql", *args])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), result.output)
    if result.exit_code != 0:
        assert "error" in result.output.lower() or "usage" in result.output.lower()
    figures.checked("fuzzed command lines")


@fuzz(15)
@given(doc=rdf_documents(), suffix=st.sampled_from([".ttl", ".jsonld", ".rdf", ".nt", ".nq",
                                                    ".trig", ".txt", ""]))
def test_the_validate_command_exits_0_1_or_2_never_a_traceback(tmp_path_factory, doc, suffix,
                                                               figures):
    path = tmp_path_factory.mktemp("validate") / f"doc{suffix}"
    path.write_bytes(doc[0])
    result = CliRunner().invoke(main, ["validate", "--report", "json", str(path)])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception), result.output)
    figures.checked("fuzzed command lines")


@fuzz(60)
@given(req=sparql_requests())
def test_a_real_server_answers_fuzzed_queries_in_shape(server, req, figures):
    query_string = urlencode([(k, wire(v)) for k, v in req["params"]])
    accept = wire(req["accept"]).replace(b"\r", b"").replace(b"\n", b"")
    how = req["how"]
    if how == "POST-direct":
        reply = request(server.url + "/sparql", "POST", wire(req["text"]), {
            "Accept": accept, "Content-Type": "application/sparql-query"})
    elif how == "POST-form":
        reply = request(server.url + "/sparql", "POST", query_string.encode(), {
            "Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    else:
        method = "GET" if how in ("GET", "POST-other") else how
        reply = request(f"{server.url}/sparql?{query_string}", method,
                        headers={"Accept": accept})
    figures.sent(reply.status)
    if not reply.body and "content-type" not in reply.headers:
        # Granian refused it before the app (a control character in a header, say)
        assert reply.status == 400, reply.status
    else:
        check_answer(reply.status, reply.content_type, reply.body)
    figures.checked("fuzzed requests answered in shape")
