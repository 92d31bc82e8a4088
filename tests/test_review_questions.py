"""The questions over the literature review, checked where a golden answer alone would not catch
a wrong query: other parameters, the data counted without SPARQL, and the matrix's gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF

from live import request
from llm_atlas.namespaces import ATLAS, OA, PREFIXES, RES
from test_queries import ask_named, rows_of

ROOT = Path(__file__).resolve().parent.parent
KLEIN = str(RES["work/klein-1978-vertical-integration"])
WEIDINGER = str(RES["work/weidinger-2022-taxonomy-risks"])


@pytest.fixture(scope="module")
def server(any_backend_server):
    return any_backend_server


def ask(server, name: str, **params) -> list[dict]:
    reply = ask_named(server, name, **params)
    assert reply.status == 200, reply.body
    assert reply.content_type == "application/sparql-results+json"
    return rows_of(reply.body)


@pytest.mark.parametrize(("work", "code", "label"), [
    (KLEIN, "E1", "E1: no verifiable identifier"),
    (WEIDINGER, "E2", "E2: duplicate or later version"),
])
def test_an_excluded_work_is_here_for_its_exclusion_criterion(server, work, code, label):
    rows = ask(server, "why-is-this-paper-here", paper=work)
    assert len(rows) == 1  # one screening record, one search, no annotation
    row = rows[0]
    assert row["decision"] == str(ATLAS.Excluded)
    assert (row["code"], row["criterion"]) == (code, label)
    assert row["verification"].startswith(f"Excluded {code}")
    assert row["searchString"] and row["source"].startswith(str(RES["review/source-"]))
    assert "annotation" not in row and "method" not in row


def test_an_included_framing_paper_is_here_with_its_concepts(server, knowledge):
    paper = RES["paper/jensen-1976-theory-firm"]
    rows = ask(server, "why-is-this-paper-here", paper=str(paper))
    concepts = {o for a in knowledge.subjects(OA.hasTarget, paper)
                for o in knowledge.objects(a, ATLAS.aboutConcept)}
    assert concepts and {URIRef(r["concept"]) for r in rows} == concepts
    assert {r["decision"] for r in rows} == {str(ATLAS.Included)}
    assert {r["code"] for r in rows} <= {"I1", "I2", "I3", "I4", "I5"}


def test_defences_since_a_year_after_the_review_answer_nothing(server):
    assert ask(server, "defences-in-phase-since", year="2100") == []


def test_defences_since_an_earlier_year_add_earlier_papers_and_respect_the_year(
        server, knowledge):
    since_2024 = ask(server, "defences-in-phase-since", problem="atlas:Jailbreaking")
    since_2023 = ask(server, "defences-in-phase-since", problem="atlas:Jailbreaking",
                     year="2023")
    assert {r["paper"] for r in since_2024} < {r["paper"] for r in since_2023}
    assert str(RES["paper/robey-2023-smoothllm"]) in {r["paper"] for r in since_2023}
    for row in since_2023:
        assert int(row["issued"]) >= 2023
        assert Literal(row["issued"], datatype=URIRef(PREFIXES["xsd"] + "gYear")) in set(
            knowledge.objects(URIRef(row["paper"]), DCTERMS.issued))


def test_every_gap_has_a_reason_and_no_annotation_about_its_cell(server, knowledge):
    rows = ask(server, "gaps-with-reasons")
    assert rows and all(r.get("reason") for r in rows)
    # the cells no solution annotation supports under the contract-stage rule, walked without
    # SPARQL: its method addresses the problem and is applicable in the phase, and an asymmetry
    # causing the problem is at the phase's stage
    def staged(method, phase, problem) -> bool:
        stage = knowledge.value(phase, ATLAS.stage)
        return ((method, ATLAS.addresses, problem) in knowledge
                and (method, ATLAS.applicableIn, phase) in knowledge
                and any((a, ATLAS.stage, stage) in knowledge
                        for a in knowledge.subjects(ATLAS.causes, problem)))

    placed = {(phase, problem)
              for a in knowledge.subjects(RDF.type, ATLAS.SolutionAnnotation)
              for phase in knowledge.objects(a, ATLAS.aboutPhase)
              for problem in knowledge.objects(a, ATLAS.aboutAgencyProblem)
              if staged(knowledge.value(a, ATLAS.aboutMethod), phase, problem)}
    cells = {(str(knowledge.value(c, ATLAS.cellPhase)), str(knowledge.value(c, ATLAS.cellProblem)),
              str(c)) for c in knowledge.subjects(RDF.type, ATLAS.ProblemSolutionCell)}
    gaps = {cell for cell in cells if (URIRef(cell[0]), URIRef(cell[1])) not in placed}
    assert {(r["phase"], r["problem"], r["cell"]) for r in rows} == gaps
    for row in rows:
        reason = Literal(row["reason"], lang="en")
        assert (URIRef(row["cell"]), ATLAS.gapReason, reason) in knowledge
    # and the cells the review gave a reason are exactly these
    assert {str(c) for c in knowledge.subjects(ATLAS.gapReason, None)} == {r["cell"] for r in rows}
    # and they are exactly the matrix's gaps
    matrix = json.loads(request(server.url + "/matrix",
                                headers={"Accept": "application/json"}).body)
    matrix_gaps = {(c["phase"], c["problem"]) for c in matrix["cells"] if c["gap"]}
    assert {(r["phase"], r["problem"]) for r in rows} == matrix_gaps


def _mappings_of(subject: str) -> set[tuple[str, str, str]]:
    lines = (ROOT / "mappings" / "llm-atlas.sssom.tsv").read_text(encoding="utf-8").splitlines()
    table = [line.split("\t") for line in lines if line and not line.startswith("#")]
    rows = [dict(zip(table[0], cells, strict=True)) for cells in table[1:]]
    return {(r["predicate_id"], r["object_label"], r["comment"]) for r in rows
            if r["subject_id"] == subject}


@pytest.mark.parametrize("term", ["PromptInjection", "Hallucination", "Bonding"])
def test_external_names_are_the_rows_of_the_mapping_file(server, term):
    rows = ask(server, "external-names-of-problem", problem=f"atlas:{term}")
    skos = PREFIXES["skos"]
    got = {("skos:" + r["predicate"].removeprefix(skos), r["label"], r["comment"]) for r in rows}
    assert got == _mappings_of(f"atlas:{term}")
    assert bool(rows) == (term != "Bonding")  # the mechanisms are not mapped


def test_what_a_search_returned_is_what_the_search_records(server, knowledge):
    excluded_search = knowledge.value(RES["review/screening-klein-1978-vertical-integration"],
                                      ATLAS.identifiedBy)
    rows = ask(server, "what-search-returned", search=str(excluded_search))
    assert {r["work"] for r in rows} == {
        str(w) for w in knowledge.objects(excluded_search, ATLAS.returned)}
    assert (rows[0]["work"], rows[0]["decision"], rows[0]["code"]) == (
        KLEIN, str(ATLAS.Excluded), "E1")
    # the default search (the query's header) answers what that search records
    header = (ROOT / "queries" / "what-search-returned.rq").read_text()
    default_search = URIRef(header.split("# param: search iri ", 1)[1].split()[0])
    default = ask(server, "what-search-returned")
    assert {r["work"] for r in default} == {
        str(w) for w in knowledge.objects(default_search, ATLAS.returned)} != set()


def test_excluded_works_are_every_excluded_screening_record(server, knowledge):
    rows = ask(server, "excluded-and-why")
    records = set(knowledge.subjects(ATLAS.decision, ATLAS.Excluded))
    assert len(rows) == len(records) == 8
    assert {r["work"] for r in rows} == {str(knowledge.value(r, ATLAS.screened))
                                         for r in records}
    assert all(r["code"].startswith("E") and r["criterion"].startswith(r["code"] + ":")
               for r in rows)


def test_review_coverage_counts_what_the_annotations_name(server, knowledge):
    """Counted by walking the triples, without SPARQL."""
    expected = {}
    for mechanism in knowledge.subjects(RDF.type, ATLAS.Mechanism):
        methods, papers = set(), set()
        for method in knowledge.subjects(ATLAS.realizes, mechanism):
            for annotation in knowledge.subjects(ATLAS.aboutMethod, method):
                if (annotation, RDF.type, ATLAS.SolutionAnnotation) in knowledge:
                    methods.add(method)
                    papers.update(knowledge.objects(annotation, OA.hasTarget))
        expected[str(mechanism)] = (str(len(methods)), str(len(papers)))
    rows = ask(server, "review-coverage")
    assert {r["mechanism"]: (r["methods"], r["papers"]) for r in rows} == expected


def test_papers_per_exemplifying_problem_are_counted_without_sparql(server, knowledge):
    rows = ask(server, "problems-exemplifying-asymmetry")
    for row in rows:
        problem = URIRef(row["alignmentProblem"])
        assert (problem, ATLAS.exemplifies, URIRef(row["asymmetry"])) in knowledge
        assert (URIRef(row["asymmetry"]), ATLAS.causes, URIRef(row["agencyProblem"])) in knowledge
        papers = {p for a in knowledge.subjects(ATLAS.aboutAlignmentProblem, problem)
                  for p in knowledge.objects(a, OA.hasTarget)}
        assert row["papers"] == str(len(papers))
    assert len({r["alignmentProblem"] for r in rows}) == len(
        set(knowledge.subjects(ATLAS.exemplifies, None)))


def _store(knowledge) -> ox.Store:
    store = ox.Store()
    store.load(knowledge.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    return store


def _cells(store: ox.Store) -> set[tuple[str, str]]:
    text = (ROOT / "queries" / "cells-resting-on-curation.rq").read_text()
    return {(r["phase"].value, r["problem"].value) for r in store.query(text)}


def test_a_cell_stated_by_a_paper_no_longer_rests_on_curation(knowledge):
    """The query on Oxigraph, before and after one placing statement becomes a paper's own."""
    store = _store(knowledge)
    before = _cells(store)
    cell = (str(ATLAS.Operation), str(ATLAS.MoralHazard))
    assert cell in before
    annotation = ox.NamedNode(str(RES["annotation/zheng-2023-llm-judge"]))
    about_phase, operation = (ox.NamedNode(str(ATLAS.aboutPhase)),
                              ox.NamedNode(str(ATLAS.Operation)))
    axioms = [q.subject for q in store.quads_for_pattern(
        None, ox.NamedNode(str(OWL.annotatedSource)), annotation)
        if ox.Quad(q.subject, ox.NamedNode(str(OWL.annotatedProperty)), about_phase) in store
        and ox.Quad(q.subject, ox.NamedNode(str(OWL.annotatedTarget)), operation) in store]
    assert len(axioms) == 1
    store.add(ox.Quad(axioms[0], ox.NamedNode(str(ATLAS.provenanceStatus)),
                      ox.NamedNode(str(ATLAS.StatedInAnnotatedPaper))))
    after = _cells(store)
    assert before - after == {cell}
