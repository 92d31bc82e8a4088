"""No script runs on our origin, absolute URLs come from the settings, the token from a file.

Links: every page links an IRI only when it is http(s) (or ours); a `javascript:`, `data:` or
`vbscript:` IRI in a result, a report or the stored data is shown as text. Headers: every answer
carries the Content-Security-Policy and nosniff, and the pages need nothing the policy forbids.
Host: a client's `Host` header never reaches an absolute URL the service answers or stores.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import VOID

from submissions_kit import RES, solution_annotation

TOKEN = "file-token-7f3a"
PUBLIC = "https://atlas.example.org/kg/"
EVIL = "evil.example"
HTML = "text/html"
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
BAD = ["javascript:alert(1)", "JaVaScRiPt:alert(1)",
       "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)"]
POISON = f"""
PREFIX atlas: <https://w3id.org/llm-atlas/ontology/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX oa: <http://www.w3.org/ns/oa#>
INSERT DATA {{ GRAPH <urn:test:poison> {{
  <{RES}paper/poisoned> a atlas:Paper ; dcterms:title "Poisoned" ;
      dcterms:creator {" , ".join(f"<{iri}>" for iri in BAD)} , <https://orcid.org/0000-0001> .
  <{RES}person/poisoned> a foaf:Person ; foaf:name "Pat Poisoned" .
  <javascript:alert(2)> a atlas:Paper ; dcterms:title "A paper named by a script" ;
      dcterms:creator <{RES}person/poisoned> .
  <{RES}annotation/poisoned> a atlas:Annotation , atlas:SolutionAnnotation ;
      atlas:aboutMethod atlas:RLHF ; atlas:aboutPhase atlas:ModelAdaptation ;
      atlas:aboutAgencyProblem atlas:MoralHazard ; atlas:provenanceStatus atlas:CuratorInference ;
      oa:hasTarget <javascript:alert(3)> .
}} }}"""


class Page(HTMLParser):
    """What a page links to and what it would run: hrefs, scripts, styles, handlers, text."""

    def __init__(self, body: bytes):
        super().__init__()
        self.hrefs: list[str] = []
        self.inline: list[str] = []  # inline script, inline style, on* handlers
        self.assets: list[str] = []  # script src and style sheet href
        self.text = ""
        self._in_script = False
        self.feed(body.decode("utf-8"))

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.assets.append(attrs["href"])
        if tag == "script":
            if attrs.get("src"):
                self.assets.append(attrs["src"])
            else:
                self.inline.append("<script>")
        if tag == "style":
            self.inline.append("<style>")
        self.inline += [f"{tag} {name}=" for name in attrs if name == "style" or
                        name.startswith("on")]

    def handle_data(self, data):
        self.text += data


def unsafe(hrefs: list[str]) -> list[str]:
    """The hrefs a browser would follow to a scheme other than http(s) (relative ones are ours).
    Browsers drop leading spaces and control characters, and tabs and newlines anywhere."""
    unsafe = []
    for h in hrefs:
        seen = re.sub(r"[\t\n\r]", "", h).lstrip("\x00- ")
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", seen)
        if (scheme and scheme.group(1).lower() not in ("http", "https")) or seen.startswith(
                ("//", "/\\")):
            unsafe.append(h)
    return unsafe


@pytest.fixture(scope="module")
def token_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("secret") / "token"
    path.write_text(TOKEN + "\n")
    return path


@pytest.fixture(scope="module")
def app(token_file):
    from llm_atlas.config import Settings
    from llm_atlas.web.app import create_app

    app = create_app(Settings(memory=True, token_file=token_file, public_url=PUBLIC))
    app.extensions["llm_atlas"].store.update(POISON)
    yield app
    app.extensions["llm_atlas"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


def html_page(client, path: str, **kwargs) -> Page:
    reply = client.get(path, headers={"Accept": HTML}, **kwargs)
    assert (reply.status_code, reply.content_type) == (200, "text/html; charset=utf-8")
    return Page(reply.data)


@pytest.mark.parametrize("iri", [*BAD, " javascript:alert(1)", "\tjavascript:alert(1)",
                                 "java\nscript:alert(1)", "https:alert(1)", "file:///etc/passwd"])
def test_only_http_iris_become_links(iri):
    from llm_atlas.core.views.iris import href

    base = "https://w3id.org/llm-atlas/"
    assert href(iri, base) is None
    assert href("HTTPS://example.org/a", base) == "HTTPS://example.org/a"
    assert href(base + "ontology/MoralHazard", base) == "/ontology/MoralHazard"
    assert href(base + "/evil.example/x", base) == base + "/evil.example/x"  # never "//evil..."


@pytest.mark.parametrize("form", ["SELECT ?x WHERE { VALUES ?x { %s } }",
                                  "CONSTRUCT { ?x a ?x } WHERE { VALUES ?x { %s } }"])
def test_sparql_result_pages_link_only_web_iris(client, form):
    values = " ".join(f"<{iri}>" for iri in [*BAD, "https://example.org/ok"])
    page = html_page(client, "/sparql", query_string={"query": form % values})
    assert unsafe(page.hrefs) == []
    assert all(iri in page.text for iri in BAD)  # shown, as text
    assert "https://example.org/ok" in page.hrefs


def test_validation_report_page_links_only_web_iris(client):
    body = ("@prefix atlas: <https://w3id.org/llm-atlas/ontology/> .\n"
            + "".join(f"<{iri}> a atlas:SolutionAnnotation .\n" for iri in BAD)).encode()
    reply = client.post("/validate", data=body, headers={"Content-Type": "text/turtle",
                                                         "Accept": HTML})
    assert reply.content_type == "text/html; charset=utf-8"
    page = Page(reply.data)
    assert unsafe(page.hrefs) == []
    assert all(f"<{iri}>" in page.text for iri in BAD)  # each a focus node of the report


@pytest.mark.parametrize("path, shown", [
    ("/resource/paper/poisoned", BAD),  # its creators
    ("/resource/person/poisoned", ["A paper named by a script"]),  # the paper naming them
    ("/", ["A paper named by a script"]),  # the list of papers
    ("/ontology/MoralHazard", ["javascript:alert(3)"]),  # an annotation's target paper
    ("/matrix", ["javascript:alert(3)"]),
])
def test_pages_about_stored_data_link_only_web_iris(client, path, shown):
    page = html_page(client, path)
    assert unsafe(page.hrefs) == []
    assert all(text in page.text for text in shown)


HTML_ROUTES = ["/", "/search?q=moral", "/sparql", "/queries", "/matrix", "/review",
               "/resource/review/protocol", "/resource/work/klein-1978-vertical-integration",
               "/ontology/MoralHazard",
               "/resource/paper/kaltenpoth-2025-llm-atlas", "/validate"]


@pytest.mark.parametrize("path", [*HTML_ROUTES, "/ontology/NoSuchTerm", "/no/such/page"])
def test_every_page_carries_the_policy_and_needs_nothing_it_forbids(client, path):
    reply = client.get(path, headers={"Accept": HTML})
    assert reply.status_code == (404 if "NoSuch" in path or "no/such" in path else 200)
    assert reply.content_type == "text/html; charset=utf-8"
    assert reply.headers["Content-Security-Policy"] == CSP
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    page = Page(reply.data)
    assert page.inline == []
    for asset in page.assets:
        with client.get(asset) as served:  # a file: closed with the response
            assert served.status_code == 200
            assert served.mimetype in ("text/css", "text/javascript")
            assert served.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path, accept", [("/sparql?query=ASK%7B%7D", "application/json"),
                                          ("/void", "text/turtle"), ("/health", "*/*"),
                                          ("/matrix.csv", "*/*"), ("/nothing", "*/*")])
def test_every_other_answer_is_nosniff_too(client, path, accept):
    reply = client.get(path, headers={"Accept": accept})
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Content-Security-Policy"] == CSP


def evil(client, method: str, path: str, **kwargs):
    """A request whose Host header (and URL) name another site."""
    headers = {"Host": EVIL, "X-Forwarded-Host": EVIL, **kwargs.pop("headers", {})}
    return client.open(path, method=method, base_url=f"http://{EVIL}/", headers=headers,
                       **kwargs)


def test_void_and_service_description_name_the_public_url(client):
    for path, accept, prop in (("/void", "text/turtle", VOID.sparqlEndpoint),
                               ("/sparql", "text/turtle", SD.endpoint)):
        reply = evil(client, "GET", path, headers={"Accept": accept})
        assert reply.status_code == 200 and EVIL not in reply.get_data(as_text=True)
        graph = Graph().parse(data=reply.data, format="turtle")
        assert set(graph.objects(None, prop)) == {URIRef(PUBLIC + "sparql")}


def test_the_queries_api_names_the_public_url(client):
    doc = evil(client, "GET", "/queries/openapi.json").get_json()
    assert doc["servers"] == [{"url": PUBLIC.rstrip("/")}]
    listed = evil(client, "GET", "/queries", headers={"Accept": "application/json"}).get_json()
    assert {q["url"] for q in listed["queries"]} == {PUBLIC + "queries/" + q["name"]
                                                    for q in listed["queries"]}
    assert EVIL not in json.dumps([doc, listed])


def test_relative_iris_in_a_query_resolve_against_the_public_url(client):
    reply = evil(client, "GET", "/sparql", query_string={"query": "SELECT ?x { BIND(<r> AS ?x) }"},
                 headers={"Accept": "application/sparql-results+json"})
    assert reply.get_json()["results"]["bindings"] == [
        {"x": {"type": "uri", "value": PUBLIC + "r"}}]


def test_created_graphs_and_annotations_are_located_at_the_public_url(client):
    auth = {"Authorization": f"Bearer {TOKEN}"}  # the token the server read from its file
    created = evil(client, "POST", "/store", data=b"<urn:a> <urn:b> <urn:c> .",
                   headers={**auth, "Content-Type": "application/n-triples"})
    assert created.status_code == 201
    assert re.fullmatch(re.escape(PUBLIC) + r"store/[0-9a-f]{32}", created.headers["Location"])
    direct = evil(client, "PUT", "/store/direct-graph", data=b"<urn:a> <urn:b> <urn:c> .",
                  headers={**auth, "Content-Type": "application/n-triples"})
    assert direct.status_code == 201
    store = client.application.extensions["llm_atlas"].store
    assert {created.headers["Location"], PUBLIC + "store/direct-graph"} <= set(
        store.named_graphs())
    assert not [g for g in store.named_graphs() if EVIL in g]
    submitted = evil(client, "POST", "/annotations", data=solution_annotation("web-safety-1"),
                     headers={**auth, "Content-Type": "text/turtle"})
    assert submitted.status_code == 201, submitted.get_data(as_text=True)
    location = PUBLIC + "resource/annotation/web-safety-1"
    assert (submitted.headers["Location"], submitted.get_json()["location"]) == (location,
                                                                                 location)
    assert EVIL not in submitted.get_data(as_text=True)


def test_a_wrong_token_is_still_refused(client):
    reply = client.post("/sparql/update", data={"update": "CLEAR GRAPH <urn:x>"},
                        headers={"Authorization": "Bearer not-the-file-token"})
    assert reply.status_code == 401


def test_the_public_url_defaults_to_where_serve_listens():
    from llm_atlas.config import Settings

    assert Settings().public_root() == "http://127.0.0.1:8000/"
    assert Settings(host="::1", port=9).public_root() == "http://[::1]:9/"
    assert Settings(public_url="https://a.example/kg").public_root() == "https://a.example/kg/"


@pytest.fixture
def serve_settings(monkeypatch):
    """`llm-atlas serve` up to the server: the settings it would serve with."""
    seen = []
    monkeypatch.setattr("llm_atlas.cli.server.serve", lambda settings: seen.append(settings) or 0)
    for name in ("LLM_ATLAS_TOKEN", "LLM_ATLAS_TOKEN_FILE", "LLM_ATLAS_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    return seen


def run_serve(*args: str, env: dict | None = None):
    from llm_atlas.cli import main

    return CliRunner().invoke(main, ["serve", "--memory", *args], env=env)


def test_serve_reads_the_token_from_a_file_or_the_environment(serve_settings, token_file):
    assert run_serve("--token-file", str(token_file)).exit_code == 0
    assert run_serve(env={"LLM_ATLAS_TOKEN_FILE": str(token_file)}).exit_code == 0
    assert [s.token for s in serve_settings] == [TOKEN, TOKEN]


@pytest.mark.parametrize("content, message", [
    (None, "does not exist"), (b" \n", "is empty"), (b"\xff\xfe\x00", "cannot be read"),
    ("folder", "is a folder"),
])
def test_a_token_file_that_cannot_serve_is_exit_2(serve_settings, tmp_path, content, message):
    path = tmp_path / "token"
    if content == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    result = run_serve("--token-file", str(path))
    assert result.exit_code == 2 and serve_settings == []
    assert result.stderr.startswith(f"error: the token file {path} {message}")


def test_a_token_given_twice_or_a_bad_public_url_is_exit_2(serve_settings, token_file):
    twice = run_serve("--token-file", str(token_file), "--token", "x")
    assert twice.exit_code == 2 and "give only one" in twice.stderr
    bad = run_serve("--public-url", "javascript:alert(1)")
    assert bad.exit_code == 2 and "must be an absolute http(s) URL" in bad.stderr
    assert serve_settings == []
