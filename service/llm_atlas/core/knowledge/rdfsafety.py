"""Guards for RDF from strangers: no file read, no network fetch, bounded terms.

rdflib's parsers can reach outside the document: RDF/XML through XML external entities and
external DTDs, JSON-LD through remote `@context` (and `@import`) references, which it fetches
with urllib and resolves against the working directory when they are relative. `prepare`
refuses both before rdflib sees the bytes; `check_limits` bounds what a parsed graph may hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from xml.parsers import expat

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH

from llm_atlas.errors import InputTooLarge, RDFSyntaxError, SchemaTriple, UnsafeInput
from llm_atlas.namespaces import BASE_IRI

# Context IRIs we answer from the package instead of the network: only our own.
OWN_CONTEXTS = {BASE_IRI + "context.jsonld": "context.jsonld"}


@dataclass(frozen=True)
class Limits:
    """How much one untrusted document may hold."""

    max_triples: int | None = 10_000
    max_literal_chars: int = 10_000
    max_iri_chars: int = 4_096


def _refuse_external_xml(data: bytes, source_name: str) -> None:
    """Read the XML once with expat, refusing external DTDs and external entities."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def doctype(name, system_id, public_id, _has_internal_subset):
        if system_id or public_id:
            raise UnsafeInput(f"{source_name}: refused an external DTD ({system_id or public_id}); "
                              "send RDF/XML without a DOCTYPE that points outside the document")

    def entity(name, _is_param, _value, _base, system_id, public_id, _notation):
        if system_id or public_id:
            raise UnsafeInput(f"{source_name}: refused the external entity {name!r} "
                              f"({system_id or public_id}); only internal entities are allowed")

    def external_ref(*_args):
        raise UnsafeInput(f"{source_name}: refused a reference to an external entity")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external_ref
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise RDFSyntaxError(f"{source_name}: not well-formed XML: {exc}") from None


def _own_context(iri: str) -> dict | list:
    text = files(__package__).joinpath("jsonld", OWN_CONTEXTS[iri]).read_text(encoding="utf-8")
    return json.loads(text)["@context"]


def _context_value(value, source_name: str):
    """A `@context` value with our own context inlined; any other reference is refused."""
    if isinstance(value, str):
        if value not in OWN_CONTEXTS:
            raise UnsafeInput(
                f"{source_name}: refused the remote JSON-LD context {value[:200]!r}: this "
                "service never fetches contexts; put the context inline "
                f"(or use {sorted(OWN_CONTEXTS)[0]})")
        return _own_context(value)
    if isinstance(value, list):
        return [_context_value(v, source_name) for v in value]
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, item in value.items():
            if key == "@import":
                imported = _context_value(item, source_name)
                if not isinstance(imported, dict):
                    raise UnsafeInput(f"{source_name}: @import must name a context object")
                out = {**imported, **out}
            else:
                out[key] = _inline(item, source_name)
        return out
    return value


def _inline(node, source_name: str):
    if isinstance(node, dict):
        return {k: _context_value(v, source_name) if k == "@context" else _inline(v, source_name)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v, source_name) for v in node]
    return node


def _inline_jsonld_contexts(data: bytes | str, source_name: str) -> str:
    try:
        return json.dumps(_inline(json.loads(data), source_name))
    except (ValueError, UnicodeDecodeError) as exc:
        raise RDFSyntaxError(f"{source_name}: not valid JSON: {exc}") from None
    except RecursionError:
        raise RDFSyntaxError(f"{source_name}: the JSON is nested too deeply") from None


def prepare(data: bytes | str, rdf_format: str, source_name: str) -> bytes | str:
    """The document as rdflib may safely parse it, or UnsafeInput when it reaches outside."""
    if rdf_format == "xml":
        _refuse_external_xml(data.encode("utf-8") if isinstance(data, str) else data,
                             source_name)
    elif rdf_format == "json-ld":
        return _inline_jsonld_contexts(data, source_name)
    return data


def _check_iri(term: URIRef, limits: Limits, source_name: str) -> None:
    if len(term) > limits.max_iri_chars:
        raise InputTooLarge(f"{source_name}: an IRI of {len(term)} characters; the limit is "
                            f"{limits.max_iri_chars}")
    try:
        ox.NamedNode(str(term))  # the store's own IRI rule; rdflib's parsers let more through
    except ValueError as exc:
        raise RDFSyntaxError(f"{source_name}: {str(term)[:200]!r} is not an absolute IRI "
                             f"({exc})") from None


def _check_literal(term: Literal, limits: Limits, source_name: str) -> None:
    if len(term) > limits.max_literal_chars:
        raise InputTooLarge(f"{source_name}: a literal of {len(term)} characters; the limit is "
                            f"{limits.max_literal_chars}")
    if term.datatype is not None:
        _check_iri(term.datatype, limits, source_name)
    if term.language is not None:
        try:
            ox.Literal("", language=term.language)
        except ValueError:
            raise RDFSyntaxError(f"{source_name}: {term.language[:50]!r} is not a language "
                                 "tag") from None


def check_limits(graph: Graph, limits: Limits, source_name: str) -> None:
    """Raise InputTooLarge past the limits, RDFSyntaxError for a term the store cannot hold."""
    if limits.max_triples is not None and len(graph) > limits.max_triples:
        raise InputTooLarge(f"{source_name}: {len(graph)} triples; the limit is "
                            f"{limits.max_triples} per document")
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef):
                _check_iri(term, limits, source_name)
            elif isinstance(term, Literal):
                _check_literal(term, limits, source_name)
            elif not isinstance(term, BNode):
                raise RDFSyntaxError(f"{source_name}: unexpected term {term!r}")


_SCHEMA_PREDICATES = {RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range}
_SCHEMA_TYPES = {RDFS.Class, RDFS.Datatype, RDF.Property}
_SCHEMA_NAMESPACES = (str(OWL), str(SH))
# Statement provenance (docs/data-model.md) annotates a data triple through an owl:Axiom blank
# node; these say which triple it is about and carry no semantics for SHACL or a reasoner.
_PROVENANCE_PREDICATES = {OWL.annotatedSource, OWL.annotatedProperty, OWL.annotatedTarget}


def schema_triple(triple: tuple) -> str | None:
    """Why a triple is schema rather than data, or None for a data triple.

    Schema is the ontology's and the shapes' business: a client's class or property axioms
    would change how its own document is judged, and a chain of them costs SHACL minutes.
    Every owl: and sh: predicate counts (owl:sameAs and owl:imports too: the first merges
    nodes with terms, the second asks a reasoner to fetch), as does typing a node with an
    owl: or sh: class, rdfs:Class, rdfs:Datatype or rdf:Property. The one owl: form allowed
    is a statement's provenance: a blank `owl:Axiom` naming its source, property and target.
    """
    s, p, o = triple
    if isinstance(s, BNode) and (p in _PROVENANCE_PREDICATES
                                 or (p == RDF.type and o == OWL.Axiom)):
        return None
    if p in _SCHEMA_PREDICATES or str(p).startswith(_SCHEMA_NAMESPACES):
        return f"the predicate {p.n3()} states schema"
    if p == RDF.type and isinstance(o, URIRef) and (
            o in _SCHEMA_TYPES or str(o).startswith(_SCHEMA_NAMESPACES)):
        return f"the type {o.n3()} declares schema"
    return None


def refuse_schema_triples(graph: Graph, source_name: str) -> None:
    """Raise SchemaTriple naming the first schema triple of a client's document (in order)."""
    for triple in sorted(graph):
        reason = schema_triple(triple)
        if reason is not None:
            shown = " ".join(term.n3()[:200] for term in triple)
            raise SchemaTriple(
                f"{source_name}: refused the triple {shown} ({reason}); documents sent to "
                "this service hold data only (annotations, papers, people), described with the "
                "ontology's terms; they may not add classes, properties, axioms, shapes or "
                "owl: statements (owl:sameAs and owl:imports included): remove it")
