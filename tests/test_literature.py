"""The literature behind the problem-solution space: coverage, complete metadata, the review record.

The numbers here are issue 15's floor (150 papers, every mechanism with a method that has a paper,
every cell supported or explained); everything else is computed from the screening sheets and the
files, so a sheet and the graph cannot drift apart unnoticed.
"""

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from llm_atlas.core.review.sheet import read_sheets
from llm_atlas.namespaces import ATLAS, BIBO, OA, PREFIXES, RES

REVIEW = Path(__file__).resolve().parents[1] / "docs" / "review"
SHEETS = sorted(REVIEW.glob("s*.tsv"))  # seed.tsv and screened-*.tsv, not the candidate lists
PAPER = RES["paper/"]


@pytest.fixture(scope="module")
def sheet_rows():
    rows, again = read_sheets(SHEETS)
    return rows, again


def papers(graph):
    return set(graph.subjects(RDF.type, ATLAS.Paper))


def test_the_sheets_are_the_ones_the_review_wrote():
    assert [p.name for p in SHEETS] == ["screened-a.tsv", "screened-b.tsv", "screened-c.tsv",
                                        "seed.tsv"]


def test_at_least_150_papers(annotations):
    assert len(papers(annotations)) >= 150


def test_every_included_sheet_row_is_a_paper_and_every_paper_a_row(annotations, sheet_rows):
    rows, _ = sheet_rows
    included = {URIRef(f"{PAPER}{r.key}") for r in rows if r.included}
    assert included == papers(annotations)


def test_every_excluded_row_is_a_candidate_work_and_not_a_paper(annotations, sheet_rows):
    rows, _ = sheet_rows
    excluded = {URIRef(f"{RES}work/{r.key}") for r in rows if not r.included}
    assert excluded
    for work in excluded:
        assert (work, RDF.type, ATLAS.CandidateWork) in annotations
        assert (work, RDF.type, ATLAS.Paper) not in annotations


@pytest.mark.parametrize("prop", [DCTERMS.title, DCTERMS.issued, ATLAS.venue, ATLAS.authorCount,
                                  DCTERMS.bibliographicCitation])
def test_every_paper_has_complete_metadata(annotations, prop):
    missing = sorted(p for p in papers(annotations) if annotations.value(p, prop) is None)
    assert missing == []


def test_every_paper_has_an_identifier_and_a_full_author_list(annotations):
    for paper in papers(annotations):
        assert any(annotations.value(paper, p) is not None
                   for p in (ATLAS.arxivId, BIBO.doi, ATLAS.standardNumber, ATLAS.celexNumber))
        creators = set(annotations.objects(paper, DCTERMS.creator))
        count = annotations.value(paper, ATLAS.authorCount)
        assert count.datatype == XSD.integer
        assert len(creators) == int(count), paper
        for creator in creators:
            assert len(list(annotations.objects(creator, FOAF.name))) == 1, creator


def test_the_citation_lists_the_sheet_authors_in_order(annotations, sheet_rows):
    rows, _ = sheet_rows
    for row in rows:
        if row.included and row.sheet != "seed.tsv":
            citation = str(annotations.value(URIRef(f"{PAPER}{row.key}"),
                                             DCTERMS.bibliographicCitation))
            names = [a.removeprefix("org:").strip() for a in dict.fromkeys(row.authors)]
            assert citation.startswith(", ".join(names) + f" ({row.year})"), row.key


def test_sheet_identifiers_are_the_graph_identifiers(annotations, sheet_rows):
    rows, _ = sheet_rows
    for row in rows:
        if row.included:
            paper = URIRef(f"{PAPER}{row.key}")
            assert annotations.value(paper, ATLAS.arxivId) == (
                Literal(row.arxiv_id) if row.arxiv_id else None), row.key
            assert annotations.value(paper, BIBO.doi) == (
                Literal(row.doi) if row.doi else None), row.key


def test_every_paper_has_one_screening_record_that_includes_it(annotations):
    for paper in papers(annotations):
        records = list(annotations.subjects(ATLAS.screened, paper))
        assert len(records) == 1, paper
        record = records[0]
        assert annotations.value(record, ATLAS.decision) == ATLAS.Included
        criterion = annotations.value(record, ATLAS.byCriterion)
        assert (criterion, RDF.type, ATLAS.InclusionCriterion) in annotations
        search = annotations.value(record, ATLAS.identifiedBy)
        assert (search, ATLAS.returned, paper) in annotations
        assert annotations.value(search, ATLAS.searchString) is not None


def test_every_paper_is_the_target_of_an_annotation(annotations):
    targets = set(annotations.objects(None, OA.hasTarget))
    assert papers(annotations) <= targets


QUERY_MECHANISM_METHODS = """
SELECT ?mechanism (COUNT(DISTINCT ?method) AS ?methods) WHERE {
  ?mechanism a atlas:Mechanism .
  OPTIONAL { ?method atlas:realizes ?mechanism .
             ?annotation atlas:aboutMethod ?method ; oa:hasTarget ?paper . }
} GROUP BY ?mechanism"""


def test_every_mechanism_is_realized_by_a_method_with_a_paper(knowledge):
    rows = list(knowledge.query(QUERY_MECHANISM_METHODS, initNs=PREFIXES))
    assert len(rows) == 6
    assert all(int(row.methods) >= 1 for row in rows), [(r.mechanism, r.methods) for r in rows]


def test_self_selection_now_has_papers(knowledge):
    methods = set(knowledge.subjects(ATLAS.realizes, ATLAS.SelfSelection))
    annotated = {m for m in methods if any(knowledge.subjects(ATLAS.aboutMethod, m))}
    assert ATLAS.ModelCascade in annotated


def allowed_by_stage(knowledge, phase, problem) -> bool:
    """The stage rule: an asymmetry that causes the problem is at the phase's contract stage."""
    stage = knowledge.value(phase, ATLAS.stage)
    return any((a, ATLAS.stage, stage) in knowledge
               for a in knowledge.subjects(ATLAS.causes, problem))


def supporting(knowledge, phase, problem) -> set:
    """Solution annotations that place a paper in the cell as /matrix does: the annotation is
    about the phase and the problem, and its method is applicable in the phase and realizes a
    mechanism that addresses the problem, which the stage rule allows there."""
    if not allowed_by_stage(knowledge, phase, problem):
        return set()
    found = set()
    for annotation in knowledge.subjects(ATLAS.aboutPhase, phase):
        method = knowledge.value(annotation, ATLAS.aboutMethod)
        if ((annotation, RDF.type, ATLAS.SolutionAnnotation) in knowledge
                and (annotation, ATLAS.aboutAgencyProblem, problem) in knowledge
                and (method, ATLAS.applicableIn, phase) in knowledge
                and any((m, ATLAS.addresses, problem) in knowledge
                        for m in knowledge.objects(method, ATLAS.realizes))):
            found.add(annotation)
    return found


def test_every_cell_is_supported_or_explained(knowledge, annotations):
    cells = list(annotations.subjects(RDF.type, ATLAS.ProblemSolutionCell))
    assert len(cells) == 12
    for cell in cells:
        phase = annotations.value(cell, ATLAS.cellPhase)
        problem = annotations.value(cell, ATLAS.cellProblem)
        reason = annotations.value(cell, ATLAS.gapReason)
        assert bool(supporting(knowledge, phase, problem)) != (reason is not None), (phase, problem)


def test_every_cell_the_stage_rule_allows_has_papers(knowledge, annotations):
    # the gaps are the cells the theory rules out (adverse selection and hold-up are ex ante,
    # moral hazard ex post), never cells the review simply found no paper for
    for cell in annotations.subjects(RDF.type, ATLAS.ProblemSolutionCell):
        phase = annotations.value(cell, ATLAS.cellPhase)
        problem = annotations.value(cell, ATLAS.cellProblem)
        if allowed_by_stage(knowledge, phase, problem):
            assert supporting(knowledge, phase, problem), (phase, problem)
    allowed = [c for c in annotations.subjects(RDF.type, ATLAS.ProblemSolutionCell)
               if allowed_by_stage(knowledge, annotations.value(c, ATLAS.cellPhase),
                                   annotations.value(c, ATLAS.cellProblem))]
    # model selection x {adverse selection, hold-up}, and the three ex post phases x moral hazard
    assert len(allowed) == 5


@pytest.mark.parametrize("method", [
    "SystemPrompting", "PreferenceOptimization", "ProcessSupervision", "OutcomeSupervision",
    "InterpretabilityProbing", "Watermarking", "MachineUnlearning", "UncertaintyEstimation",
    "HallucinationDetection", "GuardModel", "ThirdPartyAudit", "TransparencyIndex",
    "BenchmarkEvaluation", "AdversarialAttack", "PromptInjectionDefense", "MLOpsMonitoring",
    "AIControl", "RiskManagementFramework", "RegulatoryConformity", "ModelCascade"])
def test_the_issue_s_method_areas_have_papers(annotations, method):
    assert any(annotations.subjects(ATLAS.aboutMethod, ATLAS[method]))


@pytest.mark.parametrize(("problem", "asymmetry"), [
    ("Sandbagging", "HiddenCharacteristics"), ("UnfaithfulReasoning", "HiddenInformation"),
    ("DeceptiveAlignment", "HiddenIntention"), ("Sycophancy", "HiddenAction"),
    ("RewardHacking", "HiddenAction")])
def test_llm_instances_of_each_asymmetry_are_documented(knowledge, problem, asymmetry):
    assert (ATLAS[problem], ATLAS.exemplifies, ATLAS[asymmetry]) in knowledge
    framed = set(knowledge.subjects(ATLAS.aboutConcept, ATLAS[problem]))
    mitigated = set(knowledge.subjects(ATLAS.aboutAlignmentProblem, ATLAS[problem]))
    assert framed | mitigated


def test_governance_frameworks_are_in(annotations):
    numbers = {str(o) for o in annotations.objects(None, ATLAS.standardNumber)}
    assert {"ISO/IEC 42001:2023", "ISO/IEC 23894:2023"} <= numbers
    assert "32024R1689" in {str(o) for o in annotations.objects(None, ATLAS.celexNumber)}


def test_a_search_found_again_by_a_later_batch_points_at_the_included_paper(annotations,
                                                                              sheet_rows):
    _, again = sheet_rows
    assert again
    for row in again:
        searches = set(annotations.subjects(ATLAS.returned, URIRef(f"{PAPER}{row.key}")))
        assert searches, row.key
        if row.search_query:
            assert URIRef(f"{RES}review/{row.search_id}") in searches
        else:  # a duplicate noted without a search of its own adds none
            assert (URIRef(f"{RES}review/{row.search_id}"), None, None) not in annotations
