"""`llm-atlas check`: its counts, its problems located by file and term, its exit codes."""

import re
import shutil

import pytest
from click.testing import CliRunner

from llm_atlas.cli import main

# the papers a broken copy keeps: a check of all 190 files takes two minutes, and what these
# tests break is found in one file as well as in all
# (one paper for each cell of the matrix that has one, as the cell shape asks)
KEPT = ["akerlof-1970-lemons.ttl", "arnold-2018-factsheets.ttl", "bai-2022-constitutional-ai.ttl",
        "kapoor-2024-open-foundation-models.ttl", "zheng-2023-llm-judge.ttl"]


@pytest.fixture()
def copy_of_sources(sources, tmp_path):
    """A private copy of the ontology and a few annotation files that a test may break."""
    root = tmp_path / "knowledge"
    shutil.copytree(sources.root / "ontology", root / "ontology")
    # the review's protocol, searches and criteria, which every screening record points at
    shutil.copytree(sources.root / "annotations" / "review", root / "annotations" / "review")
    for name in KEPT:
        shutil.copy(sources.root / "annotations" / name, root / "annotations" / name)
    return root


def test_the_kept_copy_passes_before_a_test_breaks_it(copy_of_sources):
    result = run("check", "--sources", str(copy_of_sources), "--no-reasoning")
    assert result.exit_code == 0, result.output
    review = len(list((copy_of_sources / "annotations" / "review").glob("*.ttl")))
    assert f"checked {len(KEPT) + review} annotation files" in result.output


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_check_passes_on_the_shipped_knowledge_and_counts_what_it_checked(sources, annotations):
    result = run("check")
    assert result.exit_code == 0, result.output
    files = len(sources.annotation_files())
    match = re.search(r"checked (\d+) annotation files \((\d+) triples", result.output)
    assert match, result.output
    assert int(match.group(1)) == files > 0
    assert int(match.group(2)) == len(annotations)
    assert result.output.rstrip().splitlines()[-1].startswith("OK: 0 violations")


def test_check_names_file_and_term_of_an_invalid_annotation(copy_of_sources):
    target = sorted((copy_of_sources / "annotations").glob("*.ttl"))[0]
    text = target.read_text(encoding="utf-8")
    broken = re.sub(r'dcterms:created "\d{4}-\d{2}-\d{2}"\^\^xsd:date',
                    'dcterms:created "yesterday"', text, count=1)
    assert broken != text
    target.write_text(broken, encoding="utf-8")
    result = run("check", "--sources", str(copy_of_sources), "--no-reasoning")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if "VIOLATION" in line]
    assert len(lines) == 1, result.output
    assert f"annotations/{target.name}" in lines[0]
    assert "path <http://purl.org/dc/terms/created>" in lines[0]


def test_check_reports_a_syntax_error_as_invalid_content(copy_of_sources):
    (copy_of_sources / "annotations" / "zz-broken.ttl").write_text("<a> <b> .", encoding="utf-8")
    result = run("check", "--sources", str(copy_of_sources), "--no-reasoning")
    assert result.exit_code == 1
    assert "annotations/zz-broken.ttl: not valid turtle" in result.output


def test_check_fails_when_it_finds_no_annotation_files(copy_of_sources):
    shutil.rmtree(copy_of_sources / "annotations")
    (copy_of_sources / "annotations").mkdir()
    result = run("check", "--sources", str(copy_of_sources), "--no-reasoning")
    assert result.exit_code == 2
    assert "no annotation files found" in result.output


def test_check_cannot_run_without_an_ontology(tmp_path):
    result = run("check", "--sources", str(tmp_path))
    assert result.exit_code == 2
    assert "no ontology/atlas.ttl found" in result.output


def test_check_notices_a_stale_inferred_file(copy_of_sources):
    inferred = copy_of_sources / "ontology" / "inferred.ttl"
    inferred.write_text("", encoding="utf-8")
    result = run("check", "--sources", str(copy_of_sources))
    assert result.exit_code == 1
    assert "ontology/inferred.ttl" in result.output and "out of date" in result.output
