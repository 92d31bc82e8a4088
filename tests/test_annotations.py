"""The shipped annotations cover FRAMEWORK.md's curation table, with honest provenance."""

import pytest
from rdflib.namespace import RDF

from llm_atlas.namespaces import ATLAS, BIBO, OA, PREFIXES

# FRAMEWORK.md's curation table: method -> (mechanism, phases, stated in the paper?, papers)
ROWS = {
    "ModelCard": ("Signaling", {"ModelSelection"}, True, {"1810.03993"}),
    "Datasheet": ("Signaling", {"ModelSelection"}, False, {"1803.09010"}),
    "TechnicalReport": ("Signaling", {"ModelSelection"}, False,
                        {"2303.08774", "2307.09288", "2407.21783"}),
    "BenchmarkEvaluation": ("Screening", {"ModelSelection"}, False, {"2009.03300", "2211.09110"}),
    "AdversarialAttack": ("Screening", {"ModelSelection"}, True, {"2307.15043", "2307.02483"}),
    "RedTeaming": ("Screening", {"ModelSelection"}, False, {"2202.03286", "2209.07858"}),
    "CapabilityEvaluation": ("Screening", {"ModelSelection"}, False, {"2305.15324"}),
    "RLHF": ("Bonding", {"ModelAdaptation"}, False, {"1706.03741", "2203.02155", "2204.05862"}),
    "DPO": ("Bonding", {"ModelAdaptation"}, False, {"2305.18290"}),
    "ConstitutionalAI": ("Bonding", {"ModelAdaptation"}, False, {"2212.08073", "2309.00267"}),
    "SupervisedFineTuning": ("IncentiveAlignment", {"ModelAdaptation"}, False, {"2305.11206"}),
    "RetrievalAugmentedGeneration": ("IncentiveAlignment", {"ModelAdaptation", "Deployment"},
                                     False, {"2005.11401"}),
    "GuardModel": ("Monitoring", {"Deployment"}, False, {"2312.06674"}),
    "Guardrails": ("Monitoring", {"Deployment"}, False, {"2310.10501"}),
    "LLMAsJudge": ("Monitoring", {"Deployment", "Operation"}, False, {"2306.05685"}),
    "ScalableOversight": ("Monitoring", {"Operation"}, False,
                          {"1805.00899", "2211.03540", "2312.09390"}),
    "MLOpsMonitoring": ("Monitoring", {"Operation"}, False, {"doi:10.1109/ACCESS.2023.3262138"}),
}
FRAMING = {"1804.04268", "1606.06565", "2108.07258", "2103.14659",
           "doi:10.1007/s12599-023-00834-7", "doi:10.1007/s12599-023-00795-x", "2509.07642"}
LLM_ATLAS = "2509.07642"

SOLUTIONS = """
SELECT ?ann ?paper ?arxiv ?doi ?mechanism ?status ?derived {
  ?ann a atlas:SolutionAnnotation ; oa:hasTarget ?paper ; atlas:aboutMethod ?method ;
       atlas:aboutMechanism ?mechanism ; atlas:provenanceStatus ?status .
  OPTIONAL { ?paper atlas:arxivId ?arxiv } OPTIONAL { ?paper bibo:doi ?doi }
  OPTIONAL { ?ann prov:wasDerivedFrom ?derived }
}"""


def paper_keys(arxiv, doi) -> set[str]:
    """A paper's identifiers as FRAMEWORK.md writes them: an arXiv id, or doi:..."""
    return ({str(arxiv)} if arxiv is not None else set()) | (
        {f"doi:{doi}"} if doi is not None else set())


def papers_by_key(annotations):
    keys = {}
    for paper in annotations.subjects(RDF.type, ATLAS.Paper):
        for key in paper_keys(annotations.value(paper, ATLAS.arxivId),
                              annotations.value(paper, BIBO.doi)):
            keys[key] = paper
    return keys


def test_at_least_thirty_papers_each_with_an_annotation(annotations):
    papers = set(annotations.subjects(RDF.type, ATLAS.Paper))
    assert len(papers) >= 30
    annotated = set(annotations.objects(None, OA.hasTarget))
    assert papers <= annotated, papers - annotated


@pytest.mark.parametrize("method", sorted(ROWS))
def test_each_curation_row_is_annotated_on_each_of_its_papers(annotations, method):
    mechanism, phases, stated, papers = ROWS[method]
    rows = list(annotations.query(SOLUTIONS, initNs=PREFIXES,
                                  initBindings={"method": ATLAS[method]}))
    by_paper = {key: r for r in rows for key in paper_keys(r.arxiv, r.doi)}
    assert papers <= set(by_paper), papers - set(by_paper)
    llm_atlas = papers_by_key(annotations)[LLM_ATLAS]
    for row in rows:
        assert row.mechanism == ATLAS[mechanism]
        annotated_phases = set(annotations.objects(row.ann, ATLAS.aboutPhase))
        if paper_keys(row.arxiv, row.doi) & papers:  # the curation row's own papers
            assert annotated_phases == {ATLAS[p] for p in phases}, row.ann
        else:  # a paper the review coded: some of the method's phases, those it studies
            assert annotated_phases and annotated_phases <= {ATLAS[p] for p in phases}, row.ann
        # every solution annotation carries a curated phase, so as a whole it is curation; its
        # method and mechanism are the paper's own statements only for the paper's four pairs
        assert row.status == ATLAS.CuratorInference, row.ann
        method_status = statement_status(annotations, row.ann, ATLAS.aboutMethod, ATLAS[method])
        if stated and row.paper == llm_atlas:
            assert method_status == ATLAS.StatedInLLMAtlas, row.ann
        else:
            assert method_status in {ATLAS.StatedInAnnotatedPaper, ATLAS.StatedInLLMAtlas}, row.ann


def test_framing_papers_are_annotated_as_framing(annotations):
    keys = papers_by_key(annotations)
    for key in FRAMING:
        framing = list(annotations.query(
            "ASK { ?a a atlas:FramingAnnotation ; oa:hasTarget ?p ; atlas:aboutConcept ?c }",
            initNs=PREFIXES, initBindings={"p": keys[key]}))
        assert framing == [True], key


def statement_status(graph, s, p, o):
    """The provenance status of one annotated statement (its owl:Axiom node)."""
    rows = list(graph.query(
        "SELECT ?status { ?ax owl:annotatedSource ?s ; owl:annotatedProperty ?p ;"
        " owl:annotatedTarget ?o ; atlas:provenanceStatus ?status }", initNs=PREFIXES,
        initBindings={"s": s, "p": p, "o": o}))
    assert len(rows) == 1, (s, p, o)
    return rows[0][0]


def test_the_paper_concepts_are_annotated_as_the_papers_statements(annotations):
    rows = {(r.method, r.mechanism) for r in annotations.query(
        "SELECT ?method ?mechanism { ?a oa:hasTarget ?p ; atlas:aboutMethod ?method ;"
        " atlas:aboutMechanism ?mechanism }", initNs=PREFIXES,
        initBindings={"p": papers_by_key(annotations)[LLM_ATLAS]})}
    assert rows == {(ATLAS.ModelCard, ATLAS.Signaling), (ATLAS.AdversarialAttack, ATLAS.Screening),
                    (ATLAS.IncorporatingHumanPreferences, ATLAS.Bonding),
                    (ATLAS.ModelDrivenSupervision, ATLAS.Monitoring)}


def test_no_curation_is_presented_as_stated_in_the_paper(annotations):
    stated_methods = {m for m, row in ROWS.items() if row[2]} | {
        "IncorporatingHumanPreferences", "ModelDrivenSupervision"}
    rows = annotations.query(
        "SELECT ?method { ?a atlas:aboutMethod ?method ;"
        " atlas:provenanceStatus ?status FILTER (?status IN (atlas:StatedInSource,"
        " atlas:StatedInLLMAtlas)) }", initNs=PREFIXES)
    claimed = {str(r.method).removeprefix(str(ATLAS)) for r in rows}
    assert claimed <= stated_methods, claimed - stated_methods
