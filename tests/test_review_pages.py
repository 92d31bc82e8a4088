"""The literature review where people and tools see it: paper and work pages, search, criterion
and protocol pages, /review and the gap reasons of /matrix, each checked against the sources
read with rdflib."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, SKOS, XSD

from llm_atlas.core.views.review import authors_in_order
from llm_atlas.namespaces import PREFIXES, RES
from pages import parse_page

ATLAS = Namespace(PREFIXES["atlas"])
BASE = "https://w3id.org/llm-atlas/"
REVIEW = BASE + "resource/review/"
KTO = URIRef(BASE + "resource/paper/ethayarajh-2024-kto")
KLEIN = URIRef(BASE + "resource/work/klein-1978-vertical-integration")
PROTOCOL = URIRef(REVIEW + "protocol")
HTML = "text/html; charset=utf-8"


def path(iri) -> str:
    return "/" + str(iri)[len(BASE):]


def html(client, url: str):
    reply = client.get(url, headers={"Accept": "text/html"})
    assert (reply.status_code, reply.content_type) == (200, HTML), reply.data[:300]
    return parse_page(reply.data)


def record_of(annotations: Graph, work: URIRef) -> URIRef:
    (record,) = annotations.subjects(ATLAS.screened, work)
    return record


def test_authors_follow_the_citation_and_match_fuller_names():
    creators = {"p:christiano": "Paul F. Christiano", "p:madry": "Aleksander Madry",
                "p:le": "Quoc V. Le", "p:hd": "Zac Hatfield-Dodds", "p:extra": "Ann Other"}
    citation = ("Quoc V Le, Aleksander Mądry, Paul Christiano, Zac Hatfield Dodds, Nobody Known"
                " (2024). A Title. Venue.")
    assert authors_in_order(citation, creators) == [
        {"name": "Quoc V Le", "iri": "p:le"}, {"name": "Aleksander Mądry", "iri": "p:madry"},
        {"name": "Paul Christiano", "iri": "p:christiano"},
        {"name": "Zac Hatfield Dodds", "iri": "p:hd"}, {"name": "Nobody Known", "iri": None},
        {"name": "Ann Other", "iri": "p:extra"}]
    assert authors_in_order(" (2025). No authors.", {}) == []


def test_included_paper_page_says_how_it_came_to_be_here(client, annotations):
    page = html(client, path(KTO))
    record = record_of(annotations, KTO)
    search = annotations.value(record, ATLAS.identifiedBy)
    assert search == URIRef(REVIEW + "search-25dbcbe63f2c")
    assert page.clean("review").startswith("How this paper came to be here")
    assert page.clean("review-decision") == "included"
    assert page.clean("review-criterion") == (
        "I1 · I1: proposes, evaluates or critiques an alignment method")
    assert page.links("review-criterion") == {path(REVIEW + "criterion-I1")}
    search_text = page.clean("review-search")
    assert str(annotations.value(search, ATLAS.searchString)) in search_text
    assert "stored public web pages of the search tool, 2026-12-02" in search_text
    assert page.links("review-search") == {path(search), path(REVIEW + "source-pages")}
    agent = annotations.value(record, PROV.wasAssociatedWith)
    assert page.links("review-screened-by") == {path(agent)}
    assert page.clean("review-screened-by").endswith(
        " on " + str(annotations.value(record, DCTERMS.date)))
    assert page.clean("review-verification") == " ".join(
        str(annotations.value(record, ATLAS.verification)).split())
    assert page.clean("venue") == str(annotations.value(KTO, ATLAS.venue))
    assert page.clean("venue-year") == "2024" and page.clean("author-count") == "5"
    # the creators as the citation orders them (dcterms:creator alone is a set)
    names = {str(annotations.value(p, FOAF.name)): p for p in annotations.objects(KTO,
                                                                               DCTERMS.creator)}
    cited = str(annotations.value(KTO, DCTERMS.bibliographicCitation)).split(" (2024)")[0]
    expected = [path(names[n]) for n in cited.split(", ")]
    assert [a.href for a in page.anchors if "authors" in a.within] == expected


def test_every_author_of_a_long_list_is_linked_once(client, annotations):
    paper = URIRef(BASE + "resource/paper/bai-2022-constitutional-ai")
    page = html(client, path(paper))
    hrefs = [a.href for a in page.anchors if "authors" in a.within]
    count = int(annotations.value(paper, ATLAS.authorCount))
    assert count == 51 and len(hrefs) == count and page.clean("author-count") == "51"
    assert set(hrefs) == {path(p) for p in annotations.objects(paper, DCTERMS.creator)}
    first = page.clean("authors")
    assert first.startswith("Yuntao Bai") and "Scott Johnston" in first  # the citation's spelling


def test_excluded_work_page_says_excluded_and_why(client, annotations):
    page = html(client, path(KLEIN))
    record = record_of(annotations, KLEIN)
    assert annotations.value(record, ATLAS.decision) == ATLAS.Excluded
    assert page.clean("review").startswith("Excluded from the review: why")
    assert page.clean("review-decision") == "excluded"
    assert page.clean("review-criterion") == "E1 · E1: no verifiable identifier"
    assert page.links("review-criterion") == {path(REVIEW + "criterion-E1")}
    assert page.clean("review-verification") == " ".join(
        str(annotations.value(record, ATLAS.verification)).split())
    assert page.clean("author-count") == "3"


RDF_FORMATS = [("text/turtle", "text/turtle; charset=utf-8", "turtle"),
               ("application/n-triples", "application/n-triples", "nt"),
               ("application/ld+json", "application/ld+json", "json-ld"),
               ("application/rdf+xml", "application/rdf+xml; charset=utf-8", "xml")]


@pytest.mark.parametrize("iri", [KLEIN, PROTOCOL, URIRef(REVIEW + "search-25dbcbe63f2c"),
                                 URIRef(REVIEW + "criterion-E1"),
                                 URIRef(REVIEW + "screening-klein-1978-vertical-integration")])
@pytest.mark.parametrize("accept,content_type,parser", RDF_FORMATS)
def test_review_resources_negotiate_rdf(client, annotations, iri, accept, content_type, parser):
    reply = client.get(path(iri), headers={"Accept": accept})
    assert (reply.status_code, reply.content_type) == (200, content_type)
    got = Graph().parse(data=reply.data, format=parser)
    stated = {(s, p, as_stored(o)) for s, p, o in annotations.triples((iri, None, None))}
    assert stated and stated <= set(got)


def as_stored(term):
    """The term as the store gives it back: Oxigraph (pyoxigraph 0.5) keeps an
    xsd:positiveInteger (atlas:authorCount) as xsd:integer, so the served RDF says integer."""
    if isinstance(term, Literal) and term.datatype == XSD.positiveInteger:
        return Literal(str(term), datatype=XSD.integer)
    return term


@pytest.mark.parametrize("kind", ["paper", "work"])
def test_search_page_lists_what_it_returned(client, annotations, kind):
    # the review's searches are known-item searches: one that found an included paper, one that
    # found a work it excluded
    prefix = str(RES[f"{kind}/"])
    search = min(s for s, w in annotations.subject_objects(ATLAS.returned)
                 if str(w).startswith(prefix))
    page = html(client, path(search))
    returned = {path(w) for w in annotations.objects(search, ATLAS.returned)}
    works = {h for h in page.links("returned-table") if h.startswith(("/resource/paper/",
                                                                      "/resource/work/"))}
    assert returned and works == returned


def test_criterion_page_lists_the_works_decided_by_it(client, annotations):
    criterion = URIRef(REVIEW + "criterion-E1")
    page = html(client, path(criterion))
    decided = {path(annotations.value(r, ATLAS.screened))
               for r in annotations.subjects(ATLAS.byCriterion, criterion)}
    assert len(decided) == 3 and path(KLEIN) in decided
    assert page.links("decided-table") - {path(criterion)} == decided


def expected_summary(annotations: Graph) -> dict:
    """The review's counts computed from the sources with rdflib."""
    records = set(annotations.subjects(RDF.type, ATLAS.ScreeningRecord))
    decisions = Counter(annotations.value(r, ATLAS.decision) for r in records)
    by_criterion = Counter(str(annotations.value(r, ATLAS.byCriterion)) for r in records)
    searches = set(annotations.subjects(RDF.type, ATLAS.LiteratureSearch))
    by_source = Counter(str(annotations.value(s, ATLAS.searchedSource)) for s in searches)
    return {
        "counts": {"included": decisions[ATLAS.Included], "excluded": decisions[ATLAS.Excluded],
                   "searches": len(searches), "screened": len(records)},
        "criteria": {str(c): by_criterion[str(c)]
                     for c in annotations.objects(PROTOCOL, ATLAS.hasCriterion)},
        "sources": {str(s): by_source[str(s)]
                    for s in annotations.objects(PROTOCOL, ATLAS.hasSource)},
        "dimensions": {str(d) for d in annotations.objects(PROTOCOL, ATLAS.codingDimension)},
        "excluded": {str(annotations.value(r, ATLAS.screened)):
                     str(annotations.value(r, ATLAS.verification))
                     for r in records if annotations.value(r, ATLAS.decision) == ATLAS.Excluded},
    }


@pytest.mark.parametrize("url,headers", [("/review", {"Accept": "application/json"}),
                                         ("/review.json", {})])
def test_review_json_counts_equal_the_sources(client, annotations, url, headers):
    reply = client.get(url, headers=headers)
    assert (reply.status_code, reply.content_type) == (200, "application/json")
    (protocol,) = reply.get_json()["protocols"]
    want = expected_summary(annotations)
    assert protocol["iri"] == str(PROTOCOL)
    assert protocol["counts"] == want["counts"]
    assert want["counts"]["included"] == 188 and want["counts"]["excluded"] == 8
    assert {c["iri"]: c["works"] for c in protocol["criteria"]} == want["criteria"]
    assert [c["code"] for c in protocol["criteria"]] == [
        "I1", "I2", "I3", "I4", "I5", "E1", "E2", "E3", "E4", "E5"]
    assert {s["iri"]: s["searches"] for s in protocol["sources"]} == want["sources"]
    assert {d["iri"] for d in protocol["codingDimensions"]} == want["dimensions"]
    assert {w["iri"]: w["reason"] for w in protocol["excluded"]} == want["excluded"]
    assert protocol["topicAreas"] == []  # no atlas:topicArea in the sources yet


def test_review_html_and_protocol_page_show_the_same_summary(client, annotations):
    want = expected_summary(annotations)
    for url in ("/review", path(PROTOCOL)):
        page = html(client, url)
        counts = {k: int(page.clean("count-" + k)) for k in want["counts"]}
        assert counts == want["counts"], url
        assert page.links("criteria-table") == {path(c) for c in want["criteria"]}
        assert page.links("sources-table") == {path(s) for s in want["sources"]}
        assert page.links("dimensions") == {path(d) for d in want["dimensions"]}
        works = {h for h in page.links("excluded-table") if h.startswith("/resource/work/")}
        assert works == {path(w) for w in want["excluded"]}, url


def test_review_is_on_the_menus_and_refuses_formats_it_lacks(client):
    assert "/review" in html(client, "/").links("explore")
    assert "/review" in html(client, "/matrix").links()
    reply = client.get("/review.ttl")
    assert reply.status_code == 406 and "text/html" in reply.get_json()["error"]["message"]


GAP_CELLS = """
SELECT ?phase ?problem WHERE {
  ?phase a atlas:AdoptionPhase . ?problem a atlas:AgencyProblem .
  FILTER NOT EXISTS {
    ?a a atlas:SolutionAnnotation ; atlas:aboutPhase ?phase ; atlas:aboutAgencyProblem ?problem ;
       atlas:aboutMethod ?method .
    ?mechanism a atlas:Mechanism ; atlas:addresses ?problem .
    ?method atlas:realizes ?mechanism ; atlas:addresses ?problem ; atlas:applicableIn ?phase .
    ?phase atlas:stage ?stage .
    FILTER EXISTS { ?asymmetry atlas:causes ?problem ; atlas:stage ?stage }
  }
}"""


def recorded_reasons(annotations: Graph) -> dict[tuple[str, str], str]:
    value = annotations.value
    return {(str(value(c, ATLAS.cellPhase)), str(value(c, ATLAS.cellProblem))): str(reason)
            for c, reason in annotations.subject_objects(ATLAS.gapReason)}


def gap_cells(knowledge: Graph) -> set[tuple[str, str]]:
    """The cells no annotation supports under the matrix's own rules, computed with rdflib."""
    return {(str(r.phase), str(r.problem)) for r in knowledge.query(GAP_CELLS, initNs=PREFIXES)}


def test_matrix_shows_the_recorded_gap_reasons_in_json_csv_and_html(client, knowledge,
                                                                   annotations):
    reasons = recorded_reasons(annotations)
    assert len(reasons) >= 6 and set(reasons) <= gap_cells(knowledge)
    reply = client.get("/matrix", headers={"Accept": "application/json"})
    assert (reply.status_code, reply.content_type) == (200, "application/json")
    cells = reply.get_json()["cells"]
    assert len(cells) == 12 and all("gapReason" in c for c in cells)
    assert {(c["phase"], c["problem"]): c["gapReason"] for c in cells if c["gapReason"]} == reasons
    assert {(c["phase"], c["problem"]) for c in cells if c["gap"]} == gap_cells(knowledge)
    reply = client.get("/matrix.csv")
    assert (reply.status_code, reply.content_type) == (200, "text/csv; charset=utf-8")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode())))
    assert rows and all(r["gapReason"] == reasons.get((r["phase"], r["problem"]), "")
                        for r in rows)
    page = html(client, "/matrix")
    shown = {k: page.clean(k) for k in page.text if k.startswith("gap-")}
    assert shown == {f"gap-{p.rsplit('/', 1)[-1]}-{q.rsplit('/', 1)[-1]}": " ".join(r.split())
                     for (p, q), r in reasons.items()}


def test_every_cell_without_a_paper_has_a_recorded_reason(client, knowledge, annotations):
    reply = client.get("/matrix.json")
    gaps = {(c["phase"], c["problem"]) for c in reply.get_json()["cells"] if c["gap"]}
    assert gaps == gap_cells(knowledge) == set(recorded_reasons(annotations))


def test_the_review_vocabulary_used_by_the_pages_is_in_the_sources(annotations):
    # the pages read these literals; a rename in the data would empty them silently
    assert (URIRef(REVIEW + "criterion-I1"), ATLAS.criterionCode, Literal("I1")) in annotations
    assert annotations.value(URIRef(REVIEW + "criterion-I1"), SKOS.definition) is not None
