"""Reading RDF files and bodies into rdflib graphs, with one table of syntaxes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from .errors import RDFSyntaxError, UnsupportedFormat

# file extension -> rdflib parser name
EXTENSION_FORMATS: dict[str, str] = {
    ".ttl": "turtle",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
    ".nt": "nt",
    ".nq": "nquads",
}

QUAD_FORMATS = {"trig", "nquads"}


def format_for_path(path: Path, explicit: str | None = None) -> str:
    """The rdflib parser name for a file, from an explicit name or the file's extension."""
    if explicit:
        if explicit not in set(EXTENSION_FORMATS.values()):
            known = ", ".join(sorted(set(EXTENSION_FORMATS.values())))
            raise UnsupportedFormat(f"unknown RDF format {explicit!r}; use one of: {known}")
        return explicit
    try:
        return EXTENSION_FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(EXTENSION_FORMATS))
        raise UnsupportedFormat(
            f"{path.name}: cannot tell the RDF syntax from the extension {path.suffix!r}; "
            f"use one of {known} or name the format"
        ) from None


def parse_file(path: Path, rdf_format: str | None = None) -> Graph:
    """Parse one RDF file into a graph (quads are merged into one graph)."""
    fmt = format_for_path(path, rdf_format)
    return parse_data(path.read_bytes(), fmt, source_name=str(path))


def parse_data(data: bytes | str, rdf_format: str, source_name: str = "<input>") -> Graph:
    """Parse RDF text in a named syntax into a graph; syntax errors become RDFSyntaxError."""
    try:
        if rdf_format in QUAD_FORMATS:
            dataset = Dataset()
            dataset.parse(data=data, format=rdf_format)
            graph = Graph()
            for s, p, o, _ in dataset.quads((None, None, None, None)):
                graph.add((s, p, o))
            return graph
        graph = Graph()
        graph.parse(data=data, format=rdf_format)
        return graph
    except Exception as exc:  # rdflib raises many unrelated types for bad syntax
        raise RDFSyntaxError(f"{source_name}: not valid {rdf_format}: {exc}") from exc
