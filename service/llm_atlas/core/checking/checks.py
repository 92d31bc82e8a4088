"""`llm-atlas check` as a library: validate every shipped file and the ontology, return findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from llm_atlas.core.checking.reasoning import reason
from llm_atlas.core.checking.validation import ValidationResult, validate_graph
from llm_atlas.core.knowledge.rdfio import parse_file
from llm_atlas.core.knowledge.sources import Sources, load_graph
from llm_atlas.errors import RDFSyntaxError, SourcesNotFound
from llm_atlas.namespaces import ATLAS


@dataclass(frozen=True)
class Problem:
    """One finding of the check, located by file and term."""

    area: str  # "syntax", "annotations", "metadata", "reasoning", "inferred"
    severity: str  # "Violation" or "Warning"
    message: str
    file: str | None = None
    term: str | None = None
    path: str | None = None


@dataclass
class CheckReport:
    """What was checked, how much, and every problem found."""

    annotation_files: int = 0
    annotation_triples: int = 0
    annotations: int = 0
    papers: int = 0
    ontology_triples: int = 0
    inferred_triples: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def violations(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "Violation"]

    @property
    def ok(self) -> bool:
        return not self.violations


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _parse_annotation_files(sources: Sources, report: CheckReport) -> dict[str, Graph]:
    graphs: dict[str, Graph] = {}
    for path in sources.annotation_files():
        name = _relative(path, sources.root)
        try:
            graphs[name] = parse_file(path)
        except RDFSyntaxError as exc:
            report.problems.append(Problem("syntax", "Violation", str(exc), file=name))
    return graphs


def _locate(result: ValidationResult, graphs: dict[str, Graph]) -> str | None:
    """The file(s) that describe a result's focus node."""
    focus = URIRef(result.focus)
    files = [name for name, g in graphs.items() if (focus, None, None) in g]
    return ", ".join(files) if files else None


def _from_shacl(area: str, results: list[ValidationResult],
                graphs: dict[str, Graph]) -> list[Problem]:
    return [
        Problem(area, r.severity, r.message, file=_locate(r, graphs), term=r.focus, path=r.path)
        for r in results
    ]


def _check_annotations(sources, ontology, graphs, report) -> None:
    data = Graph()
    for graph in graphs.values():
        data += graph
    report.annotation_files = len(graphs)
    report.annotation_triples = len(data)
    report.annotations = len(set(data.subjects(RDF.type, ATLAS.Annotation)))
    report.papers = len(set(data.subjects(RDF.type, ATLAS.Paper)))
    shaped = validate_graph(data, sources.annotation_shapes(), ontology)
    report.problems += _from_shacl("annotations", shaped.results, graphs)


def _check_metadata(sources, ontology, report) -> None:
    shaped = validate_graph(ontology, sources.metadata_shapes(), None)
    name = _relative(sources.ontology_file, sources.root)
    report.problems += _from_shacl("metadata", shaped.results, {name: ontology})


def _check_inferred_statements(sources, ontology, report) -> None:
    """Every statement of ontology/inferred.ttl names its rule and premises (statement shapes)."""
    if not sources.inferred_file.exists():
        return
    inferred = load_graph([sources.inferred_file])
    shaped = validate_graph(inferred, sources.annotation_shapes(), ontology)
    name = _relative(sources.inferred_file, sources.root)
    report.problems += _from_shacl("inferred", shaped.results, {name: inferred})


def _check_reasoning(sources, ontology, annotations: Graph, report) -> None:
    with_data = reason(ontology + annotations)
    if not with_data.consistent:
        report.problems.append(
            Problem("reasoning", "Violation",
                    "HermiT: the ontology plus annotations is inconsistent")
        )
    for iri in with_data.unsatisfiable:
        report.problems.append(
            Problem("reasoning", "Violation", "HermiT: class is unsatisfiable", term=iri)
        )
    alone = reason(ontology)
    report.inferred_triples = len(alone.inferred)
    inferred_name = _relative(sources.inferred_file, sources.root)
    if not sources.inferred_file.exists():
        report.problems.append(Problem(
            "inferred", "Violation", "missing; run `llm-atlas reason` to write it",
            file=inferred_name,
        ))
    elif alone.consistent and not isomorphic(alone.inferred, load_graph([sources.inferred_file])):
        report.problems.append(Problem(
            "inferred", "Violation",
            "out of date with the ontology; run `llm-atlas reason` to rewrite it",
            file=inferred_name,
        ))


def run_check(sources: Sources, *, reasoning: bool = True) -> CheckReport:
    """Validate annotations, the ontology's metadata and (optionally) HermiT consistency."""
    report = CheckReport()
    graphs = _parse_annotation_files(sources, report)
    if not graphs and not report.problems:
        raise SourcesNotFound(f"no annotation files found in {sources.annotations_dir}")
    try:
        ontology = sources.ontology_graph()
    except RDFSyntaxError as exc:
        report.problems.append(Problem("syntax", "Violation", str(exc)))
        return report
    report.ontology_triples = len(ontology)
    _check_annotations(sources, ontology, graphs, report)
    _check_metadata(sources, ontology, report)
    _check_inferred_statements(sources, ontology, report)
    if reasoning:
        annotations = Graph()
        for graph in graphs.values():
            annotations += graph
        _check_reasoning(sources, ontology, annotations, report)
    return report
