"""Statement provenance where people and tools see it: /matrix (JSON, CSV, HTML) and the pages."""

from __future__ import annotations

import csv
import io
import re

from rdflib.namespace import DCTERMS

from llm_atlas.core.views.matrix import CSV_COLUMNS, all_claims
from llm_atlas.core.views.provenance import STATUS_FILTERS
from llm_atlas.namespaces import PREFIXES, RES
from pages import Page

ATLAS = PREFIXES["atlas"]
KALTENPOTH = "https://w3id.org/llm-atlas/resource/paper/kaltenpoth-2025-llm-atlas"
STATUSES = {str(s) for s in STATUS_FILTERS.values()}
# the statements the LLM ATLAS paper makes, by their axioms in the store
PAPER_AXIOMS = """
SELECT ?s ?p ?o WHERE {
  ?ax owl:annotatedSource ?s ; owl:annotatedProperty ?p ; owl:annotatedTarget ?o ;
      atlas:provenanceStatus atlas:StatedInLLMAtlas .
  VALUES ?p { atlas:realizes atlas:addresses atlas:applicableIn atlas:aboutMethod
              atlas:aboutMechanism atlas:aboutAgencyProblem atlas:aboutPhase }
}"""


def triples(claims: list[dict]) -> set[tuple[str, str, str]]:
    return {(c["subject"], c["predicate"], c["object"]) for c in claims}


def test_every_claim_of_the_matrix_json_has_its_status_and_source(client, knowledge):
    reply = client.get("/matrix", headers={"Accept": "application/json"})
    assert reply.status_code == 200 and reply.content_type == "application/json"
    matrix = reply.get_json()
    claims = all_claims(matrix)
    assert len(claims) > 100 and matrix["filter"] == {"status": None}
    for claim in claims:
        assert claim["status"] in STATUSES, claim
        assert {"source", "statusLabel", "rationale", "rule", "citation"} <= claim.keys()
        if claim["status"] in (ATLAS + "StatedInLLMAtlas", ATLAS + "StatedInAnnotatedPaper"):
            assert claim["source"], claim
        if claim["status"] == ATLAS + "StandardAgencyTheory":
            assert claim["source"] or claim["citation"], claim
        if claim["status"] == ATLAS + "CuratorInference":
            assert claim["rationale"], claim
        if claim["status"] == ATLAS + "InferredByRule":
            assert claim["rule"], claim
    # the claims of a cell are the statements that put it together
    (cell,) = [c for c in matrix["cells"] if c["phase"] == ATLAS + "ModelSelection"
               and c["problem"] == ATLAS + "AdverseSelection"]
    (signaling,) = [m for m in cell["mechanisms"] if m["iri"] == ATLAS + "Signaling"]
    (card,) = [m for m in signaling["methods"] if m["iri"] == ATLAS + "ModelCard"]
    realizes = {(c["predicate"], c["status"], c["source"]) for c in card["claims"]}
    assert (ATLAS + "realizes", ATLAS + "StatedInLLMAtlas", KALTENPOTH) in realizes
    assert triples(signaling["claims"]) == {
        (ATLAS + "Signaling", ATLAS + "addresses", ATLAS + "AdverseSelection")}


def test_filtered_to_the_papers_claims_the_json_holds_exactly_those(client, knowledge):
    reply = client.get("/matrix.json?status=llm-atlas")
    assert reply.status_code == 200 and reply.content_type == "application/json"
    matrix = reply.get_json()
    claims = all_claims(matrix)
    expected = {tuple(map(str, row)) for row in knowledge.query(PAPER_AXIOMS, initNs=PREFIXES)}
    assert expected and triples(claims) == expected
    assert {c["status"] for c in claims} == {ATLAS + "StatedInLLMAtlas"}
    assert {c["source"] for c in claims} == {KALTENPOTH}
    assert matrix["filter"] == {"status": ATLAS + "StatedInLLMAtlas"}
    everything = all_claims(client.get("/matrix.json").get_json())
    assert triples(claims) == triples(
        [c for c in everything if c["status"] == ATLAS + "StatedInLLMAtlas"])
    assert len(matrix["cells"]) == 12  # the grid stays; only claims are left out


def test_an_unknown_filter_is_a_400_that_lists_the_allowed_ones(client):
    for path in ("/matrix.json?status=paper", "/matrix?status=", "/matrix.csv?status=LLM-ATLAS"):
        reply = client.get(path)
        assert reply.status_code == 400, path
        message = reply.get_json()["error"]["message"]
        assert all(name in message for name in STATUS_FILTERS), message


def test_matrix_csv_has_the_provenance_columns(client):
    reply = client.get("/matrix.csv")
    assert reply.status_code == 200 and reply.content_type == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(reply.get_data(as_text=True)))
    assert reader.fieldnames == CSV_COLUMNS
    rows = [r for r in reader if r["predicate"]]
    assert {r["claim_status"] for r in rows} == STATUSES - {ATLAS + "StatedInSource"}
    assert {"mechanism", "method", "paper"} == {r["claim_of"] for r in rows}
    row = next(r for r in rows if r["subject"] == ATLAS + "ModelCard"
               and r["predicate"] == ATLAS + "realizes")
    assert (row["claim_status"], row["claim_source"]) == (ATLAS + "StatedInLLMAtlas", KALTENPOTH)
    filtered = list(csv.DictReader(io.StringIO(
        client.get("/matrix.csv?status=llm-atlas").get_data(as_text=True))))
    assert {r["claim_status"] for r in filtered if r["predicate"]} == {ATLAS + "StatedInLLMAtlas"}


def test_matrix_page_marks_each_claim_and_links_its_source(client):
    reply = client.get("/matrix", headers={"Accept": "text/html"})
    assert reply.status_code == 200 and reply.content_type == "text/html; charset=utf-8"
    html = reply.get_data(as_text=True)
    markers = set(re.findall(r'class="prov prov-([a-z-]+)" data-status="([^"]*)"', html))
    assert markers == {("llm-atlas", ATLAS + "StatedInLLMAtlas"),
                       ("paper", ATLAS + "StatedInAnnotatedPaper"),
                       ("theory", ATLAS + "StandardAgencyTheory"),
                       ("curation", ATLAS + "CuratorInference"),
                       ("inferred", ATLAS + "InferredByRule")}
    assert '<a class="prov-source" href="/resource/paper/kaltenpoth-2025-llm-atlas">' in html
    assert "style=" not in html and "<script" not in html
    only = client.get("/matrix?status=llm-atlas").get_data(as_text=True)
    assert set(re.findall(r'class="prov prov-([a-z-]+)" data-status', only)) == {"llm-atlas"}


def test_a_term_page_shows_where_each_statement_comes_from(client, knowledge):
    reply = client.get("/ontology/ModelCard", headers={"Accept": "text/html"})
    assert reply.status_code == 200
    page = Page()
    page.feed(reply.get_data(as_text=True))
    statements = page.clean("statements-table")
    # realizes signaling: the paper's, with its source named by the title the graph holds
    # (the review rewrote it as the chapter spells it); applicable in: curation with rationale
    title = knowledge.value(RES["paper/kaltenpoth-2025-llm-atlas"], DCTERMS.title)
    assert title and (f"realizes signaling stated in the LLM ATLAS paper; source {title}"
                      in statements), statements
    assert "applicable in model selection curator inference; The phases" in statements
    assert re.search(r"adverse selection ?inferred inferred by rule; rule mechanism at",
                     statements), statements
    mentions = page.clean("mentions-table")
    assert "about method stated in the annotated paper; source Model Cards" in mentions
    # the axiom nodes are shown as provenance, never as statements of their own
    html = reply.get_data(as_text=True)
    assert "annotatedSource" not in html and "owl:Axiom" not in html and "[]" not in html


def test_a_paper_page_lists_the_statements_it_is_the_source_of(client):
    reply = client.get("/resource/paper/mitchell-2019-model-cards.html")
    assert reply.status_code == 200
    html = reply.get_data(as_text=True)
    section = html[html.index('<section id="sourced">'):]
    section = section[:section.index("</section>")]
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", section, re.S)]
    assert [" ".join(c.split()) for c in cells] == [
        "res:annotation/mitchell-2019-model-cards", "about method", "model card",
        "stated in the annotated paper; source Model Cards for Model Reporting"]
