"""`llm-atlas validate`: the fixtures' exact violations, the shipped files conform, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from submissions_kit import INVALID, VALID, essentials, expected_result

REPO = Path(__file__).resolve().parents[1]


def validate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llm_atlas", "validate", *args],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


@pytest.fixture(scope="module")
def invalid_run() -> subprocess.CompletedProcess:
    """One run over the whole invalid corpus, with a JSON report."""
    return validate("--report", "json", *map(str, INVALID))


def test_the_corpus_is_there():
    assert len(INVALID) >= 50 and len(VALID) >= 3


def test_invalid_corpus_exits_1_and_reports_every_file(invalid_run):
    assert invalid_run.returncode == 1, invalid_run.stderr
    report = json.loads(invalid_run.stdout)
    assert report["conforms"] is False
    assert [f["file"] for f in report["files"]] == list(map(str, INVALID))


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_each_invalid_fixture_gets_exactly_its_violation_from_the_cli(invalid_run, fixture):
    files = {f["file"]: f for f in json.loads(invalid_run.stdout)["files"]}
    entry = files[str(fixture)]
    expected = expected_result(fixture)
    assert essentials(entry["results"]) == [expected]
    assert entry["conforms"] is (expected["severity"] != "Violation")


def test_shipped_annotations_conform_and_are_counted():
    """Every tenth shipped paper file, in one command: the per-file lines and the count. Each
    shipped file is validated on its own in test_validation_bounds (through /validate, which
    runs the same checks); validating all of them here again took six minutes of the suite."""
    files = sorted((REPO / "annotations").glob("*.ttl"))[::10]
    assert len(files) >= 10
    run = validate(*(str(p.relative_to(REPO)) for p in files))
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[-1] == f"checked {len(files)} files: {len(files)} conform, 0 do not, 0 unreadable"
    assert all(line.endswith("triples)") and ": conforms (" in line for line in lines[:-1])


def test_text_report_names_file_focus_path_message_and_severity():
    fixture = INVALID[0]
    expected = expected_result(fixture)
    run = validate(str(fixture))
    assert run.returncode == 1
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"{fixture}: does not conform: 1 violation, 0 warnings (")
    focus = "res:" + expected["focus"].split("/resource/", 1)[1]
    assert lines[1] == f"  Violation at {focus}, path prov:wasAttributedTo"
    assert lines[2] == f"    {expected['message']}"
    assert lines[3] == "    (shape shapes:AnnotationAttributionCountShape)"


def test_turtle_report_is_the_shacl_report_graph_per_file():
    fixture = INVALID[0]
    run = validate("--report", "turtle", str(fixture), str(VALID[0]))
    assert run.returncode == 1
    graph = Graph().parse(data=run.stdout, format="turtle")
    reports = {graph.value(r, DCTERMS.source): r
               for r in graph.subjects(RDF.type, SH.ValidationReport)}
    assert set(reports) == {URIRef(fixture.resolve().as_uri()), URIRef(VALID[0].resolve().as_uri())}
    results = list(graph.objects(reports[URIRef(fixture.resolve().as_uri())], SH.result))
    assert len(results) == 1
    assert str(graph.value(results[0], SH.sourceShape)) == expected_result(fixture)["shape"]
    assert list(graph.objects(reports[URIRef(VALID[0].resolve().as_uri())], SH.result)) == []


def test_unreadable_input_exits_2_after_checking_the_rest(tmp_path):
    broken = tmp_path / "broken.ttl"
    broken.write_text("<urn:a> <urn:b> ", encoding="utf-8")
    run = validate(str(VALID[0]), str(broken), str(tmp_path / "missing.ttl"))
    assert run.returncode == 2
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"{VALID[0]}: conforms")
    assert lines[1].startswith(f"{broken}: UNREADABLE: ")
    assert lines[-1] == "checked 3 files: 1 conform, 0 do not, 2 unreadable"


def test_format_option_reads_files_whatever_their_extension(tmp_path):
    copy = tmp_path / "annotation.txt"
    copy.write_bytes(VALID[0].read_bytes())
    assert validate(str(copy)).returncode == 2
    assert validate("--format", "turtle", str(copy)).returncode == 0


@pytest.mark.parametrize("syntax", ["nt", "xml", "json-ld", "trig"])
def test_every_syntax_gives_the_same_report(tmp_path, syntax):
    fixture = INVALID[0]
    extension = {"nt": "nt", "xml": "rdf", "json-ld": "jsonld", "trig": "trig"}[syntax]
    converted = tmp_path / f"{fixture.stem}.{extension}"
    converted.write_text(Graph().parse(fixture).serialize(format=syntax), encoding="utf-8")
    run = validate("--report", "json", str(converted))
    assert run.returncode == 1, run.stdout + run.stderr
    assert essentials(json.loads(run.stdout)["files"][0]["results"]) == [expected_result(fixture)]


def test_the_readme_shows_the_real_output():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ llm-atlas validate ", 1)[1].split("```", 1)[0]
    args, _, shown = block.partition("\n")
    run = validate(*args.split())
    assert run.returncode == 1
    assert run.stdout == shown
