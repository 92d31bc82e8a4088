"""How the shipped knowledge maps onto named graphs of the store."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from llm_atlas import formats
from llm_atlas.core.knowledge.mappings import MAPPINGS_GRAPH, mapping_graph, read_mapping_set
from llm_atlas.core.knowledge.sources import Sources
from llm_atlas.errors import UnsupportedFormat
from llm_atlas.namespaces import ATLAS, BASE_IRI, ONTOLOGY_IRI

ONTOLOGY_GRAPH = str(ONTOLOGY_IRI)
ALIGNMENTS_GRAPH = BASE_IRI + "ontology/alignments"
INFERRED_GRAPH = BASE_IRI + "ontology/inferred"
SHAPES_GRAPH = BASE_IRI + "shapes"
BUILD_GRAPH = BASE_IRI + "resource/build"  # which graphs the last build wrote

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ANNOTATION = ox.NamedNode(str(ATLAS.Annotation))
PAPER = ox.NamedNode(str(ATLAS.Paper))
ANNOTATED_SOURCE = ox.NamedNode("http://www.w3.org/2002/07/owl#annotatedSource")


@dataclass(frozen=True)
class GraphPart:
    """One named graph of the built dataset and where it came from."""

    iri: str
    triples: tuple
    source: str


def read_triples(path: Path) -> list[ox.Triple]:
    """Parse a file with pyoxigraph (fast, and no network: it resolves nothing)."""
    fmt = formats.for_extension(path.suffix)
    if fmt is None:
        raise UnsupportedFormat(f"{path.name}: {path.suffix!r} is not an RDF file extension")
    quads = ox.parse(path=str(path), format=fmt.rdf_format)
    return [ox.Triple(q.subject, q.predicate, q.object) for q in quads]


def mapping_triples(path: Path) -> list[ox.Triple]:
    """The SSSOM mapping set's RDF (mappings.py), as the store's triples."""
    text = mapping_graph(read_mapping_set(path)).serialize(format="nt")
    return [ox.Triple(q.subject, q.predicate, q.object)
            for q in ox.parse(text.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)]


def _description(node, by_subject: dict) -> list[ox.Triple]:
    """A node's concise bounded description: its triples and those of blank nodes it reaches."""
    out, todo, seen = [], [node], {node}
    while todo:
        for triple in by_subject.get(todo.pop(), ()):
            out.append(triple)
            if isinstance(triple.object, ox.BlankNode) and triple.object not in seen:
                seen.add(triple.object)
                todo.append(triple.object)
    return out


def split_annotation_file(path: Path) -> list[GraphPart]:
    """One graph per annotation (its provenance inside), the rest in the paper's graph."""
    triples = read_triples(path)
    by_subject: dict = defaultdict(list)
    for triple in triples:
        by_subject[triple.subject].append(triple)
    annotations = sorted({t.subject for t in triples
                          if t.predicate == RDF_TYPE and t.object == ANNOTATION
                          and isinstance(t.subject, ox.NamedNode | ox.BlankNode)},
                         key=lambda n: n.value)
    # the axiom nodes that give each classification triple its own provenance travel with it
    axioms: dict = defaultdict(list)
    wanted = set(annotations)
    for triple in triples:
        if triple.predicate == ANNOTATED_SOURCE and triple.object in wanted:
            axioms[triple.object].append(triple.subject)
    parts, used = [], set()
    for node in annotations:
        description = _description(node, by_subject)
        for axiom in axioms[node]:
            description += _description(axiom, by_subject)
        used.update(description)
        parts.append(GraphPart(node.value, tuple(description), path.name))
    rest = tuple(t for t in triples if t not in used)
    if rest:
        papers = sorted({t.subject.value for t in rest
                         if t.predicate == RDF_TYPE and t.object == PAPER
                         and isinstance(t.subject, ox.NamedNode | ox.BlankNode)})
        home = papers[0] if len(papers) == 1 else f"{BASE_IRI}resource/source/{path.stem}"
        parts.append(GraphPart(home, rest, path.name))
    return parts


def shipped_graphs(sources: Sources) -> list[GraphPart]:
    """Every named graph the shipped knowledge builds into, in a stable order."""
    parts = [
        GraphPart(ONTOLOGY_GRAPH, tuple(read_triples(sources.ontology_file)), "atlas.ttl"),
        GraphPart(ALIGNMENTS_GRAPH, tuple(read_triples(sources.alignments_file)),
                  "alignments.ttl"),
    ]
    if sources.inferred_file.exists():
        parts.append(GraphPart(INFERRED_GRAPH, tuple(read_triples(sources.inferred_file)),
                               "inferred.ttl"))
    if sources.mappings_file.exists():
        parts.append(GraphPart(MAPPINGS_GRAPH, tuple(mapping_triples(sources.mappings_file)),
                               sources.mappings_file.name))
    shapes = read_triples(sources.annotation_shapes_file) + read_triples(
        sources.metadata_shapes_file)
    parts.append(GraphPart(SHAPES_GRAPH, tuple(shapes), "shapes"))
    merged: dict[str, list] = defaultdict(list)
    origin: dict[str, str] = {}
    for path in sources.annotation_files():
        for part in split_annotation_file(path):
            merged[part.iri].extend(part.triples)
            origin.setdefault(part.iri, part.source)
    parts += [GraphPart(iri, tuple(dict.fromkeys(ts)), origin[iri])
              for iri, ts in sorted(merged.items())]
    return parts
