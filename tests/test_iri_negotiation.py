"""The Accept table of the IRIs: real browsers' and tools' headers, q-values, 406, extensions."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from live import request
from llm_atlas import formats
from llm_atlas.web import negotiation as neg
from pages import parse_page

FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
FIREFOX_NEW = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
               "image/png,image/svg+xml,*/*;q=0.8")
CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")
SAFARI = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RDFLIB = ("application/rdf+xml, text/n3, text/turtle, application/n-triples, "
          "application/ld+json, application/n-quads, application/trix, application/trig")
OWL_API = ("application/rdf+xml, application/xml; q=0.7, text/xml; q=0.6, text/plain; q=0.1, "
           "*/*; q=0.09")
JENA = ("text/turtle,application/n-triples;q=0.9,application/ld+json;q=0.8,"
        "application/rdf+xml;q=0.7,*/*;q=0.5")

# Accept header -> the format it must get (None: 406)
TABLE = [
    (FIREFOX, "html"), (FIREFOX_NEW, "html"), (CHROME, "html"), (SAFARI, "html"),
    ("*/*", "turtle"), (None, "turtle"), ("", "turtle"),
    ("text/turtle", "turtle"), ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdfxml"), ("application/n-triples", "ntriples"),
    ("text/plain", "ntriples"), ("application/xhtml+xml", "html"),
    (RDFLIB, "turtle"), (OWL_API, "rdfxml"), (JENA, "turtle"),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "turtle"),
    ("text/turtle;q=0.2, application/ld+json;q=0.8", "jsonld"),
    ("text/html;q=0.1, text/turtle", "turtle"),
    ("text/html, text/turtle;q=0.99", "html"),
    ("text/*", "turtle"), ("application/*", "ntriples"),
    ("text/turtle;q=0, */*", "ntriples"),
    ("image/png", None), ("application/json", None), ("text/html;q=0", None),
    ("*/*;q=0", None), ("application/sparql-results+json", None),
]
CONTENT_TYPES = {"turtle": "text/turtle; charset=utf-8", "jsonld": "application/ld+json",
                 "rdfxml": "application/rdf+xml; charset=utf-8",
                 "ntriples": "application/n-triples", "html": "text/html; charset=utf-8"}
PARSERS = {"turtle": "turtle", "jsonld": "json-ld", "rdfxml": "xml", "ntriples": "nt"}


@pytest.fixture(scope="module")
def server(any_backend_server):
    """Every test here that asks the service runs on each backend (tests/backends.py)."""
    return any_backend_server


@pytest.mark.parametrize(("accept", "expected"), TABLE)
def test_the_table_picks_the_format(accept, expected):
    if expected is None:
        with pytest.raises(neg.NotAcceptable):
            neg.choose(neg.documents(), accept)
    else:
        assert neg.choose(neg.documents(), accept).name == expected


@pytest.mark.parametrize(("accept", "expected"), TABLE)
def test_the_server_answers_each_accept_header(server, accept, expected):
    headers = {} if accept is None else {"Accept": accept}
    reply = request(server.url + "/ontology/Signaling", headers=headers)
    assert reply.headers["vary"] == "Accept"
    if expected is None:
        assert reply.status == 406 and reply.content_type == "application/json"
        message = json.loads(reply.body)["error"]["message"]
        assert all(f.media_type in message for f in neg.documents())
        return
    assert reply.status == 200
    assert reply.content_type == CONTENT_TYPES[expected]
    extension = formats.get(expected).extension
    assert reply.headers["content-location"] == f"/ontology/Signaling.{extension}"
    document = request(server.url + f"/ontology/Signaling.{extension}")
    assert document.status == 200 and document.content_type == CONTENT_TYPES[expected]
    if expected == "html":
        assert parse_page(reply.body).clean("label") == "signaling"
    else:
        assert isomorphic(Graph().parse(data=reply.body, format=PARSERS[expected]),
                          Graph().parse(data=document.body, format=PARSERS[expected]))


@pytest.mark.parametrize("extension", ["html", "ttl", "jsonld", "rdf", "nt"])
def test_each_extension_url_names_one_format(server, extension):
    fmt = neg.by_extension(neg.documents(), extension)
    for accept in (None, "image/png", FIREFOX, "text/turtle"):
        reply = request(f"{server.url}/ontology/Signaling.{extension}",
                        headers={} if accept is None else {"Accept": accept})
        assert reply.status == 200 and reply.content_type == CONTENT_TYPES[fmt.name]


def test_extensions_outside_the_table_are_not_formats():
    assert neg.by_extension(neg.documents(), "owl") is None
    assert neg.by_extension(neg.documents(), "json") is None
    assert [f.extension for f in neg.documents()] == ["ttl", "nt", "rdf", "jsonld", "html"]


def test_the_landing_page_is_html_only(server):
    assert request(server.url + "/", headers={"Accept": "*/*"}).content_type == (
        "text/html; charset=utf-8")
    refused = request(server.url + "/", headers={"Accept": "text/turtle"})
    assert refused.status == 406 and "text/html" in json.loads(refused.body)["error"]["message"]
