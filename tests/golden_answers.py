"""Golden answers for the named questions, computed by rdflib, independently of the service.

    python tests/golden_answers.py            # rewrite tests/golden/*.json
    python tests/golden_answers.py --check    # say which goldens differ, write nothing

The dataset is rebuilt here from the files with rdflib (its own parser, its own split of each
annotation file into graphs, its own binding of parameters), not with the service's
`layout`, `queries` or engine modules, so that the golden test in test_queries.py, which asks
a real server on Oxigraph, compares two engines and two code paths. Parameters are bound by a
VALUES block that opens the WHERE group (the service closes the group with it): for the
named queries, which never use a parameter before it is bound, the two are the same.
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from collections import defaultdict
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden"
BASE = "https://w3id.org/llm-atlas/"
ATLAS = BASE + "ontology/"
HEADER_PARAM = re.compile(r"^#\s*param:\s*(\S+)\s+(\S+)(?:\s+(\S+))?")
PREFIXES = {"atlas": ATLAS, "res": BASE + "resource/"}  # the prefixes the defaults use


def _reachable(node, by_subject: dict) -> list:
    """The node's triples and those of the blank nodes it reaches (a bounded description)."""
    out, todo, seen = [], [node], {node}
    while todo:
        for triple in by_subject.get(todo.pop(), ()):
            out.append(triple)
            if isinstance(triple[2], BNode) and triple[2] not in seen:
                seen.add(triple[2])
                todo.append(triple[2])
    return out


def _annotation_file_graphs(path: Path) -> dict[str, list]:
    """One graph per annotation (with its axiom nodes); the rest goes to the paper's graph."""
    graph = Graph().parse(path)
    by_subject: dict = defaultdict(list)
    for triple in graph:
        by_subject[triple[0]].append(triple)
    annotations = set(graph.subjects(RDF.type, URIRef(ATLAS + "Annotation")))
    parts: dict[str, list] = {}
    used = set()
    for node in annotations:
        triples = _reachable(node, by_subject)
        for axiom in graph.subjects(OWL.annotatedSource, node):
            triples += _reachable(axiom, by_subject)
        used.update(triples)
        parts[str(node)] = triples
    rest = [t for t in graph if t not in used]
    if rest:
        papers = {t[0] for t in rest if t[1] == RDF.type and t[2] == URIRef(ATLAS + "Paper")}
        home = (str(next(iter(papers))) if len(papers) == 1
                else f"{BASE}resource/source/{path.stem}")
        parts[home] = rest
    return parts


SSSOM = "https://w3id.org/sssom/"
# SSSOM's RDF slots for the columns the mapping set has; True: the value is an entity (a CURIE)
SLOTS = {"subject_id": (str(OWL.annotatedSource), True),
         "predicate_id": (str(OWL.annotatedProperty), True),
         "object_id": (str(OWL.annotatedTarget), True),
         "mapping_justification": (SSSOM + "mapping_justification", True),
         "author_id": ("http://purl.org/pav/authoredBy", True),
         "object_label": (SSSOM + "object_label", False),
         "subject_label": (SSSOM + "subject_label", False),
         "object_source": (SSSOM + "object_source", True),
         "comment": ("http://www.w3.org/2000/01/rdf-schema#comment", False)}
BUILTIN = {"skos": "http://www.w3.org/2004/02/skos/core#", "owl": str(OWL),
           "semapv": "https://w3id.org/semapv/vocab/", "rdfs": SLOTS["comment"][0][:-7]}


def _mapping_triples(path: Path) -> list:
    """The mappings of the SSSOM TSV file as SSSOM RDF: per row an owl:Axiom under the set,
    and the plain match triple (the set's own metadata is left out: no question asks it)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    meta = [line[1:] for line in lines if line.startswith("#")]
    table = [line.split("\t") for line in lines if line and not line.startswith("#")]
    prefixes = dict(BUILTIN)
    for line in meta[meta.index("curie_map:") + 1:]:
        if not line.startswith("  ") or line.strip().startswith("#"):
            continue
        prefix, _, namespace = line.strip().partition(": ")
        prefixes[prefix] = namespace.strip()
    set_id = next(line.split(": ", 1)[1] for line in meta if line.startswith("mapping_set_id:"))

    def entity(curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        return URIRef(prefixes[prefix] + local)

    triples = [(URIRef(set_id), RDF.type, URIRef(SSSOM + "MappingSet"))]
    header = table[0]
    for cells in table[1:]:
        row = {c: v for c, v in zip(header, cells, strict=True) if v}
        node = BNode()
        triples += [(URIRef(set_id), URIRef(SSSOM + "mappings"), node), (node, RDF.type, OWL.Axiom)]
        for column, value in row.items():
            if column in SLOTS:
                slot, is_entity = SLOTS[column]
                triples.append((node, URIRef(slot), entity(value) if is_entity else Literal(value)))
        triples.append(tuple(entity(row[c]) for c in ("subject_id", "predicate_id", "object_id")))
    return triples


def dataset() -> Dataset:
    """Every graph the store holds after a build, each under its graph IRI; the default graph
    is the union of them, as the service queries it."""
    data = Dataset(default_union=True)
    onto = ROOT / "ontology"
    fixed = {BASE + "ontology": [onto / "atlas.ttl"],
             BASE + "ontology/alignments": [onto / "alignments.ttl"],
             BASE + "ontology/inferred": [onto / "inferred.ttl"],
             BASE + "shapes": [onto / "shapes" / "annotations.ttl",
                               onto / "shapes" / "metadata.ttl"]}
    for iri, files in fixed.items():
        graph = data.graph(URIRef(iri))
        for file in files:
            graph.parse(file)
    mappings = ROOT / "mappings" / "llm-atlas.sssom.tsv"
    if mappings.exists():
        graph = data.graph(URIRef(BASE + "graph/mappings"))
        for triple in _mapping_triples(mappings):
            graph.add(triple)
    for path in sorted((ROOT / "annotations").rglob("*.ttl")):
        for iri, triples in _annotation_file_graphs(path).items():
            graph = data.graph(URIRef(iri))
            for triple in triples:
                graph.add(triple)
    return data


def _term(kind: str, value: str) -> str:
    if kind == "iri":
        prefix, _, local = value.partition(":")
        return f"<{PREFIXES[prefix]}{local}>" if prefix in PREFIXES else f"<{value}>"
    if kind == "year":
        return f'"{value}"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    if kind == "integer":
        return value
    return json.dumps(value)


def bound_text(text: str, params: dict[str, str] | None = None) -> str:
    """The query with its header parameters (defaults, or `params`) in a VALUES that opens
    the WHERE group."""
    declared = [m.groups() for m in map(HEADER_PARAM.match, text.splitlines()) if m]
    if not declared:
        return text
    given = params or {}
    names = " ".join(f"?{name}" for name, _, _ in declared)
    terms = " ".join(_term(kind, given.get(name, default)) for name, kind, default in declared)
    where = re.search(r"\bWHERE\s*\{", text)
    assert where, "a named query with parameters needs a WHERE group"
    return (text[:where.end()] + f"\n  VALUES ({names}) {{ ({terms}) }}\n"
            + text[where.end():])


def answer(data: Dataset, name: str, params: dict[str, str] | None = None) -> dict:
    """The golden form of one named query's answer: its variables and rows (unbound left out)."""
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    with warnings.catch_warnings():
        # rdflib 7.6's own SPARQL evaluation reads Dataset.default_context, which it deprecates
        warnings.simplefilter("ignore", DeprecationWarning)
        result = data.query(bound_text(text, params))
        names = [str(v) for v in result.vars]
        rows = [{n: str(row[n]) for n in names if row[n] is not None} for row in result]
    return {"query": name, "vars": names, "rows": rows}


def main(argv: list[str]) -> int:
    """Write (or with --check, compare) the golden answer of every named query."""
    data = dataset()
    differ = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        golden = answer(data, path.stem)
        target = GOLDEN / f"{path.stem}.json"
        text = json.dumps(golden, indent=1, ensure_ascii=False) + "\n"
        if target.exists() and target.read_text(encoding="utf-8") == text:
            continue
        differ.append(path.stem)
        if "--check" not in argv:
            target.write_text(text, encoding="utf-8")
        print(f"{path.stem}: {len(golden['rows'])} rows", "differs" if "--check" in argv
              else "written")
    return 1 if differ and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
