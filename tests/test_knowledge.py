"""Questions answered with rdflib alone over the built graph (ontology, inferred, annotations)."""

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from llm_atlas.namespaces import ATLAS, ONTOLOGY_IRI, PREFIXES, RES

# The vocabulary contract of FRAMEWORK.md: class -> named individuals that must exist.
CONTRACT = {
    "InformationAsymmetry": ["HiddenCharacteristics", "HiddenAction", "HiddenInformation",
                             "HiddenIntention"],
    "AgencyProblem": ["AdverseSelection", "MoralHazard", "HoldUp"],
    "Mechanism": ["Signaling", "Screening", "SelfSelection", "Monitoring", "IncentiveAlignment",
                  "Bonding"],
    "AdoptionPhase": ["ModelSelection", "ModelAdaptation", "Deployment", "Operation"],
    "ContractStage": ["ExAnte", "ExPost"],
    "AlignmentProblem": ["OffTopicContent", "DiscriminatoryContent", "HarmfulContent",
                         "Hallucination"],
    "AlignmentMethod": ["ModelCard", "Datasheet", "TechnicalReport", "BenchmarkEvaluation",
                        "AdversarialAttack", "RedTeaming", "CapabilityEvaluation", "RLHF", "DPO",
                        "ConstitutionalAI", "SupervisedFineTuning",
                        "RetrievalAugmentedGeneration", "GuardModel", "Guardrails", "LLMAsJudge",
                        "ScalableOversight", "MLOpsMonitoring"],
}
CLASSES = ["Principal", "Agent", "AgencyRelationship", "Contract", "OutcomeBasedContract",
           "BehaviorBasedContract", "AgencyCost", "Annotation", *CONTRACT]
OBJECT_PROPERTIES = ["causes", "addresses", "realizes", "applicableIn", "mitigates", "precedes",
                     "stage", "initiatedBy"]


def select(graph, query, **bindings):
    return {row[0] for row in graph.query(query, initNs=PREFIXES, initBindings=bindings)}


@pytest.mark.parametrize("cls", CLASSES)
def test_contract_class_is_an_owl_class(ontology, cls):
    assert (ATLAS[cls], RDF.type, OWL.Class) in ontology


@pytest.mark.parametrize("prop", OBJECT_PROPERTIES)
def test_contract_property_is_an_object_property(ontology, prop):
    assert (ATLAS[prop], RDF.type, OWL.ObjectProperty) in ontology


@pytest.mark.parametrize(
    ("cls", "name"), [(cls, name) for cls, names in CONTRACT.items() for name in names]
)
def test_contract_individual_is_typed_and_in_its_scheme(ontology, cls, name):
    term = ATLAS[name]
    assert (term, RDF.type, ATLAS[cls]) in ontology
    assert (term, RDF.type, OWL.NamedIndividual) in ontology
    assert (term, RDF.type, SKOS.Concept) in ontology
    assert ontology.value(term, SKOS.inScheme) is not None
    assert (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in ontology


def test_mechanisms_that_address_moral_hazard(knowledge):
    found = select(knowledge, "SELECT ?m { ?m a atlas:Mechanism ; atlas:addresses ?p }",
                   p=ATLAS.MoralHazard)
    assert {ATLAS.Monitoring, ATLAS.Bonding} <= found
    assert ATLAS.Signaling not in found
    assert found == {ATLAS.Monitoring, ATLAS.Bonding, ATLAS.IncentiveAlignment}


def test_the_asymmetry_behind_adverse_selection_is_hidden_characteristics(knowledge):
    found = select(knowledge, "SELECT ?a { ?a a atlas:InformationAsymmetry ; atlas:causes ?p }",
                   p=ATLAS.AdverseSelection)
    assert found == {ATLAS.HiddenCharacteristics}


def test_model_selection_precedes_deployment_and_not_the_reverse(knowledge):
    ask = "ASK { ?a atlas:precedes ?b }"
    assert knowledge.query(ask, initNs=PREFIXES, initBindings={
        "a": ATLAS.ModelSelection, "b": ATLAS.Deployment}).askAnswer
    assert not knowledge.query(ask, initNs=PREFIXES, initBindings={
        "a": ATLAS.Deployment, "b": ATLAS.ModelSelection}).askAnswer


def test_methods_addressing_moral_hazard_are_inferred_not_asserted(ontology, knowledge):
    query = "SELECT ?m { ?m a atlas:AlignmentMethod ; atlas:addresses atlas:MoralHazard }"
    assert select(ontology, query) == set()
    found = select(knowledge, query)
    assert {ATLAS.RLHF, ATLAS.DPO, ATLAS.GuardModel, ATLAS.LLMAsJudge} <= found
    assert ATLAS.ModelCard not in found


def test_phases_in_order_with_their_contract_stage(knowledge):
    rows = list(knowledge.query(
        "SELECT ?phase ?stage { ?phase a atlas:AdoptionPhase ; atlas:phaseOrder ?n ;"
        " atlas:stage ?stage } ORDER BY ?n", initNs=PREFIXES))
    assert [(r.phase, r.stage) for r in rows] == [
        (ATLAS.ModelSelection, ATLAS.ExAnte), (ATLAS.ModelAdaptation, ATLAS.ExPost),
        (ATLAS.Deployment, ATLAS.ExPost), (ATLAS.Operation, ATLAS.ExPost)]


def test_every_term_has_one_english_label_and_definition(ontology):
    terms = {s for s in ontology.subjects() if str(s).startswith(str(ATLAS))}
    assert len(terms) > 60
    for term in terms:
        labels = list(ontology.objects(term, RDFS.label))
        definitions = list(ontology.objects(term, SKOS.definition))
        assert len(labels) == 1 and labels[0].language == "en", term
        assert len(definitions) == 1 and definitions[0].language == "en", term


def test_version_iri_differs_from_the_ontology_iri_and_names_the_version(ontology):
    version_iri = ontology.value(ONTOLOGY_IRI, OWL.versionIRI)
    version = ontology.value(ONTOLOGY_IRI, OWL.versionInfo)
    assert isinstance(version, Literal)
    assert version_iri != ONTOLOGY_IRI
    assert str(version_iri) == f"{ONTOLOGY_IRI}/{version}"


def test_every_resource_the_knowledge_points_at_is_described_in_it(knowledge):
    # a source renamed by the review (paper keys changed) must not leave a statement pointing
    # at a paper no file describes: its IRI would not dereference
    described = set(knowledge.subjects())
    dangling = sorted({str(o) for _, p, o in knowledge
                       if isinstance(o, URIRef) and str(o).startswith(str(RES))
                       and o not in described})
    assert dangling == []
