"""The W3C SPARQL 1.1 Protocol, Service Description and Graph Store Protocol manifests, driven
against a real server started on a free loopback port with a throwaway store, on each backend.

The Graph Store tests empty the store before each test, so this module has engines of its own
(an empty one: no test here reads the shipped knowledge)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS

from backends import BACKENDS, service_on
from live import Server, request

# W3C's manifests, copied into the repository (see the folder's README.md and LICENSE.md)
SUITE = Path(__file__).resolve().parent / "data" / "w3c-sparql11"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

STATUS_CODES = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
RDF_TYPES = {"text/turtle": "turtle", "application/rdf+xml": "xml",
             "application/n-triples": "nt", "application/ld+json": "json-ld"}


def manifest(path: Path) -> tuple[Graph, list]:
    """A manifest's graph (with its included manifests merged) and its entries in order."""
    graph = Graph().parse(path, format="turtle")
    root = next(graph.subjects(RDF.type, MF.Manifest))
    entries = []
    include = graph.value(root, MF.include)
    for sub in Collection(graph, include) if include is not None else []:
        sub_graph, sub_entries = manifest(path.parent / str(sub).rsplit("/", 1)[-1])
        graph += sub_graph
        entries += sub_entries
    if graph.value(root, MF.entries) is not None:
        entries += list(Collection(graph, graph.value(root, MF.entries)))
    return graph, entries


PROTOCOL, PROTOCOL_TESTS = manifest(SUITE / "protocol" / "manifest.ttl")
GSP, GSP_TESTS = manifest(SUITE / "graph-store-protocol" / "manifest.ttl")


def _name(_graph: Graph, test) -> str:
    return str(test).rsplit("#", 1)[-1]


@pytest.fixture(scope="module", params=BACKENDS)
def live(request, tmp_path_factory):
    with service_on(request.param, tmp_path_factory.mktemp(f"w3c-{request.param}"),
                    build=False) as running:
        yield running


def _body_bytes(graph: Graph, body) -> bytes:
    chars = str(graph.value(body, CNT.chars))
    encoding = str(graph.value(body, CNT.characterEncoding) or "UTF-8")
    return chars.encode(encoding)


def _expected_statuses(graph: Graph, resp) -> list:
    return list(graph.objects(resp, MF.expectedStatus))


def _status_ok(status: int, expected: list) -> bool:
    for exp in expected:
        name = str(exp).rsplit("#", 1)[-1]
        match = re.fullmatch(r"StatusCode(\d)xx", name)
        if match and status // 100 == int(match.group(1)):
            return True
        if STATUS_CODES.get(name) == status:
            return True
    return False


def _boolean(reply) -> bool:
    media = reply.content_type.split(";")[0]
    if media == "application/sparql-results+json":
        return json.loads(reply.body)["boolean"]
    if media == "application/sparql-results+xml":
        root = ET.fromstring(reply.body)
        return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"
    raise AssertionError(f"boolean result in unexpected type {media}")


def _check_format(graph: Graph, resp, reply) -> None:
    expected = graph.value(resp, MF.expectedFormat)
    media = reply.content_type.split(";")[0]
    if expected is None:
        return
    if str(expected) == "boolean":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml")
    elif str(expected) == "tabular":
        assert media in ("application/sparql-results+json", "application/sparql-results+xml",
                         "text/csv", "text/tab-separated-values")
        if media == "application/sparql-results+json":
            assert "bindings" in json.loads(reply.body)["results"]
    elif str(expected) == "RDF":
        assert media in RDF_TYPES, media
        Graph().parse(data=reply.body, format=RDF_TYPES[media])


def _load_graph_data(live: Server, graph: Graph, test) -> None:
    """Only the data the manifest ships: a graph it names without data (data0.rdf) is not in
    the store, and so is an empty graph, as the tests expect (nothing is ever fetched)."""
    for data in graph.objects(test, UT.graphData):
        source = SUITE / "protocol" / str(graph.value(data, UT.graph)).rsplit("/", 1)[-1]
        name = str(graph.value(data, RDFS.label))
        reply = request(f"{live.url}/store?graph={quote(name, safe='')}", "PUT",
                        source.read_bytes(), {"Content-Type": "application/n-triples", **live.auth})
        assert reply.status in (201, 204), reply.body


def _is_update(absolute: str, headers: dict[str, str], body: bytes | None) -> bool:
    """Whether a manifest request is an update: we serve updates at /sparql/update."""
    content_type = {k.lower(): v for k, v in headers.items()}.get("content-type", "")
    return ("application/sparql-update" in content_type
            or (body is not None and b"update=" in body and "form" in content_type)
            or re.search(r"[?&](update|using-graph-uri|using-named-graph-uri)=", absolute)
            is not None)


def _path(absolute: str, headers: dict[str, str], body: bytes | None, live: Server) -> str:
    endpoint = "/sparql/update" if _is_update(absolute, headers, body) else "/sparql"
    return live.url + re.sub(r"^/sparql/?", endpoint, absolute)


# What an engine cannot do, by (backend, test); each difference has its own test in
# tests/test_remote_store.py.
USING_REFUSED = ("Oxigraph's server, run with --union-default-graph as the service needs, refuses "
                 "USING and using-graph-uri in updates; our 400 carries its message")
ENGINE_LIMITS = {
    ("oxigraph", "update_dataset_default_graph"): USING_REFUSED,
    ("oxigraph", "update_dataset_default_graphs"): USING_REFUSED,
    ("oxigraph", "update_dataset_named_graphs"): USING_REFUSED,
    ("oxigraph", "update_dataset_full"): USING_REFUSED,
    ("virtuoso", "put_get_default"): (
        "Virtuoso has no default graph of its own (its default graph is the union of its "
        "graphs), so a write to ?default is refused with its message (400)"),
}


def _skip_engine_limit(live: Server, name: str) -> None:
    reason = ENGINE_LIMITS.get((live.backend, name))
    if reason:
        pytest.skip(reason)


@pytest.mark.parametrize("test", PROTOCOL_TESTS, ids=lambda t: str(t).rsplit("#", 1)[-1])
def test_protocol(live, test):
    graph, name = PROTOCOL, _name(PROTOCOL, test)
    _skip_engine_limit(live, name)
    _load_graph_data(live, graph, test)
    action = graph.value(test, MF.action)
    for req in Collection(graph, graph.value(action, HT.requests)):
        method = str(graph.value(req, HT.methodName))
        headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                   for h in Collection(graph, graph.value(req, HT.headers) or RDF.nil)}
        body_node = graph.value(req, HT.body)
        body = _body_bytes(graph, body_node) if body_node is not None else None
        absolute = str(graph.value(req, HT.absolutePath))
        url = _path(absolute, headers, body, live)
        if url.startswith(live.url + "/sparql/update"):
            headers.update(live.auth)
        reply = request(url, method, body, headers)
        resp = graph.value(req, HT.resp)
        expected = _expected_statuses(graph, resp)
        assert _status_ok(reply.status, expected), (name, reply.status, reply.body[:300])
        if reply.status < 300:
            _check_format(graph, resp, reply)
            boolean = graph.value(resp, MF.expectedBoolean)
            if boolean is not None:
                assert _boolean(reply) == boolean.toPython(), name


def test_protocol_manifest_has_all_34_tests():
    assert len(PROTOCOL_TESTS) == 34


# -- Service Description ----------------------------------------------------------------------

def _description(live: Server, accept: str = "text/turtle") -> Graph:
    reply = request(live.url + "/sparql", headers={"Accept": accept})
    assert reply.status == 200
    media = reply.content_type.split(";")[0]
    assert media == accept
    return Graph().parse(data=reply.body, format=RDF_TYPES[media])


@pytest.mark.parametrize("accept", sorted(RDF_TYPES))
def test_service_description_returns_rdf(live, accept):
    assert len(_description(live, accept)) > 0


def test_service_description_has_matching_endpoint_triple(live):
    graph = _description(live)
    assert (None, SD.endpoint, URIRef(live.url + "/sparql")) in graph


def test_service_description_conforms_to_schema(live):
    graph = _description(live)
    services = list(graph.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    service = services[0]
    languages = set(graph.objects(service, SD.supportedLanguage))
    assert languages == {SD.SPARQL11Query}
    for dataset in graph.objects(service, SD.defaultDataset):
        assert (dataset, RDF.type, SD.Dataset) in graph
        assert graph.value(dataset, SD.defaultGraph) is not None
    for fmt in graph.objects(service, SD.resultFormat):
        assert str(fmt).startswith("http://www.w3.org/ns/formats/")
    sd_terms = {p for p in graph.predicates() if str(p).startswith(str(SD))}
    assert sd_terms <= {SD.endpoint, SD.supportedLanguage, SD.resultFormat, SD.feature,
                        SD.defaultDataset, SD.defaultGraph, SD.namedGraph, SD.name}


# -- Graph Store Protocol ---------------------------------------------------------------------

def _gsp_url(live: Server, absolute: str, location: str | None) -> str:
    if location is not None:
        absolute = absolute.replace("$LOCATION$", location)
    path = re.sub(r"^/gsp", "/store", absolute)
    # direct identification: the graph IRI is the request URL of our /store/... path
    return live.url + path


def _gsp_body(graph: Graph, req, location: str | None) -> bytes | None:
    body = graph.value(req, HT.body)
    if body is None:
        return None
    data = _body_bytes(graph, body)
    if location is not None:
        data = data.replace(b"$LOCATION$", location.encode())
    return data


def _empty_the_store(live: Server) -> None:
    """DROP ALL, then each graph these tests write, one by one: Virtuoso answers DROP ALL with
    success and drops nothing (its own system graphs share the store), and drops a graph it did
    not see made by CREATE only when asked with SILENT."""
    update = {"Content-Type": "application/sparql-update", **live.auth}
    assert request(live.url + "/sparql/update", "POST", b"DROP ALL", update).status == 204
    query = quote("SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }")
    listed = request(f"{live.url}/sparql?query={query}",
                     headers={"Accept": "application/sparql-results+json"})
    for row in json.loads(listed.body)["results"]["bindings"]:
        iri = row["g"]["value"]
        if iri.startswith(("http://www.example/", live.url)):  # SILENT: as Virtuoso needs
            body = f"DROP SILENT GRAPH <{iri}>".encode()
            assert request(live.url + "/sparql/update", "POST", body, update).status == 204


@pytest.mark.parametrize("test", GSP_TESTS, ids=lambda t: str(t).rsplit("#", 1)[-1])
def test_graph_store_protocol(live, test):
    graph = GSP
    _skip_engine_limit(live, _name(GSP, test))
    # each test starts from an empty store, as the manifest's expected statuses assume
    _empty_the_store(live)
    action = graph.value(test, MF.action)
    location = None
    for req in Collection(graph, graph.value(action, HT.requests)):
        method = str(graph.value(req, HT.methodName))
        headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
                   for h in Collection(graph, graph.value(req, HT.headers) or RDF.nil)}
        if method in ("PUT", "POST", "DELETE"):
            headers.update(live.auth)
        url = _gsp_url(live, str(graph.value(req, HT.absolutePath)), location)
        body = _gsp_body(graph, req, location)
        if body is not None and "multipart" in headers.get("content-type", ""):
            body = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
        reply = request(url, method, body, headers)
        resp = graph.value(req, HT.resp)
        assert _status_ok(reply.status, _expected_statuses(graph, resp)), (
            str(test), method, url, reply.status, reply.body[:300])
        if graph.value(resp, MF.expectedLocation) is not None:
            location = reply.headers["location"]
        expected_body = graph.value(resp, HT.body)
        if expected_body is not None and method == "GET":
            expected_type = {str(graph.value(h, HT.fieldName)).lower():
                             str(graph.value(h, HT.fieldValue))
                             for h in Collection(graph, graph.value(resp, HT.headers) or RDF.nil)}
            media = expected_type.get("content-type", "text/turtle").split(";")[0]
            assert reply.content_type.split(";")[0] == media
            want = Graph().parse(data=_gsp_body(graph, resp, location), format=RDF_TYPES[media],
                                 publicID=url)
            got = Graph().parse(data=reply.body, format=RDF_TYPES[media], publicID=url)
            assert isomorphic(want, got), (str(test), reply.body)
