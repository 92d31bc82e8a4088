"""The SSSOM mapping set (mappings/llm-atlas.sssom.tsv): read it and give its RDF.

Core module (no Flask, no pandas). The reader follows the SSSOM TSV form: a YAML metadata block
on lines starting with `#`, then a tab-separated table with a header row. It reads only the
YAML this file needs (scalars, one list, the `curie_map`), and checks what the SSSOM
specification requires: `mapping_set_id`, `license`, the columns `subject_id`, `predicate_id`,
`object_id`, `mapping_justification`, and a known prefix for every CURIE.

The RDF is SSSOM's own RDF form: one `owl:Axiom` per mapping (annotatedSource, -Property and
-Target, then one triple per further column, with the slot URIs of the SSSOM schema), linked
from the mapping set by `sssom:mappings`, plus the plain match triple so that plain SPARQL
(`?problem skos:closeMatch ?mit`) finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from llm_atlas.errors import MappingSetError
from llm_atlas.namespaces import BASE_IRI

MAPPINGS_GRAPH = BASE_IRI + "graph/mappings"
SSSOM = Namespace("https://w3id.org/sssom/")
PAV = Namespace("http://purl.org/pav/")
REQUIRED_METADATA = ("mapping_set_id", "license")
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
# Prefixes the SSSOM specification declares built in: a file may use them without a curie_map.
BUILTIN_PREFIXES = {
    "owl": str(OWL), "rdf": str(RDF), "rdfs": str(RDFS), "xsd": str(XSD),
    "skos": "http://www.w3.org/2004/02/skos/core#", "semapv": "https://w3id.org/semapv/vocab/",
    "sssom": str(SSSOM), "pav": str(PAV), "dcterms": str(DCTERMS),
}
# column -> (slot URI of the SSSOM schema, whether its value is an entity reference)
COLUMN_SLOTS = {
    "subject_id": (OWL.annotatedSource, True), "predicate_id": (OWL.annotatedProperty, True),
    "object_id": (OWL.annotatedTarget, True),
    "mapping_justification": (SSSOM.mapping_justification, True),
    "author_id": (PAV.authoredBy, True), "object_label": (SSSOM.object_label, False),
    "subject_label": (SSSOM.subject_label, False), "object_source": (SSSOM.object_source, True),
    "comment": (RDFS.comment, False),
}
SET_SLOTS = {"mapping_set_title": DCTERMS.title, "mapping_set_description": DCTERMS.description,
             "mapping_set_version": OWL.versionInfo, "mapping_date": DCTERMS.created}


@dataclass(frozen=True)
class MappingSet:
    """The metadata, the prefix map and the rows (column -> value as written) of a set."""

    metadata: dict[str, str | list[str]]
    curie_map: dict[str, str]
    rows: tuple[dict[str, str], ...]

    def expand(self, curie: str) -> str:
        """The IRI a CURIE of this set stands for (an IRI in angle brackets is taken as is)."""
        if curie.startswith("<") and curie.endswith(">"):
            return curie[1:-1]
        prefix, colon, local = curie.partition(":")
        namespace = self.curie_map.get(prefix, BUILTIN_PREFIXES.get(prefix))
        if not colon or namespace is None:
            raise MappingSetError(f"{curie!r} has no prefix declared in the curie_map")
        return namespace + local


def _scalar(text: str) -> str:
    """A YAML scalar as written: without a trailing comment and without quotes."""
    text = text.split(" #", 1)[0].strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def parse_metadata(lines: list[str]) -> tuple[dict[str, str | list[str]], dict[str, str]]:
    """The metadata block's keys (scalars or lists) and its curie_map."""
    metadata: dict[str, str | list[str]] = {}
    curie_map: dict[str, str] = {}
    key = None
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            key, colon, value = line.partition(":")
            if not colon:
                raise MappingSetError(f"metadata line {number}: expected `key: value`")
            value = _scalar(value)
            metadata[key] = value if value else ([] if key != "curie_map" else "")
        elif key == "curie_map":
            prefix, _, namespace = line.strip().partition(":")
            curie_map[prefix.strip()] = _scalar(namespace)
        elif (line.strip().startswith("- ") and key is not None
              and isinstance(items := metadata.get(key), list)):
            items.append(_scalar(line.strip()[2:]))
        else:
            raise MappingSetError(f"metadata line {number}: unexpected indentation")
    metadata.pop("curie_map", None)
    return metadata, curie_map


def read_mapping_set(path: Path) -> MappingSet:
    """Read an SSSOM TSV file; MappingSetError when a required key, column or prefix is missing."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    block = [line[1:] for line in lines if line.startswith("#")]
    table = [line for line in lines if line and not line.startswith("#")]
    metadata, curie_map = parse_metadata(block)
    missing = [k for k in REQUIRED_METADATA if not metadata.get(k)]
    if missing:
        raise MappingSetError(f"{path.name}: the metadata block lacks {', '.join(missing)}")
    if not table:
        raise MappingSetError(f"{path.name}: no table header after the metadata block")
    header = table[0].split("\t")
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise MappingSetError(f"{path.name}: the table lacks the columns {', '.join(missing)}")
    rows = []
    for number, line in enumerate(table[1:], 2):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise MappingSetError(f"{path.name}: table row {number} has {len(cells)} cells, "
                                  f"the header {len(header)}")
        row = {c: v for c, v in zip(header, cells, strict=True) if v}
        absent = [c for c in REQUIRED_COLUMNS if c not in row]
        if absent:
            raise MappingSetError(f"{path.name}: table row {number} has no {', '.join(absent)}")
        rows.append(row)
    mapping_set = MappingSet(metadata, curie_map, tuple(rows))
    for number, row in enumerate(rows, 2):  # every CURIE must expand, or the RDF loses it
        for column, value in row.items():
            if COLUMN_SLOTS.get(column, (None, False))[1]:
                try:
                    mapping_set.expand(value)
                except MappingSetError as exc:
                    raise MappingSetError(
                        f"{path.name}: table row {number}, {column}: {exc}") from None
    return mapping_set


def _value(mapping_set: MappingSet, column: str, value: str):
    _, is_reference = COLUMN_SLOTS[column]
    return URIRef(mapping_set.expand(value)) if is_reference else Literal(value)


def mapping_graph(mapping_set: MappingSet) -> Graph:
    """The set in SSSOM's RDF form plus each plain match triple."""
    graph = Graph()
    for prefix, namespace in {**BUILTIN_PREFIXES, **mapping_set.curie_map}.items():
        graph.bind(prefix, namespace)
    set_node = URIRef(str(mapping_set.metadata["mapping_set_id"]))
    graph.add((set_node, RDF.type, SSSOM.MappingSet))
    graph.add((set_node, DCTERMS.license, URIRef(str(mapping_set.metadata["license"]))))
    for key, slot in SET_SLOTS.items():
        if isinstance(mapping_set.metadata.get(key), str):
            graph.add((set_node, slot, Literal(mapping_set.metadata[key])))
    for creator in mapping_set.metadata.get("creator_id") or []:
        graph.add((set_node, DCTERMS.creator, URIRef(mapping_set.expand(creator))))
    for row in mapping_set.rows:
        axiom = BNode()
        graph.add((set_node, SSSOM.mappings, axiom))
        graph.add((axiom, RDF.type, OWL.Axiom))
        for column, value in row.items():
            if column in COLUMN_SLOTS:
                graph.add((axiom, COLUMN_SLOTS[column][0], _value(mapping_set, column, value)))
        s, p, o = (URIRef(mapping_set.expand(row[c]))
                   for c in ("subject_id", "predicate_id", "object_id"))
        graph.add((s, p, o))
    return graph
