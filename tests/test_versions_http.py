"""/ontology/{version}: released versions dereference to their snapshots (Flask test client)."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL

from llm_atlas.config import Settings
from llm_atlas.namespaces import ONTOLOGY_IRI
from llm_atlas.web.app import create_app
from release_kit import CURRENT, NEXT, REPO, copy_sources, release

SNAPSHOTS = REPO / "ontology" / "versions"
RDF_ANSWERS = [  # Accept, exact Content-Type, extension, rdflib parser
    ("text/turtle", "text/turtle; charset=utf-8", "ttl", "turtle"),
    ("application/rdf+xml", "application/rdf+xml; charset=utf-8", "rdf", "xml"),
    ("application/ld+json", "application/ld+json", "jsonld", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt", "nt"),
]


def _client(root: Path | None = None):
    app = create_app(Settings(memory=True, sources=str(root) if root else None))
    return app, app.test_client()


@pytest.fixture(scope="module")
def shipped():
    app, client = _client()
    yield client
    app.extensions["llm_atlas"].store.close()


@pytest.fixture(scope="module")
def after_release(tmp_path_factory):
    """A service over a copy of the sources released as the next version."""
    root = copy_sources(tmp_path_factory.mktemp("released"))
    assert release(root, NEXT).exit_code == 0
    app, client = _client(root)
    yield root, client
    app.extensions["llm_atlas"].store.close()


def _snapshot(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


@pytest.mark.parametrize(("accept", "content_type", "extension", "parser"), RDF_ANSWERS)
def test_the_shipped_version_iri_serves_its_snapshot(shipped, accept, content_type, extension,
                                                      parser):
    reply = shipped.get("/ontology/0.1.0", headers={"Accept": accept})
    assert (reply.status_code, reply.content_type) == (200, content_type)
    assert reply.headers["Content-Location"] == f"/ontology/0.1.0.{extension}"
    assert reply.headers["Vary"] == "Accept"
    assert isomorphic(Graph().parse(data=reply.data, format=parser),
                      _snapshot(SNAPSHOTS / "0.1.0.ttl"))
    document = shipped.get(f"/ontology/0.1.0.{extension}", headers={"Accept": "text/html"})
    assert (document.status_code, document.content_type) == (200, content_type)
    assert "Content-Location" not in document.headers
    assert isomorphic(Graph().parse(data=document.data, format=parser),
                      _snapshot(SNAPSHOTS / "0.1.0.ttl"))


class _Page(HTMLParser):
    """The heading text and the format links of a page."""

    def __init__(self):
        super().__init__()
        self.links: dict[str, str] = {}
        self.heading, self._in_heading = "", False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-format" in attrs:
            self.links[attrs["data-format"]] = attrs["href"]
        self._in_heading = self._in_heading or attrs.get("id") == "label"

    def handle_endtag(self, tag):
        self._in_heading = self._in_heading and tag != "h1"

    def handle_data(self, data):
        if self._in_heading:
            self.heading += data


def test_a_browser_gets_the_release_page(shipped):
    reply = shipped.get("/ontology/0.1.0", headers={"Accept": "text/html,*/*;q=0.8"})
    assert (reply.status_code, reply.content_type) == (200, "text/html; charset=utf-8")
    page = _Page()
    page.feed(reply.get_data(as_text=True))
    assert page.heading == "LLM ATLAS ontology 0.1.0"
    assert page.links == {ext: f"/ontology/0.1.0.{ext}"
                          for ext in ("ttl", "nt", "rdf", "jsonld", "html")}


def _error(reply) -> str:
    assert reply.content_type == "application/json"
    return json.loads(reply.data)["error"]["message"]


def test_a_version_never_released_is_404_naming_the_releases(shipped):
    reply = shipped.get("/ontology/9.9.9", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    released = ", ".join(f"{p.stem} (/ontology/{p.stem})"
                         for p in sorted(SNAPSHOTS.glob("*.ttl")))
    assert _error(reply) == (f"ontology version 9.9.9 was never released. Released versions: "
                             f"{released}; the current ontology is /ontology.")
    assert shipped.get("/ontology/9.9.9.ttl").status_code == 404


def test_a_path_that_is_not_a_release_number_follows_the_iri_rules(shipped):
    reply = shipped.get("/ontology/01.1.0", headers={"Accept": "application/json"})
    assert reply.status_code == 404
    assert _error(reply).startswith(
        f"<{ONTOLOGY_IRI}/01.1.0> is not an IRI this knowledge graph defines.")


def test_after_a_release_each_version_iri_serves_its_own_snapshot(after_release):
    root, client = after_release
    for version in (CURRENT, NEXT):
        reply = client.get(f"/ontology/{version}", headers={"Accept": "text/turtle"})
        assert (reply.status_code, reply.content_type) == (200, "text/turtle; charset=utf-8")
        graph = Graph().parse(data=reply.data, format="turtle")
        assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(version)
        assert isomorphic(graph, _snapshot(root / "ontology" / "versions" / f"{version}.ttl"))
    current = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert current.value(ONTOLOGY_IRI, OWL.priorVersion) == URIRef(f"{ONTOLOGY_IRI}/{CURRENT}")
    message = _error(client.get("/ontology/9.9.9", headers={"Accept": "application/json"}))
    assert f"{CURRENT} (/ontology/{CURRENT}), {NEXT} (/ontology/{NEXT})" in message


def test_the_current_version_iri_without_a_snapshot_is_the_ontology_graph(tmp_path):
    root = copy_sources(tmp_path / "sources", versions=False)
    app, client = _client(root)
    try:
        reply = client.get(f"/ontology/{CURRENT}", headers={"Accept": "text/turtle"})
        assert (reply.status_code, reply.content_type) == (200, "text/turtle; charset=utf-8")
        assert isomorphic(Graph().parse(data=reply.data, format="turtle"),
                          _snapshot(root / "ontology" / "atlas.ttl"))
        missing = client.get("/ontology/9.9.9", headers={"Accept": "application/json"})
        assert missing.status_code == 404
        assert "Released versions: none yet" in _error(missing)
    finally:
        app.extensions["llm_atlas"].store.close()
