"""`llm-atlas validate FILE...`: each file on its own against the shapes, with the ontology.

Library side of the command: values in, text out; cli.py picks the exit code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SH

from llm_atlas.core.checking.reports import as_dict, result_lines, summary
from llm_atlas.core.checking.validation import ValidationReport, validate_graph
from llm_atlas.core.knowledge.rdfio import parse_file
from llm_atlas.core.knowledge.rdfsafety import Limits
from llm_atlas.core.knowledge.sources import Sources
from llm_atlas.errors import RDFSyntaxError, UnsupportedFormat
from llm_atlas.namespaces import bind_prefixes

# Local files may be large; their terms are still bounded, and nothing outside them is read.
FILE_LIMITS = Limits(max_triples=None)


@dataclass
class FileReport:
    """The verdict on one file: its report, or why it could not be read."""

    file: str
    triples: int = 0
    report: ValidationReport | None = None
    error: str | None = None


@dataclass
class Outcome:
    """Every file's verdict, in the order given."""

    files: list[FileReport] = field(default_factory=list)

    @property
    def unreadable(self) -> list[FileReport]:
        return [f for f in self.files if f.report is None]

    @property
    def conforms(self) -> bool:
        return all(f.report is not None and f.report.conforms for f in self.files)


def validate_files(paths: list[Path], sources: Sources, rdf_format: str | None = None) -> Outcome:
    """Validate each file with the shipped shapes and ontology; unreadable files are recorded."""
    shapes, ontology = sources.annotation_shapes(), sources.ontology_graph()
    # the review's protocol, searches and criteria, which a paper's screening record points at
    protocol = sources.root / "annotations" / "review" / "protocol.ttl"
    if protocol.is_file():
        ontology = ontology + Graph().parse(protocol, format="turtle")
    outcome = Outcome()
    for path in paths:
        entry = FileReport(str(path))
        try:
            graph = parse_file(path, rdf_format, limits=FILE_LIMITS)
        except (RDFSyntaxError, UnsupportedFormat) as exc:
            entry.error = str(exc)
        except OSError as exc:
            entry.error = f"{path}: cannot read: {exc.strerror or exc}"
        else:
            entry.triples = len(graph)
            try:
                entry.report = validate_graph(graph, shapes, ontology)
            except RDFSyntaxError as exc:  # nested too deeply to validate
                entry.error = f"{path}: {exc}"
        outcome.files.append(entry)
    return outcome


def as_text(outcome: Outcome) -> str:
    """Per file its verdict and each result (severity, focus node, path, message, shape)."""
    lines = []
    for entry in outcome.files:
        if entry.report is None:
            lines.append(f"{entry.file}: UNREADABLE: {entry.error}")
            continue
        lines.append(f"{entry.file}: {summary(entry.report)} ({entry.triples} triples)")
        for result in entry.report.results:
            lines += result_lines(result)
    conforming = sum(1 for f in outcome.files if f.report is not None and f.report.conforms)
    invalid = len(outcome.files) - conforming - len(outcome.unreadable)
    lines.append(f"checked {len(outcome.files)} files: {conforming} conform, "
                 f"{invalid} do not, {len(outcome.unreadable)} unreadable")
    return "\n".join(lines) + "\n"


def as_json(outcome: Outcome) -> str:
    """The verdicts as JSON: one object per file, as /validate answers for one document."""
    files = []
    for entry in outcome.files:
        if entry.report is None:
            files.append({"file": entry.file, "error": entry.error})
        else:
            files.append({"file": entry.file, **as_dict(entry.report, entry.triples)})
    return json.dumps({"conforms": outcome.conforms, "files": files}, indent=1) + "\n"


def as_turtle(outcome: Outcome) -> str:
    """Every file's sh:ValidationReport in one graph, each naming its file by dcterms:source."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("sh", str(SH))
    for entry in outcome.files:
        if entry.report is None:
            continue
        for triple in entry.report.graph:
            graph.add(triple)
        source = URIRef(Path(entry.file).resolve().as_uri())
        for node in entry.report.graph.subjects(RDF.type, SH.ValidationReport):
            graph.add((node, DCTERMS.source, source))
    return graph.serialize(format="turtle")


RENDERERS = {"text": as_text, "json": as_json, "turtle": as_turtle}
