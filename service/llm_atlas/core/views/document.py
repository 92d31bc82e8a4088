"""What a page about an IRI shows, built from its facts: labelled links, class expressions,
inferred facts marked, and indexes grouped by kind. No Flask here; links come from a callable.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import cast

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SH, SKOS, XSD
from rdflib.term import Identifier, Node

from llm_atlas.core.views.linked_data import Document, Facts
from llm_atlas.core.views.provenance import claims_from_rows, is_web_link
from llm_atlas.namespaces import ATLAS, DCTERMS, PREFIXES

Link = Callable[[str], str | None]  # None: not linkable, show text

# (type, index group, one of them) in the order an index lists them; individuals of our own
# classes follow, grouped by their class
KINDS: tuple[tuple[URIRef, str, str], ...] = (
    (OWL.Ontology, "Ontologies", "Ontology"), (OWL.Class, "Classes", "Class"),
    (OWL.ObjectProperty, "Object properties", "Object property"),
    (OWL.DatatypeProperty, "Datatype properties", "Datatype property"),
    (OWL.AnnotationProperty, "Annotation properties", "Annotation property"),
    (SKOS.ConceptScheme, "Concept schemes", "Concept scheme"),
    (ATLAS.Paper, "Papers", "Paper"), (ATLAS.Annotation, "Annotations", "Annotation"),
    (FOAF.Person, "People", "Person"), (FOAF.Organization, "Organizations", "Organization"),
    (SH.NodeShape, "Node shapes", "Node shape"),
    (SH.PropertyShape, "Property shapes", "Property shape"),
)
DISPLAY_PREFIXES = {**PREFIXES, "sh": str(SH)}
DEFINITIONS = (SKOS.definition, RDFS.comment, DCTERMS.description, DCTERMS.title)
BROADER = (RDFS.subClassOf, RDFS.subPropertyOf, SKOS.broader)
_OPERATORS = {OWL.unionOf: " or ", OWL.intersectionOf: " and ", OWL.oneOf: ", "}
_RESTRICTIONS = {OWL.someValuesFrom: "some", OWL.allValuesFrom: "only", OWL.hasValue: "value",
                 OWL.minCardinality: "min", OWL.maxCardinality: "max",
                 OWL.cardinality: "exactly", OWL.minQualifiedCardinality: "min",
                 OWL.maxQualifiedCardinality: "max", OWL.qualifiedCardinality: "exactly"}


def curie(iri: str) -> str:
    """A prefixed name for an IRI when one of our prefixes covers it, else the IRI."""
    best = max((ns for ns in DISPLAY_PREFIXES.values() if iri.startswith(ns)), key=len,
               default=None)
    if best is None or best == iri:
        return iri
    prefix = next(p for p, ns in DISPLAY_PREFIXES.items() if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def local_name(iri: str) -> str:
    """The last path segment or fragment of an IRI."""
    return iri.rstrip("/").replace("#", "/").rsplit("/", 1)[-1]


def kind_of(types: set[str], labels: dict[str, str], one: bool = False) -> str:
    """The index group of a resource from its types (`one`: the singular, for its own page)."""
    for cls, group, single in KINDS:
        if str(cls) in types:
            return single if one else group
    own = sorted(t for t in types if t.startswith(str(ATLAS)))
    if own:
        name = labels.get(own[0], local_name(own[0]))
        return name[:1].upper() + name[1:]  # "LLM adoption phase", not "Llm adoption phase"
    return "Resource" if one else "Other resources"


class Renderer:
    """Turns rdflib terms into template cells: labelled links, literals, class expressions."""

    def __init__(self, labels: dict[str, str], link: Link, graph: Graph | None = None):
        self.labels, self.link, self.graph = labels, link, graph if graph is not None else Graph()

    def label(self, iri: str) -> str:
        """The IRI's label, else its prefixed name."""
        return self.labels.get(iri) or curie(iri)

    def cell(self, node: Node) -> dict:
        """One term: a link with its label and IRI, or a literal with its language or type."""
        if isinstance(node, URIRef):
            return {"text": self.label(str(node)), "href": self.link(str(node)),
                    "title": str(node)}
        if isinstance(node, Literal):
            note = node.language or (curie(str(node.datatype)) if node.datatype
                                     and node.datatype != XSD.string else None)
            return {"text": str(node), "note": note}
        return {"text": "[]"}

    def segments(self, node: Node, depth: int = 0) -> list[dict]:
        """A term as cells; blank nodes as readable OWL expressions or lists."""
        if not isinstance(node, BNode):
            return [self.cell(node)]
        if depth > 6:
            return [{"text": "…"}]
        graph = self.graph
        if (node, RDF.first, None) in graph:
            return [{"text": "("}, *self._joined(Collection(graph, node), ", ", depth),
                    {"text": ")"}]
        for prop, glue in _OPERATORS.items():
            members = graph.value(node, prop)
            if members is not None:
                return self._joined(Collection(graph, members), glue, depth)
        target = graph.value(node, OWL.complementOf)
        if target is not None:
            return [{"text": "not "}, *self.segments(target, depth + 1)]
        on = graph.value(node, OWL.onProperty)
        if on is not None:
            for prop, word in _RESTRICTIONS.items():
                value = graph.value(node, prop)
                if value is not None:
                    filler = graph.value(node, OWL.onClass)
                    tail = [{"text": " "}, *self.segments(filler, depth + 1)] if filler else []
                    return [*self.segments(on, depth + 1), {"text": f" {word} "},
                            *self.segments(value, depth + 1), *tail]
        pairs = sorted(graph.predicate_objects(node),
                       key=lambda po: (self.sort_key(po[0]), self.sort_key(po[1])))
        out: list[dict] = [{"text": "["}]
        for i, (p, o) in enumerate(pairs):
            out += [*([{"text": "; "}] if i else []), self.cell(p), {"text": " "},
                    *self.segments(o, depth + 1)]
        return out + [{"text": "]"}]

    def _joined(self, items, glue: str, depth: int) -> list[dict]:
        out: list[dict] = []
        for i, item in enumerate(items):
            out += [*([{"text": glue}] if i else []), *self.segments(item, depth + 1)]
        return out

    def text(self, node: Node) -> str:
        """The plain text of a term as rendered (blank nodes by their expression)."""
        return "".join(c["text"] for c in self.segments(node))

    def sort_key(self, node: Node) -> tuple:
        """Sort by what people read, IRIs first; blank node ids never decide an order."""
        if isinstance(node, URIRef):
            return (0, self.label(str(node)).lower(), str(node))
        return (1 if isinstance(node, Literal) else 2, self.text(node).lower(), "")


Provenance = Callable[[Node, Node], dict | None]  # (property, value) -> its claim view


def _grouped(rows: list[tuple[Node, Node, bool]], render: Renderer,
             provenance: Provenance = lambda p, v: None) -> list[dict]:
    """(property, value, inferred) rows as one entry per property, values sorted, each value
    with the provenance of its statement when it has one."""
    by_property: dict[Node, list[tuple[Node, bool]]] = defaultdict(list)
    for prop, value, inferred in rows:
        by_property[prop].append((value, inferred))
    out = []
    for prop in sorted(by_property, key=render.sort_key):
        values = sorted(set(by_property[prop]), key=lambda v: (v[1], render.sort_key(v[0])))
        out.append({"property": render.cell(prop),
                    "values": [{"segments": render.segments(v), "inferred": inf,
                                "provenance": provenance(prop, v)} for v, inf in values]})
    return out


def claim_view(claim: dict, render: Renderer) -> dict:
    """What a page shows of a statement's provenance: its status, and its source as a link
    (http(s) only; any other IRI is text), citation, rationale or rule."""
    source = claim["source"]
    source_cell = None
    if source is not None:
        source_cell = (render.cell(URIRef(source)) if is_web_link(source)
                       else {"text": source})
    return {"status": render.cell(URIRef(claim["status"])), "marker": claim["marker"],
            "source": source_cell, "citation": claim["citation"],
            "rationale": claim["rationale"],
            "rule": render.cell(URIRef(claim["rule"])) if claim["rule"] else None}


def _statement_provenance(iri: URIRef, found: Facts, render: Renderer) -> tuple:
    """Lookups of the provenance of statements out of and into the IRI, and the statements
    about other things that name the IRI as their source (a paper's page lists them)."""
    claims = claims_from_rows(found.provenance, found.labels)
    me = str(iri)

    def out(prop: Node, value: Node) -> dict | None:
        claim = claims.get((me, str(prop), str(value)))
        return claim_view(claim, render) if claim else None

    def into(prop: Node, subject: Node) -> dict | None:
        claim = claims.get((str(subject), str(prop), me))
        return claim_view(claim, render) if claim else None

    sourced = [{"subject": render.cell(URIRef(c["subject"])),
                "predicate": render.cell(URIRef(c["predicate"])),
                "object": render.cell(URIRef(c["object"])), "provenance": claim_view(c, render)}
               for (s, _, o), c in sorted(claims.items()) if me not in (s, o)]
    return out, into, sourced


def index(contents: dict[str, set[str]], render: Renderer, namespace: str | None = None) -> list:
    """Resources grouped by kind (classes, properties, individuals by class...), each sorted."""
    groups: dict[str, list[dict]] = defaultdict(list)
    for iri, types in contents.items():
        if namespace is None or iri.startswith(namespace):
            groups[kind_of(types, render.labels)].append(render.cell(URIRef(iri)))
    order = {group: i for i, (_, group, _) in enumerate(KINDS)}
    return [{"kind": kind, "items": sorted(items, key=lambda c: (c["text"].lower(),
                                                                 c["href"] or ""))}
            for kind, items in sorted(groups.items(), key=lambda g: (order.get(g[0], 99), g[0]))]


def _objects(graph: Graph, subject: Node, prop: Node) -> Iterator[Identifier]:
    # rdflib types a graph's terms as Node, which has no order; a parsed graph holds only
    # Identifiers (URIRef, BNode, Literal), which rdflib orders as SPARQL's ORDER BY does.
    return cast(Iterator[Identifier], graph.objects(subject, prop))


def document_context(document: Document, found: Facts, link: Link) -> dict:
    """The template context of a page about one IRI."""
    iri = URIRef(document.iri)
    graph = found.description
    render = Renderer(found.labels, link, graph)
    out_provenance, in_provenance, sourced = _statement_provenance(iri, found, render)
    types = {str(t) for t in graph.objects(iri, RDF.type)}
    definition = next((str(v) for p in DEFINITIONS for v in sorted(_objects(graph, iri, p))),
                      None)
    out_rows = [(p, o, False) for p, o in graph.predicate_objects(iri)]
    out_rows += [(p, o, True) for p, o in found.inferred_out]
    mentioned = {str(row["annotation"]) for row in found.mentions}
    in_rows = [(p, s, inferred) for s, p, inferred in found.incoming if str(s) not in mentioned]
    broader = [(o, inf) for p, o, inf in out_rows if p in BROADER and isinstance(o, URIRef)]
    narrower = [(s, inf) for p, s, inf in in_rows if p in BROADER]
    return {
        "iri": document.iri,
        "label": found.labels.get(document.iri) or local_name(document.iri),
        "kind": kind_of(types, found.labels, one=True),
        "types": [render.cell(URIRef(t)) for t in sorted(types, key=render.label)],
        "definition": definition,
        "broader": [{"cell": render.cell(n), "inferred": inf}
                    for n, inf in sorted(set(broader), key=lambda x: render.sort_key(x[0]))],
        "narrower": [{"cell": render.cell(n), "inferred": inf}
                     for n, inf in sorted(set(narrower), key=lambda x: render.sort_key(x[0]))],
        "statements": _grouped(out_rows, render, out_provenance),
        "incoming": _grouped(in_rows, render, in_provenance),
        "sourced": sourced,
        "mentions": _mentions(found.mentions, render, in_provenance),
        "mappings": mapping_rows(found.mappings, render),
        "contents": index(found.contents, render) if document.graph else None,
        "graph": document.graph,
    }


def mapping_rows(rows: list[dict[str, Node]], render: Renderer) -> list[dict]:
    """The term's SSSOM mappings: match predicate, external term (a link only when it is
    http(s), as every link from data) under its label in its vocabulary, and the reason."""
    out = []
    for row in rows:
        target = render.cell(row["object"])
        if row.get("objectLabel") is not None:
            target = {**target, "text": str(row["objectLabel"])}
        out.append({"predicate": render.cell(row["predicate"]), "object": target,
                    "comment": str(row.get("comment", ""))})
    return sorted(out, key=lambda r: (r["predicate"]["text"], r["object"]["title"]))


def _mentions(rows: list[dict[str, Node]], render: Renderer,
              provenance: Provenance) -> list[dict]:
    out = []
    for row in rows:
        paper = row.get("paper")
        out.append({
            "paper": ({**render.cell(paper), "text": str(row.get("title") or render.label(
                str(paper)))} if paper is not None else None),
            "title": str(row.get("title", "")), "year": str(row.get("year", "")),
            "annotation": {"text": local_name(str(row["annotation"])),
                           "href": render.link(str(row["annotation"]))},
            "as": render.cell(row["property"]),
            "provenance": provenance(row["property"], row["annotation"]),
        })
    return sorted(out, key=lambda m: (m["year"], m["title"].lower(), m["annotation"]["text"],
                                      m["as"]["text"]))
