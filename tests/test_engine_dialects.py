"""Where an engine departs from SPARQL 1.1, shown on the engine itself and then through us.

Each test asks Oxigraph's server and Virtuoso the same thing directly, states what each
answers (the standard answer, or the engine's own), and then shows what the service does
about it: the adapter's workaround (service/llm_atlas/store/remote/text.py, commit.py), or,
where nothing can be done, the clear error or the difference the README states. The engines
here are empty ones of their own: some tests write where the shared ones must not.
"""

from __future__ import annotations

import http.client
import json
import socket
from urllib.parse import urlencode, urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from backends import service_on
from live import request
from llm_atlas.store.remote.client import RemoteStore

NT = {"Content-Type": "application/n-triples"}
JSON_RESULTS = {"Accept": "application/sparql-results+json"}


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request, tmp_path_factory):
    """The service on an empty engine of each kind; `remote.engine` is the engine."""
    with service_on(request.param, tmp_path_factory.mktemp(f"dialect-{request.param}"),
                    build=False) as running:
        yield running


def engine_query(remote, query: str, accept: str = "application/sparql-results+json"):
    return request(remote.engine.query_url + "?" + urlencode({"query": query}),
                   headers={"Accept": accept})


def engine_update(remote, update: str):
    return request(remote.engine.update_url, "POST", urlencode({"update": update}).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})


def ours(remote, query: str, accept: str = "application/sparql-results+json"):
    return request(f"{remote.url}/sparql?" + urlencode({"query": query}),
                   headers={"Accept": accept})


def put(remote, graph: str, body: bytes, target: str = "graph"):
    where = "default" if target == "default" else f"graph={graph}"
    return request(f"{remote.url}/store?{where}", "PUT", body, {**NT, **remote.auth})


def raw_head(url: str) -> list[str]:
    """The status line and header lines of a GET, read off the socket (http.client stops at
    100 headers)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=60) as sock:
        sock.sendall(f"GET {parts.path}?{parts.query} HTTP/1.0\r\nHost: {parts.netloc}\r\n"
                     "Accept: application/sparql-results+json\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")


def is_virtuoso(remote) -> bool:
    return remote.backend == "virtuoso"


def test_a_condition_with_no_pattern_of_its_own_is_ignored_by_virtuoso(remote):
    """Virtuoso evaluates `WHERE { FILTER NOT EXISTS {..} }` (or after a BIND) as if the
    filter were not there; anchored on a one-row VALUES it evaluates it. The conditional
    writes of submissions use the anchored form (remote_commit.write_text)."""
    graph = "urn:dialect:condition"
    assert engine_update(remote, f"INSERT DATA {{ GRAPH <{graph}> {{ <urn:a> <urn:b> 0 }} }}"
                         ).status in (200, 204)
    bare = f"FILTER NOT EXISTS {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    for i, where in ((1, bare), (2, f"VALUES ?go {{ true }} {bare}")):
        engine_update(remote, f"INSERT {{ GRAPH <{graph}> {{ <urn:a> <urn:b> {i} }} }} "
                              f"WHERE {{ {where} }}")
    rows = json.loads(engine_query(remote, f"SELECT ?n {{ GRAPH <{graph}> {{ ?s ?p ?n }} }}"
                                   ).body)["results"]["bindings"]
    written = sorted(int(r["n"]["value"]) for r in rows)
    assert written == ([0, 1] if is_virtuoso(remote) else [0])


def test_drop_all_drops_nothing_on_virtuoso(remote):
    """Virtuoso answers DROP ALL with success and leaves every graph (its own system graphs
    share the store). Through us the same update is passed on: delete graph by graph there."""
    graph = "urn:dialect:survives-drop-all"
    assert put(remote, graph, b"<urn:a> <urn:b> <urn:c> .").status == 201
    dropped = request(remote.url + "/sparql/update", "POST", b"DROP ALL",
                      {"Content-Type": "application/sparql-update", **remote.auth})
    assert dropped.status == 204
    still = request(f"{remote.url}/store?graph={graph}", headers={"Accept": "text/turtle"})
    assert still.status == (200 if is_virtuoso(remote) else 404)


def test_virtuoso_has_no_default_graph_of_its_own(remote):
    """A write to the store's default graph: Oxigraph keeps one; Virtuoso refuses ("requires
    declaration of a plain default graph"), which we answer 400 with its message."""
    reply = put(remote, "", b"<urn:a> <urn:b> <urn:c> .", target="default")
    if is_virtuoso(remote):
        assert reply.status == 400
        assert "default graph" in json.loads(reply.body)["error"]["message"]
    else:
        assert reply.status in (201, 204)


def test_virtuoso_keeps_no_empty_graph(remote):
    """An empty PUT: Oxigraph keeps an empty graph (GET answers 200, no triples); Virtuoso
    keeps no empty graphs, so there is nothing to GET afterwards (404)."""
    graph = "urn:dialect:empty"
    assert put(remote, graph, b"").status == 201
    reply = request(f"{remote.url}/store?graph={graph}", headers={"Accept": "text/turtle"})
    if is_virtuoso(remote):
        assert reply.status == 404
    else:
        assert reply.status == 200 and len(Graph().parse(data=reply.body, format="turtle")) == 0


def test_virtuoso_says_any_graph_exists_so_we_ask_for_its_triples(remote):
    """`ASK { GRAPH <g> { } }` is true on Virtuoso for an IRI no graph has; we ask otherwise,
    so a graph that was never written is 404 through us on both engines."""
    never = "urn:dialect:never-written"
    asked = json.loads(engine_query(remote, f"ASK {{ GRAPH <{never}> {{ }} }}").body)["boolean"]
    assert asked is is_virtuoso(remote)
    reply = request(f"{remote.url}/store?graph={never}", headers={"Accept": "text/turtle"})
    assert reply.status == 404


def test_virtuoso_leaves_relative_iris_unresolved_so_we_send_our_base(remote):
    """`CONSTRUCT { <s> <p> 1 }`: Oxigraph resolves <s> against its endpoint; Virtuoso answers
    the relative IRI as it is (not N-Triples). We declare our endpoint as BASE first."""
    query = "CONSTRUCT { <s> <p> 1 } WHERE { }"
    direct = engine_query(remote, query, "application/n-triples")
    assert (b"<s>" in direct.body) is is_virtuoso(remote)
    reply = ours(remote, query, "application/n-triples")
    assert reply.status == 200
    (triple,) = Graph().parse(data=reply.body, format="nt")
    assert triple[0] == URIRef(f"{remote.url}/s")


def test_virtuoso_describes_what_points_at_a_resource_too_so_we_ask_for_the_cbd(remote):
    """Virtuoso's DESCRIBE adds the statements whose object is the resource; Oxigraph (like
    the embedded store) gives its concise bounded description. We ask Virtuoso for the CBD."""
    data = (b'<urn:d:it> <urn:d:says> _:b .\n_:b <urn:d:more> "x" .\n'
            b"<urn:d:other> <urn:d:is> <urn:d:it> .\n")
    assert put(remote, "urn:dialect:describe", data).status == 201
    query = "DESCRIBE <urn:d:it>"
    direct = Graph().parse(data=engine_query(remote, query, "application/n-triples").body,
                           format="nt")
    assert ((URIRef("urn:d:other"), None, None) in direct) is is_virtuoso(remote)
    mine = Graph().parse(data=ours(remote, query, "application/n-triples").body, format="nt")
    cbd = Graph().parse(data=b'<urn:d:it> <urn:d:says> _:b .\n_:b <urn:d:more> "x" .\n',
                        format="nt")
    assert isomorphic(mine, cbd)


def test_virtuoso_answers_exists_as_an_integer(remote):
    """`BIND(EXISTS {..} AS ?e)` is xsd:boolean true elsewhere, the integer 1 on Virtuoso; we
    pass results on as the engine gives them, and read our own such answers either way
    (linked_data.resolve)."""
    row = json.loads(ours(remote, "SELECT ?e { BIND(EXISTS { } AS ?e) }").body)[
        "results"]["bindings"][0]["e"]
    if is_virtuoso(remote):
        assert (row["value"], row["datatype"]) == ("1", "http://www.w3.org/2001/XMLSchema#integer")
    else:
        assert (row["value"], row["datatype"]) == (
            "true", "http://www.w3.org/2001/XMLSchema#boolean")


def test_virtuoso_fails_on_a_union_over_values_bound_outside_it(remote):
    """A UNION whose branches use a VALUES of the enclosing group: Virtuoso's compiler fails
    (or answers nothing); our page queries give each branch its own VALUES (iri_facts.rq)."""
    data = b"<urn:u:it> <urn:u:says> <urn:u:out> .\n<urn:u:in> <urn:u:is> <urn:u:it> .\n"
    assert put(remote, "urn:dialect:union", data).status == 201
    query = ("SELECT ?x WHERE { VALUES ?i { <urn:u:it> } { GRAPH ?g { ?i ?p ?x } BIND(1 AS ?one) }"
             " UNION { GRAPH ?g { ?x ?p ?i } FILTER(isIRI(?x)) BIND(2 AS ?two) } }")
    direct = engine_query(remote, query)
    if is_virtuoso(remote):
        assert direct.status >= 400 or json.loads(direct.body)["results"]["bindings"] == []
    else:
        rows = json.loads(direct.body)["results"]["bindings"]
        assert sorted(r["x"]["value"] for r in rows) == ["urn:u:in", "urn:u:out"]


def test_oxigraph_with_a_union_default_graph_refuses_using_in_updates(remote):
    """Run with --union-default-graph (as the service needs), Oxigraph's server refuses USING
    in an update; Virtuoso applies it. Our 400 carries the engine's message."""
    update = ("INSERT { GRAPH <urn:dialect:copy> { ?s ?p ?o } } USING <urn:dialect:describe> "
              "WHERE { ?s ?p ?o }")
    reply = request(remote.url + "/sparql/update", "POST", update.encode(),
                    {"Content-Type": "application/sparql-update", **remote.auth})
    if is_virtuoso(remote):
        assert reply.status == 204
    else:
        assert reply.status == 400
        assert "USING" in json.loads(reply.body)["error"]["message"]


def test_virtuoso_echoes_each_dataset_graph_as_a_header_so_we_name_them_in_pragmas(remote):
    """Virtuoso repeats every `default-graph-uri` as an X-SPARQL-default-graph response
    header; past 100 headers Python's http.client refuses the answer. The knowledge graph has
    about 200 graphs, so the adapter names a dataset to Virtuoso in `define input:` pragmas
    (remote_text.virtuoso_dataset); through us, a dataset of 150 graphs is answered alike."""
    data = b"<urn:h:s> <urn:h:p> \"1\" .\n"
    assert put(remote, "urn:dialect:headers-0", data).status == 201
    graphs = [f"urn:dialect:headers-{i}" for i in range(150)]
    query = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    params = [("query", query), *(("default-graph-uri", g) for g in graphs)]
    head = raw_head(remote.engine.query_url + "?" + urlencode(params))
    assert head[0].split()[1] == "200"
    echoed = [line for line in head if line.lower().startswith("x-sparql-default-graph:")]
    assert len(echoed) == (150 if is_virtuoso(remote) else 0)
    if is_virtuoso(remote):
        with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
            request(remote.engine.query_url + "?" + urlencode(params), headers=JSON_RESULTS)
    # the adapter, given the 150 graphs as a dataset (as the service gives it the store's)
    store = RemoteStore(remote.engine.query_url)
    _, body = store.query(query, default_graphs=graphs, named_graphs=[])
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "1"
    # and a dataset without the graph holding the triple counts none
    _, body = store.query(query, default_graphs=graphs[1:], named_graphs=[])
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "0"
