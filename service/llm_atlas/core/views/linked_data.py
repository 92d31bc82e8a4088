"""Dereferencing the IRIs we mint: what an IRI names, its RDF, and the facts its page shows.

Core module (no Flask). Every answer comes from the store through the `iri_*.rq` files under
`sparql/`; values enter those queries only as VALUES rows built from parsed pyoxigraph terms.

The rules, in order, for an IRI under the base IRI:

1. it names a named graph of the store (the ontology, its alignments and inferences, the shapes,
   a paper's or an annotation's graph): its RDF is that graph;
2. it is the `owl:versionIRI` of an ontology whose graph the store holds: that graph;
3. a graph has it as a subject (a term, a person, a shape): its concise bounded description
   over the asserted graphs (every graph but the reasoner's, whose facts the pages mark);
4. anything else is not ours to answer (404). The build manifest graph is internal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from llm_atlas import formats
from llm_atlas.core.knowledge.layout import BUILD_GRAPH, INFERRED_GRAPH
from llm_atlas.core.sparql.internal import query_text, select
from llm_atlas.namespaces import PREFIXES, bind_prefixes

HIDDEN_GRAPHS = frozenset({BUILD_GRAPH})


@dataclass(frozen=True)
class Document:
    """What an IRI dereferences to: a named graph's content, or a description of the IRI."""

    iri: str
    graph: str | None = None  # the named graph whose triples are the RDF; None: a description


def resolve(store, iri: str) -> Document | None:
    """The document an IRI of ours stands for, or None when the store does not define it."""
    if "#" in iri or "?" in iri or iri in HIDDEN_GRAPHS:
        return None
    try:
        node = ox.NamedNode(iri)
    except ValueError:
        return None
    if store.graph_exists(iri):
        return Document(iri, iri)
    if iri.endswith("/") and store.graph_exists(iri[:-1]):  # the namespace is the ontology's
        return Document(iri, iri[:-1])
    row = (select(store, "iri_resolve", iri=node) or [{}])[0]
    ontology = row.get("ontology")
    if ontology is not None and store.graph_exists(str(ontology)):
        return Document(iri, str(ontology))
    # Virtuoso answers the EXISTS as the integer 1 (or 0), the others as xsd:boolean
    described = row.get("described")
    if isinstance(described, Literal) and described.toPython() in (True, 1):
        return Document(iri)
    return None


def asserted_graphs(store) -> list[str]:
    """Every named graph but the reasoner's and the build manifest."""
    return [g for g in store.named_graphs() if g != INFERRED_GRAPH and g not in HIDDEN_GRAPHS]


def _graph_from(data: bytes) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    graph.parse(data=data, format="nt")
    return graph


def describe(store, iri: str) -> Graph:
    """The concise bounded description of an IRI over the asserted graphs."""
    text = query_text("iri_describe", iri=iri)
    _, body = store.query(text, default_graphs=asserted_graphs(store), graph_format="ntriples")
    return _graph_from(body)


def rdf_graph(store, document: Document) -> Graph:
    """The triples a document serves."""
    if document.graph is None:
        return describe(store, document.iri)
    return _graph_from(store.get_graph(document.graph, "ntriples") or b"")


def serialize(graph: Graph, fmt_name: str) -> bytes:
    """A graph in one of our RDF formats (prefixes bound; JSON-LD compacted with them)."""
    if fmt_name == "jsonld":
        text = graph.serialize(format="json-ld", context=dict(PREFIXES), auto_compact=True)
    else:
        text = graph.serialize(format=formats.get(fmt_name).rdflib_name)
    return text.encode("utf-8") if isinstance(text, str) else text


@dataclass
class Facts:
    """Everything a page about one IRI shows, as rdflib terms."""

    description: Graph
    inferred_out: list[tuple[Node, Node]] = field(default_factory=list)
    incoming: list[tuple[Node, Node, bool]] = field(default_factory=list)  # (s, p, inferred)
    mentions: list[dict[str, Node]] = field(default_factory=list)
    contents: dict[str, set[str]] = field(default_factory=dict)  # resource -> its types
    labels: dict[str, str] = field(default_factory=dict)
    # the owl:Axiom rows of statements about the IRI or sourced from it (iri_provenance.rq)
    provenance: list[dict[str, Node]] = field(default_factory=list)
    # the SSSOM mappings to other vocabularies whose subject is the IRI (iri_mappings.rq)
    mappings: list[dict[str, Node]] = field(default_factory=list)


def facts(store, document: Document) -> Facts:
    """Gather the description, inferred facts, incoming links, mentions and labels of an IRI."""
    found = Facts(describe(store, document.iri))
    for row in select(store, "iri_facts", iri=document.iri, inferred=INFERRED_GRAPH):
        graph = str(row["graph"])
        if graph in HIDDEN_GRAPHS:
            continue
        if str(row["direction"]) == "out":
            found.inferred_out.append((row["property"], row["other"]))
        else:
            found.incoming.append((row["other"], row["property"], graph == INFERRED_GRAPH))
    found.mentions = select(store, "iri_mentions", iri=document.iri)
    found.provenance = select(store, "iri_provenance", iri=document.iri)
    found.mappings = select(store, "iri_mappings", iri=document.iri)
    if document.graph is not None:
        for row in select(store, "iri_contents", graph=document.graph):
            types = found.contents.setdefault(str(row["resource"]), set())
            if "type" in row:
                types.add(str(row["type"]))
    named = {str(n) for triple in found.description for n in triple if isinstance(n, URIRef)}
    named |= {str(n) for pair in found.inferred_out for n in pair if isinstance(n, URIRef)}
    named |= {str(n) for s, p, _ in found.incoming for n in (s, p)}
    named |= {str(t) for types in found.contents.values() for t in types} | set(found.contents)
    named |= {str(row[k]) for row in found.mentions for k in ("annotation", "property")}
    named |= {str(v) for row in found.provenance for v in row.values() if isinstance(v, URIRef)}
    named |= {str(row["predicate"]) for row in found.mappings}
    named.add(document.iri)
    found.labels = labels(store, sorted(named))
    return found


def labels(store, iris: list[str]) -> dict[str, str]:
    """Display labels for IRIs (the smallest when an IRI has several)."""
    found: dict[str, str] = {}
    for start in range(0, len(iris), 400):
        for row in select(store, "iri_labels", iri=iris[start:start + 400]):
            iri, label = str(row["iri"]), str(row["label"])
            found[iri] = min(found.get(iri, label), label)
    return found


_SAFE_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@%/-]+$")


def minted(store, base_iri: str) -> list[str]:
    """Every IRI under the base that dereferences to a page, sorted (the export's list)."""
    rows = select(store, "iri_minted", base=ox.Literal(base_iri))
    out = []
    for row in rows:
        iri = str(row["iri"])
        rest = iri[len(base_iri):]
        if (iri in HIDDEN_GRAPHS or not rest or "#" in iri or "?" in iri
                or not _SAFE_PATH.match(rest) or any(s in ("", ".", "..")
                                                      for s in rest.rstrip("/").split("/"))):
            continue
        out.append(iri)
    return out
