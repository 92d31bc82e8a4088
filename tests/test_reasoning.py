"""HermiT over the ontology and the annotations: consistency and the entailments we rely on."""

from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF

from llm_atlas.core.checking.reasoning import reason
from llm_atlas.core.knowledge.sources import load_graph
from llm_atlas.namespaces import ATLAS


def test_ontology_plus_annotations_is_consistent_with_no_unsatisfiable_class(reasoned_with_data):
    assert reasoned_with_data.consistent
    assert reasoned_with_data.unsatisfiable == []


def test_the_stage_rule_infers_that_rlhf_addresses_moral_hazard(ontology, reasoned_with_data):
    triple = (ATLAS.RLHF, ATLAS.addresses, ATLAS.MoralHazard)
    assert triple not in ontology, "the rule is what should yield this, not an assertion"
    assert triple in reasoned_with_data.inferred


def test_every_method_addresses_its_mechanisms_problems_only_at_their_stage(
        ontology, reasoned_with_data):
    inferred = reasoned_with_data.inferred
    for method in ontology.subjects(RDF.type, ATLAS.AlignmentMethod):
        stages = {s for ph in ontology.objects(method, ATLAS.applicableIn)
                  for s in ontology.objects(ph, ATLAS.stage)}
        expected = {
            problem
            for mechanism in ontology.objects(method, ATLAS.realizes)
            for problem in ontology.objects(mechanism, ATLAS.addresses)
            if any(set(ontology.objects(a, ATLAS.stage)) & stages
                   for a in ontology.subjects(ATLAS.causes, problem))
        }
        assert expected, f"{method} realizes no mechanism that addresses a problem at its stage"
        assert set(inferred.objects(method, ATLAS.addresses)) == expected, method


def test_precedes_is_closed_transitively_over_the_phases(reasoned_with_data):
    inferred = reasoned_with_data.inferred
    order = [ATLAS.ModelSelection, ATLAS.ModelAdaptation, ATLAS.Deployment, ATLAS.Operation]
    for i, earlier in enumerate(order):
        for later in order[i + 1:]:
            assert (earlier, ATLAS.precedes, later) in inferred, (earlier, later)
        for not_later in order[: i + 1]:
            assert (earlier, ATLAS.precedes, not_later) not in inferred


def test_an_individual_in_two_disjoint_classes_is_reported_inconsistent(ontology):
    broken = Graph() + ontology
    clash = URIRef("https://w3id.org/llm-atlas/resource/test/clash")
    broken.add((clash, RDF.type, OWL.NamedIndividual))
    broken.add((clash, RDF.type, ATLAS.Mechanism))
    broken.add((clash, RDF.type, ATLAS.AdoptionPhase))
    assert not reason(broken).consistent


def test_a_second_phase_order_breaks_the_functional_property(ontology):
    broken = Graph() + ontology
    broken.add((ATLAS.Deployment, ATLAS.phaseOrder, Literal(7)))
    assert not reason(broken).consistent


def test_shipped_inferred_file_equals_a_fresh_hermit_run(sources, ontology):
    fresh = reason(ontology).inferred
    shipped = load_graph([sources.inferred_file])
    assert len(fresh) > 0
    assert isomorphic(fresh, shipped), "run `llm-atlas reason` and commit ontology/inferred.ttl"
