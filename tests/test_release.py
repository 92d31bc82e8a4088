"""`llm-atlas release` and the version IRIs it makes: a release into a copy of the sources."""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import shutil
from collections import defaultdict
from datetime import date
from pathlib import Path

import jsonschema
import pyoxigraph as ox
import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, VOID, XSD

from llm_atlas.config import Settings
from llm_atlas.core.knowledge.layout import BUILD_GRAPH
from llm_atlas.core.knowledge.release import rewrite_header
from llm_atlas.core.knowledge.release_files import dataset_quads, dump_dataset
from llm_atlas.core.knowledge.sources import Sources
from llm_atlas.namespaces import ONTOLOGY_IRI
from llm_atlas.web.app import create_app
from release_kit import CURRENT, DAY, NEXT, REPO, TEST_ENTRY, copy_sources, release

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
SD_NAME = URIRef("http://www.w3.org/ns/sparql-service-description#name")


CFF_SCHEMA = json.loads((REPO / "tests" / "data" / "cff-1.2.0-core.schema.json").read_text())


def read_cff(text: str) -> dict:
    return yaml.safe_load(text)


def fingerprint(root: Path) -> dict[str, str]:
    """Every file under ROOT and its hash: what a refused release must leave as it was."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the sources released as the next minor version."""
    root = copy_sources(tmp_path_factory.mktemp("released"))
    result = release(root, NEXT)
    assert result.exit_code == 0, result.output
    assert f"released {CURRENT} -> {NEXT}" in result.output
    return root


@pytest.fixture()
def fresh(tmp_path) -> Path:
    return copy_sources(tmp_path / "sources")


def _header_end(lines: list[str]) -> int:
    """The index of the line after the ontology's header block."""
    start = lines.index(f"<{ONTOLOGY_IRI}> a owl:Ontology ;\n")
    return next(i for i in range(start, len(lines)) if lines[i].rstrip().endswith(" .")) + 1


def test_the_bump_changes_only_the_header_lines(released):
    before = (REPO / "ontology" / "atlas.ttl").read_bytes().decode("utf-8").splitlines(True)
    after = (released / "ontology" / "atlas.ttl").read_bytes().decode("utf-8").splitlines(True)
    removed = [line[2:] for line in difflib.ndiff(before, after) if line.startswith("- ")]
    added = [line[2:] for line in difflib.ndiff(before, after) if line.startswith("+ ")]
    old, new = f"{ONTOLOGY_IRI}/{CURRENT}", f"{ONTOLOGY_IRI}/{NEXT}"
    start = before.index(f"<{ONTOLOGY_IRI}> a owl:Ontology ;\n")
    header = before[start:_header_end(before)]
    [citation] = [line for line in header if "dcterms:bibliographicCitation" in line]
    expected = [
        f'    dcterms:modified "{DAY}"^^xsd:date ;\n',
        f"    owl:priorVersion <{old}> ;\n",
        f"    owl:versionIRI <{new}> ;\n",
        f'    owl:versionInfo "{NEXT}" ;\n',
        re.sub(r"\(\d{4}\)", "(2026)", citation.replace(f"version {CURRENT}", f"version {NEXT}")
               .replace(old, new)),
    ]
    # a line the header already holds as the release writes it (the day it was last modified)
    # is left as it is
    changed = [line for line in expected if line not in header]
    assert sorted(added) == sorted(changed)
    keys = {line.split()[0] for line in changed}
    assert sorted(line.split()[0] for line in removed) == sorted(
        line.split()[0] for line in header if line.split()[:1] and line.split()[0] in keys)
    # every line before and after the header block is byte-identical
    assert after[:start] == before[:start]
    assert "".join(after[_header_end(after):]).encode() == "".join(
        before[_header_end(before):]).encode()


def test_the_released_header_names_the_version_and_the_prior_one(released):
    graph = Graph().parse(released / "ontology" / "atlas.ttl")
    assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(NEXT)
    assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{NEXT}")
    assert graph.value(ONTOLOGY_IRI, OWL.priorVersion) == URIRef(f"{ONTOLOGY_IRI}/{CURRENT}")
    assert graph.value(ONTOLOGY_IRI, DCTERMS.modified) == Literal(date(2026, 12, 3))
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == LICENSE
    versions = released / "ontology" / "versions"
    assert (versions / f"{NEXT}.ttl").read_bytes() == (
        released / "ontology" / "atlas.ttl").read_bytes()
    shipped = sorted(p.name for p in (REPO / "ontology" / "versions").iterdir())
    assert sorted(p.name for p in versions.iterdir()) == sorted([*shipped, f"{NEXT}.ttl"])
    assert all((versions / name).read_bytes() == (REPO / "ontology" / "versions" / name)
               .read_bytes() for name in shipped)


def test_every_shipped_snapshot_is_the_version_it_is_named_after():
    snapshots = sorted((REPO / "ontology" / "versions").glob("*.ttl"))
    assert "0.1.0.ttl" in [p.name for p in snapshots]
    for path in snapshots:
        graph = Graph().parse(path)
        assert graph.value(ONTOLOGY_IRI, OWL.versionInfo) == Literal(path.stem)
        assert graph.value(ONTOLOGY_IRI, OWL.versionIRI) == URIRef(f"{ONTOLOGY_IRI}/{path.stem}")


def test_a_header_without_a_license_gets_one():
    text = (REPO / "ontology" / "atlas.ttl").read_text(encoding="utf-8")
    unlicensed = re.sub(r"\n    dcterms:license <[^>]*> ;", "", text, count=1)
    assert unlicensed != text
    graph = Graph().parse(data=rewrite_header(unlicensed, NEXT, CURRENT, date(2026, 12, 3)),
                          format="turtle")
    assert graph.value(ONTOLOGY_IRI, DCTERMS.license) == LICENSE
    assert graph.value(ONTOLOGY_IRI, OWL.priorVersion) == URIRef(f"{ONTOLOGY_IRI}/{CURRENT}")


def _store_graphs(root: Path) -> dict[str, Graph]:
    """What a store built from ROOT holds, graph by graph (the build manifest aside)."""
    app = create_app(Settings(memory=True, sources=str(root)))
    store = app.extensions["llm_atlas"].store
    try:
        return {iri: Graph().parse(data=store.get_graph(iri, "ntriples"), format="nt")
                for iri in store.named_graphs() if iri != BUILD_GRAPH}
    finally:
        store.close()


def _dataset_graphs(path: Path, fmt: ox.RdfFormat) -> dict[str, Graph]:
    """A dump's named graphs (read with pyoxigraph: rdflib's Dataset parser warns)."""
    triples: dict[str, list[str]] = defaultdict(list)
    for quad in ox.parse(path=str(path), format=fmt):
        assert isinstance(quad.graph_name, ox.NamedNode), "every statement is in a named graph"
        triples[quad.graph_name.value].append(f"{quad.triple} .")
    return {iri: Graph().parse(data="\n".join(lines), format="nt")
            for iri, lines in triples.items()}


def test_the_dumps_hold_the_quads_the_store_holds(released):
    expected = _store_graphs(released)
    out = released / "releases" / NEXT
    for name, fmt in ((f"llm-atlas-{NEXT}.trig", ox.RdfFormat.TRIG),
                      (f"llm-atlas-{NEXT}.nq", ox.RdfFormat.N_QUADS)):
        dumped = _dataset_graphs(out / name, fmt)
        assert sorted(dumped) == sorted(expected)
        different = [iri for iri in expected if not isomorphic(dumped[iri], expected[iri])]
        assert different == []
    nquads = (out / f"llm-atlas-{NEXT}.nq").read_text(encoding="utf-8").splitlines()
    assert len(nquads) == sum(len(g) for g in expected.values())


def test_the_checksums_match_the_files(released):
    out = released / "releases" / NEXT
    lines = (out / "SHA256SUMS").read_text(encoding="ascii").splitlines()
    sums = dict(reversed(re.fullmatch(r"([0-9a-f]{64})  (\S+)", line).groups())
                for line in lines)
    assert sorted(sums) == sorted(p.name for p in out.iterdir() if p.name != "SHA256SUMS")
    assert sums == {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in sums}


def test_the_void_counts_and_links_the_dumps(released):
    out = released / "releases" / NEXT
    void = Graph().parse(out / "void.ttl", publicID=(out / "void.ttl").as_uri())
    dataset = URIRef((out / "void.ttl").as_uri() + "#dataset")
    assert (dataset, RDF.type, VOID.Dataset) in void
    quads = len((out / f"llm-atlas-{NEXT}.nq").read_text(encoding="utf-8").splitlines())
    assert void.value(dataset, VOID.triples) == Literal(quads, datatype=XSD.integer)
    dumps = (f"llm-atlas-{NEXT}.trig", f"llm-atlas-{NEXT}.nq")
    assert set(void.objects(dataset, VOID.dataDump)) == {URIRef((out / n).as_uri()) for n in dumps}
    assert void.value(dataset, DCTERMS.license) == LICENSE
    assert void.value(dataset, DCTERMS.title) == Literal("LLM ATLAS knowledge graph", lang="en")
    assert void.value(dataset, OWL.versionInfo) == Literal(NEXT)
    assert void.value(dataset, DCTERMS.issued) == Literal(date(2026, 12, 3))
    per_graph = {str(void.value(s, SD_NAME)): void.value(s, VOID.triples).toPython()
                 for s in void.objects(dataset, VOID.subset)}
    dumped = _dataset_graphs(out / f"llm-atlas-{NEXT}.nq", ox.RdfFormat.N_QUADS)
    assert per_graph == {iri: len(graph) for iri, graph in dumped.items()}


def test_citation_and_changelog_name_the_release(released):
    citation = read_cff((released / "CITATION.cff").read_text(encoding="utf-8"))
    assert (citation["version"], citation["date-released"]) == (NEXT, DAY)
    changelog = (released / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [Unreleased]\n\n## [{NEXT}] - {DAY}\n\n{TEST_ENTRY}\n" in changelog
    shipped = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.replace(f"\n\n## [{NEXT}] - {DAY}\n\n{TEST_ENTRY}", "") == shipped
    assert cff_errors(released / "CITATION.cff") == []


def cff_errors(path: Path) -> list[str]:
    """What breaks the CFF 1.2.0 rules the file uses (cffconvert's pins clash with sssom's)."""
    validator = jsonschema.Draft7Validator(CFF_SCHEMA)
    data = read_cff(path.read_text(encoding="utf-8"))
    return [error.message for error in validator.iter_errors(data)]


def test_the_shipped_citation_file_is_valid_cff_1_2_0(tmp_path):
    assert cff_errors(REPO / "CITATION.cff") == []
    text = (REPO / "CITATION.cff").read_text(encoding="utf-8")
    citation = read_cff(text)
    assert citation["title"] == "LLM ATLAS knowledge graph"
    assert citation["authors"] == [{"name": "LLM ATLAS curators"}]
    assert citation["version"] == str(Graph().parse(REPO / "ontology" / "atlas.ttl").value(
        ONTOLOGY_IRI, OWL.versionInfo))
    [paper] = citation["references"]
    assert paper["title"].startswith("Getting In Contract with Large Language Models")
    # the validator can fail: the same file without its authors is refused
    broken = tmp_path / "CITATION.cff"
    broken.write_text(re.sub(r"authors:\n  - name: [^\n]*\n", "", text), encoding="utf-8")
    assert "'authors' is a required property" in cff_errors(broken)


@pytest.mark.parametrize("version", [CURRENT, "0.0.0", "0.2", "v0.2.0", "0.2.0-rc.1", "01.2.0",
                                     "latest", ""])
def test_a_version_that_is_not_a_greater_release_number_is_refused(fresh, version):
    before = fingerprint(fresh)
    result = release(fresh, version)
    assert result.exit_code == 2, result.output
    assert re.search(r"not a release number: write MAJOR\.MINOR\.PATCH|not greater than the "
                     rf"current version {re.escape(CURRENT)}", result.output), result.output
    assert fingerprint(fresh) == before


def test_failing_checks_refuse_the_release_and_write_nothing(fresh):
    target = fresh / "annotations" / "mitchell-2019-model-cards.ttl"
    text = target.read_text(encoding="utf-8")
    broken = re.sub(r'"\d{4}-\d{2}-\d{2}"\^\^xsd:date', '"yesterday"', text, count=1)
    assert broken != text
    target.write_text(broken, encoding="utf-8")
    before = fingerprint(fresh)
    result = release(fresh, NEXT)
    assert result.exit_code == 1, result.output
    assert "annotations/mitchell-2019-model-cards.ttl" in result.output
    assert "nothing was written" in result.output
    assert fingerprint(fresh) == before


def test_a_changelog_without_entries_refuses_the_release(fresh):
    changelog = fresh / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    head, rest = text.split("## [Unreleased]\n", 1)
    changelog.write_text(head + "## [Unreleased]\n\n## [" + rest.split("\n## [", 1)[1],
                         encoding="utf-8")
    before = fingerprint(fresh)
    result = release(fresh, NEXT)
    assert result.exit_code == 2
    assert "Unreleased section lists nothing" in result.output
    assert fingerprint(fresh) == before


def test_snapshots_are_not_loaded_as_knowledge(released, tmp_path):
    without = tmp_path / "without"
    shutil.copytree(released / "ontology", without / "ontology",
                    ignore=shutil.ignore_patterns("versions"))
    shutil.copytree(released / "annotations", without / "annotations")
    assert len(Sources(released).version_snapshots()) == len(
        Sources(REPO).version_snapshots()) + 1
    assert dataset_quads(Sources(released)) == dataset_quads(Sources(without))


def test_the_dumps_can_be_made_again_from_the_released_sources(released):
    trig, nquads, _, _ = dump_dataset(Sources(released))
    out = released / "releases" / NEXT
    assert trig == (out / f"llm-atlas-{NEXT}.trig").read_bytes()
    assert nquads == (out / f"llm-atlas-{NEXT}.nq").read_bytes()
