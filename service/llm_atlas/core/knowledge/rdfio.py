"""Reading RDF files and bodies into rdflib graphs, in the syntaxes of the format registry."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from llm_atlas import formats
from llm_atlas.core.knowledge.rdfsafety import Limits, check_limits, prepare
from llm_atlas.errors import RDFSyntaxError, UnsupportedFormat


def format_for_path(path: Path, explicit: str | None = None) -> str:
    """The rdflib parser name for a file, from an explicit name or the file's extension."""
    syntaxes = formats.rdf_syntaxes()
    if explicit:
        if formats.for_rdflib(explicit) not in syntaxes:
            known = ", ".join(sorted(f.rdflib_name for f in syntaxes))
            raise UnsupportedFormat(f"unknown RDF format {explicit!r}; use one of: {known}")
        return explicit
    fmt = formats.for_extension(path.suffix)
    if fmt is None or fmt.rdflib is None:
        known = ", ".join(sorted("." + e for f in syntaxes for e in f.extensions))
        raise UnsupportedFormat(
            f"{path.name}: cannot tell the RDF syntax from the extension {path.suffix!r}; "
            f"use one of {known} or name the format"
        )
    return fmt.rdflib


def parse_file(path: Path, rdf_format: str | None = None, *,
               limits: Limits | None = None) -> Graph:
    """Parse one RDF file into a graph (quads are merged into one graph)."""
    fmt = format_for_path(path, rdf_format)
    return parse_data(path.read_bytes(), fmt, source_name=str(path), limits=limits)


def parse_data(data: bytes | str, rdf_format: str, source_name: str = "<input>", *,
               limits: Limits | None = None, base_iri: str | None = None) -> Graph:
    """Parse RDF text in a named syntax into a graph; syntax errors become RDFSyntaxError.

    Nothing outside the text is read or fetched (rdfsafety refuses external entities and
    remote JSON-LD contexts first); with limits, the parsed graph is bounded too.
    """
    data = prepare(data, rdf_format, source_name)
    graph = _parse(data, rdf_format, source_name, base_iri)
    if limits is not None:
        check_limits(graph, limits, source_name)
    return graph


def _parse(data: bytes | str, rdf_format: str, source_name: str, base_iri: str | None) -> Graph:
    try:
        if rdf_format in {f.rdflib for f in formats.of_kind(formats.DATASET)}:
            dataset = Dataset()
            dataset.parse(data=data, format=rdf_format, publicID=base_iri)
            graph = Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
            return graph
        graph = Graph()
        graph.parse(data=data, format=rdf_format, publicID=base_iri)
        return graph
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise RDFSyntaxError(f"{source_name}: not valid {rdf_format}: {exc}") from exc
