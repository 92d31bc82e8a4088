"""`llm-atlas review-sheet`: screening sheets become annotation files, protocol and cells."""

from pathlib import Path

from click.testing import CliRunner
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from llm_atlas.cli import main
from llm_atlas.core.checking.validation import validate_graph
from llm_atlas.core.review.sheet import COLUMNS, read_sheets
from llm_atlas.errors import SheetError
from llm_atlas.namespaces import ATLAS, RES

BASE = dict(
    key="ethayarajh-2024-kto", title="KTO: Model Alignment as Prospect Theoretic Optimization",
    authors="Kawin Ethayarajh | Winnie Xu | Niklas Muennighoff | Dan Jurafsky | Douwe Kiela",
    first_public_year="2024", venue="Proceedings of the 41st International Conference on Machine "
    "Learning", venue_year="2024", arxiv_id="2402.01306", doi="", other_id="", kind="solution",
    method="PreferenceOptimization", phases="ModelAdaptation",
    alignment_problems="HarmfulContent | Sycophancy", concepts="",
    evidence="Abstract: aligns a model from binary desirable/undesirable labels.",
    decision="included", criterion="I1", search_query="KTO Ethayarajh arXiv 2402.01306",
    search_corpus="pages", checked_urls="https://example.org/kto", check_note="Title confirmed.")


def sheet(path: Path, *rows: dict) -> Path:
    lines = ["\t".join(COLUMNS)] + ["\t".join({**BASE, **r}[c] for c in COLUMNS) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    return CliRunner().invoke(main, ["review-sheet", *map(str, args)])


def test_a_sheet_becomes_files_that_conform(tmp_path, sources, ontology):
    out = tmp_path / "ann"
    out.mkdir()
    rows = sheet(tmp_path / "s.tsv", {}, {
        "key": "hubinger-2024-sleeper", "kind": "framing", "method": "", "phases": "",
        "alignment_problems": "", "concepts": "DeceptiveAlignment | HiddenIntention",
        "criterion": "I2", "arxiv_id": "2401.05566", "authors": "Evan Hubinger | org:Anthropic",
        "search_query": "Sleeper agents"},
        {"key": "dup-2024-kto", "decision": "excluded", "criterion": "E2",
         "search_query": "KTO again"})
    result = run(rows, "--out", out)
    assert result.exit_code == 0, result.output
    assert "wrote 2 works" in result.output and "(1 excluded)" in result.output
    graph = Graph()
    for path in [*out.glob("*.ttl"), *(out / "review").glob("*.ttl")]:
        graph.parse(path)
    report = validate_graph(graph, sources.annotation_shapes(), ontology)
    assert report.violations == []
    kto = RES["paper/ethayarajh-2024-kto"]
    assert graph.value(kto, ATLAS.authorCount).toPython() == 5
    annotation = RES["annotation/ethayarajh-2024-kto"]
    assert graph.value(annotation, ATLAS.aboutMechanism) == ATLAS.Bonding
    assert set(graph.objects(annotation, ATLAS.aboutAgencyProblem)) == {ATLAS.MoralHazard}
    # Sycophancy is not among the method's mitigated problems: the paper is its source
    axiom = next(a for a in graph.subjects(ATLAS.provenanceStatus, None)
                 if graph.value(a, URIRef("http://www.w3.org/2002/07/owl#annotatedTarget"))
                 == ATLAS.Sycophancy)
    assert graph.value(axiom, ATLAS.provenanceStatus) == ATLAS.StatedInAnnotatedPaper
    framing = RES["annotation/hubinger-2024-sleeper"]
    assert graph.value(framing, ATLAS.provenanceStatus) == ATLAS.CuratorInference
    dup = RES["work/dup-2024-kto"]
    assert (dup, RDF.type, ATLAS.CandidateWork) in graph and (dup, RDF.type, ATLAS.Paper) \
        not in graph


def test_a_coding_the_ontology_contradicts_writes_nothing(tmp_path):
    out = tmp_path / "ann"
    out.mkdir()
    rows = sheet(tmp_path / "s.tsv", {"phases": "Deployment"},
                 {"key": "x-2024-y", "method": "NoSuchMethod"})
    result = run(rows, "--out", out)
    assert result.exit_code == 1
    assert "PreferenceOptimization is not applicable in 'Deployment'" in result.output
    assert "'NoSuchMethod' is not a method" in result.output
    assert list(out.iterdir()) == []


def test_a_bad_header_is_a_usage_error(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("key\ttitle\nx\ty\n", encoding="utf-8")
    result = run(path, "--out", tmp_path)
    assert result.exit_code == 2 and "the header must be exactly" in result.output


def test_a_key_in_two_sheets_is_refused_unless_the_second_is_an_e2_exclusion(tmp_path):
    one = sheet(tmp_path / "a.tsv", {})
    two = sheet(tmp_path / "b.tsv", {"decision": "excluded", "criterion": "E2",
                                     "search_query": "found again"})
    rows, again = read_sheets([two, one])
    assert [r.sheet for r in rows] == ["a.tsv"] and [r.search_query for r in again] == [
        "found again"]
    three = sheet(tmp_path / "c.tsv", {})
    try:
        read_sheets([one, three])
    except SheetError as exc:
        assert "several sheets (a.tsv, c.tsv)" in str(exc)
    else:
        raise AssertionError("two inclusions of one key were accepted")


def test_kept_files_keep_their_annotations_and_get_new_metadata(tmp_path, sources):
    out = tmp_path / "ann"
    out.mkdir()
    original = (sources.annotations_dir / "akerlof-1970-lemons.ttl").read_text()
    (out / "akerlof-1970-lemons.ttl").write_text(original)
    rows = sheet(tmp_path / "seed.tsv", {
        "key": "akerlof-1970-lemons", "title": "The Market for Lemons", "authors":
        "George A. Akerlof", "first_public_year": "1970", "venue": "The Quarterly Journal of "
        "Economics", "arxiv_id": "", "doi": "10.2307/1879431", "kind": "framing", "method": "",
        "criterion": "I3"})
    assert run(rows, "--out", out, "--keep", "seed.tsv").exit_code == 0
    text = (out / "akerlof-1970-lemons.ttl").read_text()
    assert original[original.index("\nann:"):] in text
    assert 'atlas:venue "The Quarterly Journal of Economics"' in text
    assert "review:screening-akerlof-1970-lemons" in text
