"""What one submission may describe (core/annotations/submission.py, plan_submission), on small
rdflib graphs: how an accepted document splits into the annotation's and the paper's part, and
each refusal's message."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from llm_atlas.core.annotations.submission import (
    StoredDescriptions,
    creator_refusals,
    plan_submission,
    stored_conflicts,
)
from llm_atlas.errors import SubmissionRejected
from submissions_kit import RES, solution_annotation, turtle_graph

BASE = "https://w3id.org/llm-atlas/"
PREFIXES = f"""
@prefix atlas: <{BASE}ontology/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""
ANNOTATION = URIRef(RES + "annotation/a1")
PAPER = URIRef(RES + "paper/p1")


def doc(body: str) -> Graph:
    """A Turtle document; `res:x/y` stands for an IRI under resource/ (no local name has a /)."""
    return turtle_graph(PREFIXES + re.sub(r"\bres:(\S+)", rf"<{RES}\1>", body))


def about(graph: Graph, *nodes) -> Graph:
    """The triples of a graph whose subject is one of the nodes."""
    out = Graph()
    for node in nodes:
        for triple in graph.triples((node, None, None)):
            out.add(triple)
    return out


def refusal(graph: Graph) -> str:
    with pytest.raises(SubmissionRejected) as refused:
        plan_submission(graph, BASE)
    return str(refused.value)


# -- what is accepted, and where it goes --------------------------------------------------------

def test_an_annotation_with_its_paper_splits_into_two_parts():
    graph = turtle_graph(solution_annotation("a1", paper="p1"))
    author = URIRef(RES + "person/author-of-p1")
    plan = plan_submission(graph, BASE)
    assert (plan.annotation, plan.slug, plan.paper, plan.target) == (ANNOTATION, "a1", PAPER,
                                                                   PAPER)
    assert plan.creators == frozenset({author})
    assert len(plan.annotation_triples) == 12
    assert isomorphic(plan.annotation_triples, about(graph, ANNOTATION))
    assert isomorphic(plan.paper_triples, about(graph, PAPER, author))
    assert plan.described_iris() == {str(ANNOTATION), str(PAPER), str(author)}


def test_an_annotation_of_a_paper_it_does_not_describe_has_a_target_and_no_paper():
    graph = turtle_graph(solution_annotation("a1", paper="p1", describe_paper=False))
    plan = plan_submission(graph, BASE)
    assert (plan.paper, plan.target, plan.creators, len(plan.paper_triples)) == (
        None, PAPER, frozenset(), 0)
    assert isomorphic(plan.annotation_triples, graph)
    assert plan.described_iris() == {str(ANNOTATION)}


def test_blank_nodes_go_with_the_node_that_reaches_them():
    graph = doc("""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget res:paper/p1 ;
            oa:hasBody [ rdfs:label "body" ; rdfs:seeAlso [ rdfs:label "deeper" ] ] .
        res:paper/p1 dcterms:title "P" ;
            dcterms:creator res:person/x , <https://orcid.org/0000-0001> ;
            dcterms:isPartOf [ rdfs:label "venue" ] .
        res:person/x foaf:name "X" ; foaf:account [ rdfs:label "acct" ] .
        <https://orcid.org/0000-0001> foaf:name "Y" .
    """)
    plan = plan_submission(graph, BASE)
    assert len(plan.annotation_triples) == 6  # type, target, body, and its nodes' three
    assert len(plan.paper_triples) == 9  # the paper's four, its venue's, the creators' four
    assert len(plan.annotation_triples) + len(plan.paper_triples) == len(graph)
    assert plan.creators == frozenset({URIRef(RES + "person/x"),
                                       URIRef("https://orcid.org/0000-0001")})


@pytest.mark.parametrize("creator", ["res:person/a-b_c", "res:organization/Lab9",
                                     "<https://orcid.org/0000-0002-1825-0097>",
                                     "<http://example.org/people/x>"])
def test_a_creator_may_be_a_person_an_organization_or_from_outside(creator):
    plan = plan_submission(doc(f"""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget res:paper/p1 .
        res:paper/p1 dcterms:creator {creator} .
        {creator} foaf:name "Someone" .
    """), BASE)
    assert len(plan.creators) == 1 and len(plan.paper_triples) == 2


@pytest.mark.parametrize(("targets", "target"), [
    ("res:paper/p1", PAPER),
    ("res:paper/p1 , res:paper/p2", None),  # more than one: no single target
    ('"a literal"', None),
    ("res:annotation/a1", ANNOTATION),  # itself: a target, never a paper
])
def test_the_target_is_the_one_iri_targeted(targets, target):
    plan = plan_submission(doc(f"res:annotation/a1 a atlas:Annotation ; oa:hasTarget {targets} ."),
                           BASE)
    assert (plan.target, plan.paper) == (target, None)


# -- what is refused ----------------------------------------------------------------------------

def test_a_document_without_an_annotation_is_refused():
    assert refusal(doc('res:paper/p1 dcterms:title "P" .')).startswith(
        "the document holds no atlas:Annotation: a submission is one annotation")


def test_two_annotations_are_refused_naming_them():
    assert refusal(doc("res:annotation/b a atlas:Annotation . res:annotation/a a atlas:Annotation ."
                       )) == ("the document holds 2 annotations (res:annotation/a, "
                              "res:annotation/b); submit one annotation per request")


@pytest.mark.parametrize("name", [
    "[]", "res:paper/a1", "<http://example.org/annotation/a1>", "res:annotation/",
    "res:annotation/a.b", "res:annotation/a/b", "res:annotation/-a", "res:annotation/_a",
    "res:annotation/" + "a" * 201, "res:annotation/a%20b",
])
def test_an_annotation_must_be_named_by_a_slug_under_annotation(name):
    message = refusal(doc(f"{name} a atlas:Annotation ."))
    assert f"must be named by an IRI {RES}annotation/SLUG, with SLUG of letters" in message


def test_the_longest_slug_is_accepted():
    slug = "a" * 200
    assert plan_submission(doc(f"res:annotation/{slug} a atlas:Annotation ."), BASE).slug == slug


@pytest.mark.parametrize("prop", ["wasGeneratedBy", "invalidatedAtTime", "wasInvalidatedBy"])
def test_the_service_s_own_provenance_is_refused(prop):
    message = refusal(doc(f'res:annotation/a1 a atlas:Annotation ; prov:{prop} "x" .'))
    assert message.startswith(f"the annotation may not state prov:{prop}: the service records")


@pytest.mark.parametrize("paper", ["<http://example.org/paper/p1>", "res:person/p1",
                                   "res:paper/p.1"])
def test_a_described_paper_must_be_named_under_paper(paper):
    message = refusal(doc(f"""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget {paper} .
        {paper} dcterms:title "P" .
    """))
    assert f"must be named by an IRI {RES}paper/SLUG (it names the paper's graph)" in message


@pytest.mark.parametrize(("creator", "named"), [
    ("atlas:MoralHazard", "atlas:MoralHazard"),
    ("res:agent/llm-atlas-curators", "res:agent/llm-atlas-curators"),
    ("res:person/a.b", "res:person/a.b"),
    ("<https://w3id.org/llm-atlas/>", f"<{BASE}>"),
])
def test_a_creator_in_our_space_must_be_a_person_or_an_organization(creator, named):
    message = refusal(doc(f"""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget res:paper/p1 .
        res:paper/p1 dcterms:creator {creator} .
    """))
    assert message.startswith(f"the creator {named} of the paper res:paper/p1 is not a person "
                              "or an organization")


@pytest.mark.parametrize(("extra", "named"), [
    ('atlas:MoralHazard rdfs:label "rewritten" .', "atlas:MoralHazard"),
    ('res:annotation/other rdfs:label "x" .', "res:annotation/other"),
    ('res:paper/p2 dcterms:title "not the target" .', "res:paper/p2"),
    ('[] rdfs:label "loose" .', "_:"),
    # the paper's other links are not creators: what they point to is not the paper's to describe
    ('res:paper/p1 dcterms:isPartOf res:venue/v . res:venue/v rdfs:label "V" .', "res:venue/v"),
    ('res:person/x foaf:name "not a creator of p1" .', "res:person/x"),
])
def test_anything_else_described_is_refused_and_named(extra, named):
    message = refusal(doc(f"""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget res:paper/p1 .
        res:paper/p1 dcterms:title "P" .
        {extra}
    """))
    assert message.startswith("a submission may describe only its annotation, the paper it "
                              f"targets and that paper's creators; it also describes {named}")


def test_a_paper_not_targeted_alone_is_refused():
    message = refusal(doc("""
        res:annotation/a1 a atlas:Annotation ; oa:hasTarget res:paper/p1 , res:paper/p2 .
        res:paper/p1 dcterms:title "P" .
    """))
    assert message.endswith("it also describes res:paper/p1")


def test_a_long_list_of_extras_is_cut_at_five():
    extras = " ".join(f'atlas:T{i} rdfs:label "x" .' for i in range(8))
    message = refusal(doc(f"res:annotation/a1 a atlas:Annotation . {extras}"))
    assert message.endswith("it also describes atlas:T0, atlas:T1, atlas:T2, atlas:T3, "
                            "atlas:T4 and 3 more")


# -- against what the store holds -------------------------------------------------------------

def planned() -> tuple:
    graph = turtle_graph(solution_annotation("a1", paper="p1"))
    return plan_submission(graph, BASE), graph


def test_a_stored_paper_described_again_exactly_is_no_conflict():
    plan, graph = planned()
    stored = StoredDescriptions()
    for s, p, o in plan.paper_triples:
        stored.add(s, p, o, RES + "paper/p1")
    assert stored_conflicts(plan, stored) == []
    assert creator_refusals(plan, stored, BASE) == []


def test_one_new_triple_about_a_stored_paper_is_a_conflict():
    plan, _ = planned()
    stored = StoredDescriptions()
    for s, p, o in plan.paper_triples.triples((PAPER, None, None)):
        if str(p) != "http://purl.org/dc/terms/title":
            stored.add(s, p, o, RES + "paper/p1")
    assert stored_conflicts(plan, stored) == [
        "res:paper/p1 is already in the store (in the graph res:paper/p1) and the submission "
        "says more or otherwise about it (1 triples the store does not hold, e.g. "
        "dcterms:title); leave its description out, or send it unchanged",
        "res:person/author-of-p1 is new, but the paper res:paper/p1 is already in the store and "
        "a submission does not change a stored paper; leave the paper's description out"]


def test_a_stored_annotation_iri_is_a_conflict():
    plan, _ = planned()
    stored = StoredDescriptions()
    stored.add(ANNOTATION, URIRef("urn:p"), URIRef("urn:o"), str(ANNOTATION))
    assert stored_conflicts(plan, stored) == [
        "the annotation res:annotation/a1 is already in the store (in the graph "
        "res:annotation/a1); annotation IRIs are permanent: give a new one a new slug"]


@pytest.mark.parametrize(("graph", "refused"), [
    (RES + "paper/other", False), (RES + "source/papers", False),
    (BASE + "ontology", True), (RES + "annotation/x", True), (BASE + "shapes", True),
])
def test_a_creator_stored_outside_papers_graphs_is_refused(graph, refused):
    plan, _ = planned()
    stored = StoredDescriptions()
    stored.add(URIRef(RES + "person/author-of-p1"), URIRef("urn:p"), URIRef("urn:o"), graph)
    problems = creator_refusals(plan, stored, BASE)
    assert len(problems) == refused
    if refused:
        assert problems[0].startswith("the creator res:person/author-of-p1 is already described "
                                      "by the store as something other than a paper's creator")
