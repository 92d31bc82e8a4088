"""POST /validate and its form: the same reports as the CLI, in JSON, Turtle or HTML; no writes."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from live import request
from submissions_kit import (
    INVALID,
    JSON_ACCEPT,
    TURTLE,
    VALID,
    dump,
    essentials,
    expected_result,
    solution_annotation,
)
from test_service_http import BROWSER, parse_html


@pytest.fixture(scope="module")
def server(any_backend_server):
    """Every test here that asks the service runs on each backend (tests/backends.py)."""
    return any_backend_server


def post_validate(server, body: bytes, headers: dict) -> object:
    return request(server.url + "/validate", "POST", body, headers)


@pytest.fixture(scope="module")
def before(server):
    """The store before this module's requests; the last test checks it is unchanged."""
    return dump(server)


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_each_invalid_fixture_gets_exactly_its_violation_over_http(server, before, fixture):
    reply = post_validate(server, fixture.read_bytes(), {**TURTLE, **JSON_ACCEPT})
    assert reply.status == 200
    assert reply.content_type == "application/json"
    report = json.loads(reply.body)
    expected = expected_result(fixture)
    assert essentials(report["results"]) == [expected]
    assert report["conforms"] is (expected["severity"] != "Violation")
    assert report["triples"] == len(Graph().parse(fixture))


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixtures_conform_over_http(server, before, fixture):
    reply = post_validate(server, fixture.read_bytes(), TURTLE)
    assert reply.status == 200 and reply.content_type == "application/json"
    assert json.loads(reply.body)["results"] == []


def test_an_annotation_may_point_at_a_paper_the_store_holds(server, before):
    """The stored paper and its creators are the context: no need to describe them again."""
    text = solution_annotation("points-at-stored", paper="lewis-2020-rag", describe_paper=False)
    reply = post_validate(server, text.encode(), TURTLE)
    assert json.loads(reply.body)["results"] == []
    missing = solution_annotation("points-at-nothing", paper="no-such-paper",
                                  describe_paper=False)
    results = json.loads(post_validate(server, missing.encode(), TURTLE).body)["results"]
    assert [r["shape"].rsplit("/", 1)[1] for r in results] == ["AnnotationTargetClassShape"]


def test_the_report_is_about_the_documents_own_nodes_only(server, before):
    """A stored annotation pulled in as context is validated too (its target is not fetched,
    so it fails a shape), but that result is not the submitter's and is left out."""
    text = solution_annotation("derived").replace(
        "    dcterms:created", "    prov:wasDerivedFrom "
        "<https://w3id.org/llm-atlas/resource/annotation/mitchell-2019-model-cards> ;\n"
        "    dcterms:created", 1)
    for accept in ("application/json", "text/turtle"):
        reply = post_validate(server, text.encode(), {**TURTLE, "Accept": accept})
        assert reply.status == 200
        if accept == "application/json":
            assert json.loads(reply.body)["results"] == []
        else:
            graph = Graph().parse(data=reply.body, format="turtle")
            (report,) = graph.subjects(RDF.type, SH.ValidationReport)
            assert graph.value(report, SH.conforms).toPython() is True
            assert list(graph.subjects(RDF.type, SH.ValidationResult)) == []


def test_turtle_report_is_a_shacl_validation_report(server, before):
    fixture = INVALID[0]
    reply = post_validate(server, fixture.read_bytes(), {**TURTLE, "Accept": "text/turtle"})
    assert reply.status == 200
    assert reply.content_type == "text/turtle; charset=utf-8"
    graph = Graph().parse(data=reply.body, format="turtle")
    (report,) = graph.subjects(RDF.type, SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    (result,) = graph.objects(report, SH.result)
    assert str(graph.value(result, SH.sourceShape)) == expected_result(fixture)["shape"]
    assert str(graph.value(result, SH.focusNode)) == expected_result(fixture)["focus"]


@pytest.mark.parametrize(("media", "syntax"), [
    ("application/n-triples", "nt"), ("application/rdf+xml", "xml"),
    ("application/ld+json", "json-ld"), ("application/trig", "trig")])
def test_every_syntax_by_content_type(server, before, media, syntax):
    fixture = INVALID[1]
    body = Graph().parse(fixture).serialize(format=syntax).encode()
    reply = post_validate(server, body, {"Content-Type": media})
    assert essentials(json.loads(reply.body)["results"]) == [expected_result(fixture)]


def test_browser_gets_the_report_as_a_page(server, before):
    fixture = INVALID[0]
    reply = post_validate(server, fixture.read_bytes(), {**TURTLE, "Accept": BROWSER})
    assert reply.status == 200 and reply.content_type == "text/html; charset=utf-8"
    page = parse_html(reply.body)
    assert {"verdict", "results", "validate-form"} <= page.ids
    rows = [r for r in page.rows if r and r[0] != "severity"]
    assert len(rows) == 1 and rows[0][0] == "Violation"
    assert rows[0][3] == expected_result(fixture)["message"]


def test_the_form_page_and_an_upload(server, before):
    reply = request(server.url + "/validate", headers={"Accept": BROWSER})
    assert reply.status == 200 and reply.content_type == "text/html; charset=utf-8"
    assert {"validate-form", "text", "file", "syntax"} <= parse_html(reply.body).ids
    fixture = INVALID[2]
    boundary = "llmatlasboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"syntax\"\r\n\r\n\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{fixture.name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            ).encode() + fixture.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}", "Accept": BROWSER}
    reply = post_validate(server, body, headers)
    assert reply.status == 200
    rows = [r for r in parse_html(reply.body).rows if r and r[0] != "severity"]
    assert [row[3] for row in rows] == [expected_result(fixture)["message"]]
    reply = post_validate(server, body, {**headers, "Accept": "application/json"})
    assert reply.content_type == "application/json"
    assert essentials(json.loads(reply.body)["results"]) == [expected_result(fixture)]


def test_pasted_text_with_a_syntax_error_shows_the_error_on_the_page(server, before):
    body = "syntax=turtle&text=%3Curn%3Aa%3E+%3Curn%3Ab%3E"
    reply = post_validate(server, body.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "Accept": BROWSER})
    assert reply.status == 400 and reply.content_type == "text/html; charset=utf-8"
    assert "error" in parse_html(reply.body).ids


@pytest.mark.parametrize(("body", "headers", "status"), [
    (b"<urn:a> <urn:b> .", TURTLE, 400),
    (b"{not json", {"Content-Type": "application/ld+json"}, 400),
    (b"<urn:a> <urn:b> <urn:c> .", {"Content-Type": "text/csv"}, 415),
    (b"<urn:a> <urn:b> <urn:c> .", {}, 415),
    (b"#" * 1_000_001, TURTLE, 413),
    (b'<urn:a> <urn:b> "' + b"x" * 10_001 + b'" .', TURTLE, 400),
    (b"<urn:a> <urn:b> <urn:" + b"x" * 4_100 + b"> .", TURTLE, 400),
])
def test_bad_documents_get_the_one_error_shape(server, before, body, headers, status):
    reply = post_validate(server, body, {**headers, **JSON_ACCEPT})
    assert reply.status == status
    assert reply.content_type == "application/json"
    error = json.loads(reply.body)["error"]
    assert error["status"] == status and error["message"]


def test_a_document_with_too_many_annotations_is_refused_before_the_shapes_run(server, before):
    text = "".join(solution_annotation(f"many-{i}") for i in range(21))
    reply = post_validate(server, text.encode(), TURTLE)
    assert reply.status == 400 and reply.content_type == "application/json"
    assert "holds 21 annotations" in json.loads(reply.body)["error"]["message"]


def test_validate_never_writes(server, before):
    assert dump(server) == before
