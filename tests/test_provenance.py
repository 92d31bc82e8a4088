"""Provenance per statement: honest statuses, traced inferences, the provider, OWL 2 DL, SKOS."""

from __future__ import annotations

import re

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from llm_atlas.core.checking.rules import parse_statement_key
from llm_atlas.core.checking.validation import validate_graph
from llm_atlas.namespaces import ATLAS, PREFIXES

KALTENPOTH = URIRef("https://w3id.org/llm-atlas/resource/paper/kaltenpoth-2025-llm-atlas")
ANN = "https://w3id.org/llm-atlas/resource/annotation/kaltenpoth-2025-llm-atlas"

# What FRAMEWORK.md ("Exactly what the paper is known to state") supports, and nothing more.
PAPER_TERMS = {"AdoptingOrganization", "LargeLanguageModel", "LLMAdoptionRelationship",
               "OffTopicContent", "DiscriminatoryContent", "HarmfulContent",
               "HiddenCharacteristics", "HiddenAction", "ModelCard", "AdversarialAttack",
               "IncorporatingHumanPreferences",
               "ModelDrivenSupervision"}
PAPER_PAIRS = [("ModelCard", "Signaling", "model-card"),
               ("AdversarialAttack", "Screening", "adversarial-attack"),
               ("IncorporatingHumanPreferences", "Bonding", "human-preferences"),
               ("ModelDrivenSupervision", "Monitoring", "model-driven-supervision")]
FRAMING = ["InformationAsymmetry", "HiddenCharacteristics", "HiddenAction", "Principal", "Agent",
           "OffTopicContent", "DiscriminatoryContent", "HarmfulContent"]
PAPER_STATEMENTS = {
    *{(ATLAS[m], ATLAS.realizes, ATLAS[k]) for m, k, _ in PAPER_PAIRS},
    *{(URIRef(f"{ANN}-{slug}"), ATLAS.aboutMethod, ATLAS[m]) for m, _, slug in PAPER_PAIRS},
    *{(URIRef(f"{ANN}-{slug}"), ATLAS.aboutMechanism, ATLAS[k]) for _, k, slug in PAPER_PAIRS},
    *{(URIRef(f"{ANN}-framing"), ATLAS.aboutConcept, ATLAS[c]) for c in FRAMING},
    (ATLAS.HiddenCharacteristics, ATLAS.informedParty, ATLAS.LargeLanguageModel),
    (ATLAS.HiddenAction, ATLAS.informedParty, ATLAS.LargeLanguageModel),
    (ATLAS.LLMAdoptionRelationship, ATLAS.hasPrincipal, ATLAS.AdoptingOrganization),
    (ATLAS.LLMAdoptionRelationship, ATLAS.hasAgent, ATLAS.LargeLanguageModel),
}
STATEMENT_PREDICATES = [ATLAS[p] for p in (
    "causes", "addresses", "realizes", "applicableIn", "mitigates", "initiatedBy", "stage",
    "immediatelyPrecedes", "informedParty", "incursCost", "reducesCost", "borneBy",
    "aboutMethod", "aboutMechanism", "aboutAgencyProblem", "aboutPhase", "aboutAlignmentProblem",
    "aboutConcept")]


def statements(graph: Graph) -> dict[tuple, list]:
    """Each annotated triple mapped to its axiom nodes."""
    found: dict[tuple, list] = {}
    for axiom in graph.subjects(RDF.type, OWL.Axiom):
        triple = (graph.value(axiom, OWL.annotatedSource),
                  graph.value(axiom, OWL.annotatedProperty),
                  graph.value(axiom, OWL.annotatedTarget))
        found.setdefault(triple, []).append(axiom)
    return found


def test_exactly_what_framework_supports_is_stated_in_the_llm_atlas_paper(knowledge):
    stated = {t for t, axioms in statements(knowledge).items()
              for ax in axioms if (ax, ATLAS.provenanceStatus, ATLAS.StatedInLLMAtlas) in knowledge}
    assert stated == PAPER_STATEMENTS
    terms = {str(s).removeprefix(str(ATLAS)) for s in knowledge.subjects(
        ATLAS.provenanceStatus, ATLAS.StatedInLLMAtlas) if isinstance(s, URIRef)
        and str(s).startswith(str(ATLAS))}
    assert terms == PAPER_TERMS
    annotations = {s for s in knowledge.subjects(ATLAS.provenanceStatus, ATLAS.StatedInLLMAtlas)
                   if (s, RDF.type, ATLAS.Annotation) in knowledge}
    assert annotations == {URIRef(f"{ANN}-framing")}
    for axioms in statements(knowledge).values():
        for ax in axioms:
            if (ax, ATLAS.provenanceStatus, ATLAS.StatedInLLMAtlas) in knowledge:
                assert set(knowledge.objects(ax, URIRef(PREFIXES["dcterms"] + "source"))) == {
                    KALTENPOTH}


def test_every_problem_solution_statement_has_exactly_one_provenance(knowledge):
    found = statements(knowledge)
    missing = [(s, p, o) for p in STATEMENT_PREDICATES for s, o in knowledge.subject_objects(p)
               if len(found.get((s, p, o), [])) != 1]
    assert missing == []
    for axioms in found.values():
        for ax in axioms:
            assert len(list(knowledge.objects(ax, ATLAS.provenanceStatus))) == 1, ax


def test_every_method_addressing_hold_up_has_a_supporting_statement(knowledge):
    found = statements(knowledge)
    holders = {m for m in knowledge.subjects(ATLAS.addresses, ATLAS.HoldUp)
               if (m, RDF.type, ATLAS.AlignmentMethod) in knowledge}
    # since 0.2.0 bonding at selection has methods with papers (open-weight release)
    assert ATLAS.OpenWeightRelease in holders
    for method in holders:
        assert found.get((method, ATLAS.addresses, ATLAS.HoldUp)), method
        assert (method, ATLAS.realizes, ATLAS.Bonding) in knowledge, method
    assert (ATLAS.Bonding, ATLAS.addresses, ATLAS.HoldUp) in knowledge  # the theory stays


def test_every_inferred_statement_names_its_rule_and_premises_that_the_graph_holds(knowledge):
    found = statements(knowledge)
    inferred = [ax for axioms in found.values() for ax in axioms
                if (ax, ATLAS.provenanceStatus, ATLAS.InferredByRule) in knowledge]
    assert len(inferred) > 100
    for ax in inferred:
        rule = knowledge.value(ax, ATLAS.inferenceRule)
        assert (rule, RDF.type, ATLAS.InferenceRule) in knowledge, ax
        assert rule != ATLAS.OWLEntailmentRule
        premises = list(knowledge.objects(ax, ATLAS.premise))
        assert premises, ax
        for premise in premises:
            triple = parse_statement_key(str(premise))
            assert triple is not None and triple in knowledge, premise
            schema = triple[1] in (RDF.type, RDFS.subClassOf)
            assert schema or triple in found, f"premise without provenance: {premise}"


def test_every_triple_of_the_inferred_file_says_how_it_was_inferred(sources):
    from llm_atlas.core.knowledge.sources import load_graph

    inferred = load_graph([sources.inferred_file])
    found = statements(inferred)
    plain = [t for t in inferred if not isinstance(t[0], BNode)]
    assert plain and all(t in found for t in plain)


def test_the_provider_initiates_signaling_and_bonding_and_bears_the_bonding_cost(knowledge):
    assert set(knowledge.objects(ATLAS.Signaling, ATLAS.initiatedBy)) == {ATLAS.ModelProvider}
    assert set(knowledge.objects(ATLAS.Bonding, ATLAS.initiatedBy)) == {ATLAS.ModelProvider}
    assert (ATLAS.LLMBondingCost, ATLAS.borneBy, ATLAS.ModelProvider) in knowledge
    assert (ATLAS.HiddenIntention, ATLAS.informedParty, ATLAS.ModelProvider) in knowledge
    assert (ATLAS.ModelProvider, RDF.type, ATLAS.Agent) in knowledge
    assert not set(knowledge.subjects(ATLAS.initiatedBy, ATLAS.LargeLanguageModel))
    for mechanism in (ATLAS.Signaling, ATLAS.Bonding):
        (ax,) = statements(knowledge)[(mechanism, ATLAS.initiatedBy, ATLAS.ModelProvider)]
        assert knowledge.value(ax, ATLAS.provenanceStatus) == ATLAS.CuratorInference
        assert knowledge.value(ax, ATLAS.rationale) is not None


def test_agency_costs_contracts_and_goal_conflicts_are_connected(knowledge):
    ask = "ASK { ?m atlas:incursCost ?c . ?c a ?k . ?k rdfs:subClassOf atlas:AgencyCost }"
    assert knowledge.query(ask, initNs=PREFIXES).askAnswer
    for cls in ("Contract", "GoalConflict", "MonitoringCost", "BondingCost", "ResidualLoss"):
        assert set(knowledge.subjects(RDF.type, ATLAS[cls])), cls
    assert set(knowledge.subject_objects(ATLAS.hasContract))


def test_no_skos_concept_is_an_orphan(knowledge):
    """An orphan (qSKOS) has no skos:broader, skos:narrower or skos:related link either way."""
    links = (SKOS.broader, SKOS.narrower, SKOS.related)
    orphans = [c for c in knowledge.subjects(RDF.type, SKOS.Concept)
               if not any((c, p, None) in knowledge or (None, p, c) in knowledge for p in links)]
    assert orphans == []
    for method in (ATLAS.RLHF, ATLAS.DPO, ATLAS.ConstitutionalAI):
        assert (method, SKOS.broader, ATLAS.IncorporatingHumanPreferences) in knowledge
    for method in (ATLAS.GuardModel, ATLAS.LLMAsJudge):
        assert (method, SKOS.broader, ATLAS.ModelDrivenSupervision) in knowledge


def merged(sources) -> Graph:
    return sources.ontology_graph(alignments=True, inferred=True) + sources.annotations_graph()


def test_the_merged_knowledge_declares_every_term_it_uses(sources):
    graph = merged(sources)
    builtin = (str(RDF), str(RDFS), str(OWL), str(XSD))
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Class)
    declared = {s for k in kinds for s in graph.subjects(RDF.type, k)}
    used = {p for p in graph.predicates() if not str(p).startswith(builtin)}
    used |= {o for o in graph.objects(None, RDF.type) if not str(o).startswith(builtin)}
    assert used - declared == set()


def test_the_merged_knowledge_parses_as_owl2_dl_with_horned_owl(sources, tmp_path):
    pyhornedowl = pytest.importorskip("pyhornedowl")
    graph = merged(sources)
    path = tmp_path / "merged.owl"
    graph.serialize(destination=str(path), format="xml")
    ontology = pyhornedowl.open_ontology_from_file(str(path))
    axioms = [str(a) for a in ontology.get_axioms()]
    declared = {m.group(1) for a in axioms
                if (m := re.match(r"Declaration\(\w+\(<([^>]+)>\)\)", a))}
    used = {str(p) for p in graph.predicates() if str(p).startswith(str(ATLAS))}
    assert used <= declared, used - declared
    # every annotated statement reaches the OWL parser as an annotated axiom, none is dropped
    tail = re.compile(rf"<{re.escape(str(ATLAS.realizes))}> <[^>]+> <[^>]+>\)$")
    realizes = [a for a in axioms if a.startswith("ObjectPropertyAssertion(") and tail.search(a)
                and f"<{ATLAS.provenanceStatus}>" in a]
    assert len(realizes) == len(set(graph.subject_objects(ATLAS.realizes)))
    # the author order is a citation string, not an RDF list (rdf:List is not OWL 2 DL)
    assert (None, RDF.first, None) not in sources.annotations_graph()


def test_each_annotation_file_is_valid_on_its_own(sources, ontology):
    shapes = sources.annotation_shapes()
    from llm_atlas.core.knowledge.rdfio import parse_file

    # a paper's file with the review's protocol, searches and criteria its screening record
    # points at (the only other file it needs)
    review = parse_file(sources.root / "annotations" / "review" / "protocol.ttl")
    papers = [p for p in sources.annotation_files() if p.parent.name != "review"]
    for path in papers[:3]:
        assert validate_graph(parse_file(path) + review, shapes, ontology).results == [], path


def test_the_inferred_statements_pass_the_statement_shapes(sources, ontology):
    from llm_atlas.core.knowledge.sources import load_graph

    report = validate_graph(load_graph([sources.inferred_file]), sources.annotation_shapes(),
                            ontology)
    assert report.results == []


def test_a_curated_statement_without_its_rationale_is_rejected(sources, ontology):
    broken = Graph() + ontology
    for ax in list(broken.subjects(ATLAS.rationale, None))[:1]:
        broken.remove((ax, ATLAS.rationale, None))
    report = validate_graph(broken, sources.annotation_shapes())
    assert [r.shape.rsplit("/", 1)[-1] for r in report.results] == ["StatementRationaleShape"]
