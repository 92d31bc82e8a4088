"""One registry of every RDF and result format: names, media types, extensions, library names.

Negotiation, the result writers, the Service Description, the linked-data documents, the CLI's
choices and the file readers all look formats up here; a new format is one `register` call.
Order matters: among formats of one kind, the first registered is the one a client that does
not mind (`*/*`, no Accept) gets, and the one ties go to.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

SOLUTIONS, GRAPH, DATASET, PAGE = "solutions", "graph", "dataset", "page"
KINDS = (SOLUTIONS, GRAPH, DATASET, PAGE)
RDF_KINDS = (GRAPH, DATASET)  # what rdflib and Oxigraph parse as RDF
W3C_FORMATS = "http://www.w3.org/ns/formats/"

OxFormat = ox.RdfFormat | ox.QueryResultsFormat


@dataclass(frozen=True)
class Format:
    """One format: what we call it, how it is named on the wire and by the libraries."""

    name: str  # our key: format=, the CLI, the store contract
    kind: str  # solutions (SELECT, ASK), graph (triples), dataset (quads) or page (HTML)
    label: str  # what people call it: "Turtle", "JSON-LD"
    media_type: str  # the type we answer with
    extensions: tuple[str, ...]  # the first names our documents (`.ttl`); the rest are read too
    aliases: tuple[str, ...] = ()  # other names and media types accepted in format= and Accept
    # other Content-Types a request body in this format may carry (text/n3 is answered with
    # Turtle, which is N3, but an N3 body need not be Turtle, so it is not read as Turtle)
    read_as: tuple[str, ...] = ()
    oxigraph: OxFormat | None = None  # pyoxigraph's format, where it has one
    rdflib: str | None = None  # rdflib's parser and serializer name (RDF formats only)
    sd_iri: str | None = None  # its IRI for sd:resultFormat

    @property
    def extension(self) -> str:
        """The extension of our format-specific documents and files."""
        return self.extensions[0]

    @property
    def rdf_format(self) -> ox.RdfFormat:
        """pyoxigraph's RDF format; every graph and dataset format has one."""
        if not isinstance(self.oxigraph, ox.RdfFormat):
            raise ValueError(f"{self.name} is not an RDF format pyoxigraph reads or writes")
        return self.oxigraph

    @property
    def rdflib_name(self) -> str:
        """rdflib's parser and serializer name; every graph and dataset format has one."""
        if self.rdflib is None:
            raise ValueError(f"{self.name} is not an RDF format rdflib reads or writes")
        return self.rdflib

    @property
    def media_types(self) -> tuple[str, ...]:
        """Every media type the format answers to: ours first, then the aliases that are types."""
        return (self.media_type, *(a for a in self.aliases if "/" in a))

    @property
    def content_types(self) -> tuple[str, ...]:
        """The request Content-Types read as this format."""
        return (self.media_type, *self.read_as)

    def __reduce__(self):
        # pyoxigraph's formats do not pickle; the embedded engine (another process, where a
        # format registered here does not exist) is sent the row by value and rebuilds it
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        library = fields.pop("oxigraph")
        spec = (type(library).__name__, library.media_type) if library is not None else None
        return (_rebuilt, (fields, spec))


def _rebuilt(fields: dict, spec: tuple[str, str] | None) -> Format:
    library = getattr(ox, spec[0]).from_media_type(spec[1]) if spec else None
    return Format(**fields, oxigraph=library)


_REGISTRY: dict[str, Format] = {}
_BY_KINDS: dict[tuple[str, ...], tuple[Format, ...]] = {}


def register(fmt: Format) -> Format:
    """Add a format; ValueError when a name, media type or extension is taken.

    Formats may share a library's writer (one of ours may be TriG under another media type);
    a library's name then stands for the first registered.
    """
    if fmt.kind not in KINDS:
        raise ValueError(f"{fmt.name}: kind {fmt.kind!r} is not one of {', '.join(KINDS)}")
    if not fmt.extensions:
        raise ValueError(f"{fmt.name}: a format needs at least one file extension")
    if fmt.kind == GRAPH and not (fmt.oxigraph and fmt.rdflib):
        # the engine writes query answers with Oxigraph, the documents are written with rdflib
        raise ValueError(f"{fmt.name}: a graph format needs both an Oxigraph and an rdflib name")
    for other in _REGISTRY.values():
        clash = _clash(fmt, other)
        if clash:
            raise ValueError(f"{fmt.name}: {clash} is already {other.name}'s")
    _REGISTRY[fmt.name] = fmt
    _BY_KINDS.clear()
    return fmt


def _clash(fmt: Format, other: Format) -> str | None:
    """What a new format shares with a registered one and must not."""
    if fmt.name == other.name:
        return f"the name {fmt.name!r}"
    for mine, theirs, what in (
            (fmt.media_types + fmt.read_as, other.media_types + other.read_as, "media type"),
            (fmt.extensions, other.extensions, "extension")):
        shared = set(mine) & set(theirs)
        if shared:
            return f"the {what} {sorted(shared)[0]!r}"
    # a short alias may repeat a name of another kind (format=json asks a CONSTRUCT for
    # JSON-LD), never one of its own kind, where it would name two formats at once
    if fmt.kind == other.kind:
        names = {fmt.name, *(a for a in fmt.aliases if "/" not in a)}
        shared = names & {other.name, *(a for a in other.aliases if "/" not in a)}
        if shared:
            return f"the name {sorted(shared)[0]!r}"
    return None


def unregister(name: str) -> None:
    """Remove a format (a test's, after it ran)."""
    del _REGISTRY[name]
    _BY_KINDS.clear()


def resolve(fmt: Format | str) -> Format:
    """A format given by name or already as a format; KeyError for an unknown name."""
    if isinstance(fmt, Format):
        return fmt
    try:
        return _REGISTRY[fmt]
    except KeyError:
        raise KeyError(f"unknown format {fmt!r}") from None


def get(name: str) -> Format:
    """The format of a name; KeyError when there is none."""
    return resolve(name)


def all_formats() -> tuple[Format, ...]:
    """Every registered format, in registration order."""
    return tuple(_REGISTRY.values())


def of_kind(*kinds: str) -> tuple[Format, ...]:
    """The formats of some kinds, in registration order (asked for on every request: cached)."""
    if kinds not in _BY_KINDS:
        _BY_KINDS[kinds] = tuple(f for f in _REGISTRY.values() if f.kind in kinds)
    return _BY_KINDS[kinds]


def rdf_syntaxes() -> tuple[Format, ...]:
    """The RDF formats rdflib parses (graphs and datasets)."""
    return tuple(f for f in of_kind(*RDF_KINDS) if f.rdflib)


def for_extension(extension: str, kinds: Iterable[str] = RDF_KINDS) -> Format | None:
    """The format of a file extension (`.ttl` or `ttl`, any case) among some kinds, or None."""
    wanted = extension.lower().removeprefix(".")
    return next((f for f in of_kind(*kinds) if wanted in f.extensions), None)


def for_content_type(media_type: str) -> Format | None:
    """The RDF format a request body of this Content-Type is read as, or None."""
    return next((f for f in of_kind(*RDF_KINDS) if media_type in f.content_types), None)


def for_rdflib(name: str) -> Format | None:
    """The first format rdflib calls by this name (`nt`, `xml`, `json-ld`), or None."""
    return next((f for f in _REGISTRY.values() if f.rdflib == name), None)


def readable_content_types() -> list[str]:
    """Every Content-Type an RDF body may be sent as, sorted (for error messages)."""
    return sorted(t for f in of_kind(*RDF_KINDS) for t in f.content_types)


def _builtin(name: str, kind: str, label: str, media_type: str, extensions: tuple[str, ...],
             sd_name: str | None, **rest) -> None:
    register(Format(name, kind, label, media_type, extensions,
                    sd_iri=W3C_FORMATS + sd_name if sd_name else None, **rest))


R, Q = ox.RdfFormat, ox.QueryResultsFormat
_builtin("json", SOLUTIONS, "SPARQL Results JSON", "application/sparql-results+json", ("srj",),
         "SPARQL_Results_JSON", aliases=("application/json",), oxigraph=Q.JSON)
_builtin("xml", SOLUTIONS, "SPARQL Results XML", "application/sparql-results+xml", ("srx",),
         "SPARQL_Results_XML", aliases=("application/xml",), oxigraph=Q.XML)
_builtin("csv", SOLUTIONS, "SPARQL Results CSV", "text/csv", ("csv",), "SPARQL_Results_CSV",
         oxigraph=Q.CSV)
_builtin("tsv", SOLUTIONS, "SPARQL Results TSV", "text/tab-separated-values", ("tsv",),
         "SPARQL_Results_TSV", oxigraph=Q.TSV)
_builtin("turtle", GRAPH, "Turtle", "text/turtle", ("ttl",), "Turtle",
         aliases=("ttl", "application/x-turtle", "application/turtle", "n3", "text/n3"),
         read_as=("application/x-turtle",), oxigraph=R.TURTLE, rdflib="turtle")
# text/plain is N-Triples' media type before RDF 1.1; rdflib still asks for it.
_builtin("ntriples", GRAPH, "N-Triples", "application/n-triples", ("nt",), "N-Triples",
         aliases=("nt", "n-triples", "text/plain"), read_as=("text/plain",),
         oxigraph=R.N_TRIPLES, rdflib="nt")
_builtin("rdfxml", GRAPH, "RDF/XML", "application/rdf+xml", ("rdf", "owl", "xml"), "RDF_XML",
         aliases=("rdf", "rdf+xml", "rdf/xml", "xml"), oxigraph=R.RDF_XML, rdflib="xml")
_builtin("jsonld", GRAPH, "JSON-LD", "application/ld+json", ("jsonld", "json"), "JSON-LD",
         aliases=("json-ld", "json"), oxigraph=R.JSON_LD, rdflib="json-ld")
_builtin("html", PAGE, "HTML", "text/html", ("html",), None, aliases=("application/xhtml+xml",))
_builtin("trig", DATASET, "TriG", "application/trig", ("trig",), "TriG", oxigraph=R.TRIG,
         rdflib="trig")
_builtin("nquads", DATASET, "N-Quads", "application/n-quads", ("nq",), "N-Quads",
         oxigraph=R.N_QUADS, rdflib="nquads")
del R, Q
