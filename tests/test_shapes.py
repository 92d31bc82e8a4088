"""Every shape has an invalid fixture that violates exactly it; the shipped files pass them all."""

import re
from pathlib import Path

import pytest
from rdflib.namespace import SH

from live import HEADER_KEYS, fixture_header
from llm_atlas.core.checking.validation import validate_graph
from llm_atlas.core.knowledge.rdfio import parse_file

DATA = Path(__file__).parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
INVALID_METADATA = sorted((DATA / "invalid-metadata").glob("*.ttl"))
VALID = sorted((DATA / "valid").glob("*.ttl"))


def expected_result(path: Path) -> dict[str, str]:
    return fixture_header(path)


def only_result(report):
    assert len(report.results) == 1, [r.as_dict() for r in report.results]
    r = report.results[0]
    return {"shape": r.shape, "focus": r.focus, "path": r.path or "-", "severity": r.severity,
            "message": r.message}


def test_there_are_fixtures_for_both_shape_files():
    assert len(INVALID) >= 15 and len(INVALID_METADATA) >= 8 and len(VALID) >= 2


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_annotation_fixture_violates_exactly_its_shape(sources, ontology, fixture):
    report = validate_graph(parse_file(fixture), sources.annotation_shapes(), ontology)
    expected = {k: v for k, v in expected_result(fixture).items() if k in HEADER_KEYS}
    assert only_result(report) == expected


@pytest.mark.parametrize("fixture", INVALID_METADATA, ids=lambda p: p.stem)
def test_invalid_metadata_fixture_violates_exactly_its_shape(sources, fixture):
    report = validate_graph(parse_file(fixture), sources.metadata_shapes())
    expected = {k: v for k, v in expected_result(fixture).items() if k in HEADER_KEYS}
    assert only_result(report) == expected


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_result(sources, ontology, fixture):
    report = validate_graph(parse_file(fixture), sources.annotation_shapes(), ontology)
    assert report.results == []


def message_pattern(template: str) -> re.Pattern:
    parts = re.split(r"\{[?$]\w+\}", template)
    return re.compile("^" + ".+".join(re.escape(p) for p in parts) + "$", re.S)


@pytest.mark.parametrize(("shapes_name", "fixtures"), [
    ("annotation_shapes", INVALID), ("metadata_shapes", INVALID_METADATA)])
def test_every_constraint_message_is_produced_by_some_fixture(sources, shapes_name, fixtures):
    shapes = getattr(sources, shapes_name)()
    produced = [expected_result(f)["message"] for f in fixtures]
    templates = {str(m) for m in shapes.objects(None, SH.message)}
    assert templates
    missing = [t for t in templates
               if not any(message_pattern(t).match(m) for m in produced)]
    assert missing == []


def test_shipped_annotations_conform(sources, ontology, annotations):
    report = validate_graph(annotations, sources.annotation_shapes(), ontology)
    assert report.violations == []


def test_shipped_ontology_passes_its_metadata_shapes(sources, ontology):
    assert validate_graph(ontology, sources.metadata_shapes()).results == []


def test_the_alignments_module_passes_the_metadata_shapes(sources):
    from llm_atlas.core.knowledge.sources import load_graph

    report = validate_graph(load_graph([sources.alignments_file]), sources.metadata_shapes())
    assert report.results == []
