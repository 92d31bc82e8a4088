"""Reading RDF files and bodies into rdflib graphs, with one table of syntaxes."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph

from llm_atlas.core.knowledge.rdfsafety import Limits, check_limits, prepare
from llm_atlas.errors import RDFSyntaxError, UnsupportedFormat

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

# request Content-Type -> rdflib parser name, for RDF sent to the service
MEDIA_TYPE_FORMATS: dict[str, str] = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/n-quads": "nquads",
}


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
        if rdf_format in QUAD_FORMATS:
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
