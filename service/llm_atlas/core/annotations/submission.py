"""What one annotation submission may contain, and how its triples split into named graphs.

A submission is one RDF document holding:

- exactly one `atlas:Annotation`, named by an IRI under `{base}resource/annotation/`, with its
  blank nodes; it becomes the named graph of that IRI;
- optionally the paper it targets (`oa:hasTarget`), described under `{base}resource/paper/`,
  with the paper's creators; they go to the paper's graph, and only when the store does not
  hold that paper yet (an existing paper may be described again only with triples the store
  already has, and then nothing is written for it).

A creator is a person or an organization: `{base}resource/person/SLUG`,
`{base}resource/organization/SLUG`, or an IRI outside the base (an ORCID, say). One the store
already holds must be held as a creator, in papers' graphs only: never a term, the ontology, a
shape or an annotation. Whatever the submission describes that the store already describes, in
any graph (the ontology, its alignments and inferences and the shapes included), it may only
repeat: one new triple about a stored node is a conflict.

Nothing else: no triple about a term of the ontology, another annotation, another paper or
anything else. The service writes the annotation's `prov:wasGeneratedBy` itself, so a
submission may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from llm_atlas.core.checking.reports import short
from llm_atlas.errors import SubmissionRejected
from llm_atlas.namespaces import ATLAS, OA

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")
# Written by the service alone: the submission's provenance and a retraction's record.
RESERVED = (PROV.wasGeneratedBy, PROV.invalidatedAtTime, PROV.wasInvalidatedBy)


def annotation_prefix(base_iri: str) -> str:
    return base_iri + "resource/annotation/"


def paper_prefix(base_iri: str) -> str:
    return base_iri + "resource/paper/"


def creator_prefixes(base_iri: str) -> tuple[str, str]:
    """Where our own creators live: people and organizations."""
    return base_iri + "resource/person/", base_iri + "resource/organization/"


def paper_graph_prefixes(base_iri: str) -> tuple[str, str]:
    """The graphs that describe papers and their creators: submitted papers, shipped files."""
    return paper_prefix(base_iri), base_iri + "resource/source/"


def retraction_graph(base_iri: str, slug: str) -> str:
    """The graph that records the retraction of the annotation with this slug."""
    return base_iri + "resource/retraction/" + slug


def slug_of(iri: str, prefix: str) -> str | None:
    """The local name of an IRI under a prefix when it is a plain slug, else None."""
    if not iri.startswith(prefix):
        return None
    rest = iri[len(prefix):]
    return rest if SLUG.fullmatch(rest) else None


@dataclass
class Submission:
    """A checked submission: the annotation, and the paper it describes (if any)."""

    graph: Graph
    annotation: URIRef
    slug: str
    annotation_triples: Graph
    paper: URIRef | None = None
    paper_triples: Graph = field(default_factory=Graph)
    creators: frozenset[URIRef] = frozenset()
    target: URIRef | None = None  # what the annotation targets, described here or not

    def described_iris(self) -> set[str]:
        """Every IRI the submission describes: the annotation, its paper and the creators."""
        return {str(self.annotation)} | {
            str(s) for s in self.paper_triples.subjects() if isinstance(s, URIRef)}


def closure(graph: Graph, start: set) -> set:
    """The start nodes and every blank node reachable from them (their bounded description)."""
    seen, todo = set(start), list(start)
    while todo:
        for obj in graph.objects(todo.pop(), None):
            if isinstance(obj, BNode) and obj not in seen:
                seen.add(obj)
                todo.append(obj)
    return seen


def _only(graph: Graph, nodes: set) -> Graph:
    out = Graph()
    for node in nodes:
        for triple in graph.triples((node, None, None)):
            out.add(triple)
    return out


def _the_annotation(graph: Graph, base_iri: str) -> tuple[URIRef, str]:
    found = sorted(set(graph.subjects(RDF.type, ATLAS.Annotation)), key=str)
    prefix = annotation_prefix(base_iri)
    if not found:
        raise SubmissionRejected("the document holds no atlas:Annotation: a submission is one "
                                 "annotation (and optionally the new paper it targets)")
    if len(found) > 1:
        names = ", ".join(short(str(a)) for a in found[:5])
        raise SubmissionRejected(f"the document holds {len(found)} annotations ({names}); "
                                 "submit one annotation per request")
    annotation = found[0]
    if not isinstance(annotation, URIRef) or (slug := slug_of(str(annotation), prefix)) is None:
        raise SubmissionRejected(
            f"the annotation {short(str(annotation))} must be named by an IRI {prefix}SLUG, "
            "with SLUG of letters, digits, '-' and '_' (it names the annotation's graph)")
    for prop in RESERVED:
        if (annotation, prop, None) in graph:
            raise SubmissionRejected(
                f"the annotation may not state {short(str(prop))}: the service records how and "
                "when it was submitted or retracted")
    return annotation, slug


def _described_paper(graph: Graph, annotation: URIRef, base_iri: str) -> URIRef | None:
    targets = list(graph.objects(annotation, OA.hasTarget))
    if len(targets) != 1 or not isinstance(targets[0], URIRef):
        return None
    paper = targets[0]
    if paper == annotation or (paper, None, None) not in graph:
        return None
    if slug_of(str(paper), paper_prefix(base_iri)) is None:
        raise SubmissionRejected(
            f"the paper {short(str(paper))} must be named by an IRI "
            f"{paper_prefix(base_iri)}SLUG (it names the paper's graph)")
    return paper


def _check_creator_names(creators: set[URIRef], paper: URIRef, base_iri: str) -> None:
    """Refuse a creator named in our space but not as a person or an organization."""
    people, organizations = creator_prefixes(base_iri)
    for creator in sorted(creators, key=str):
        name = str(creator)
        if name.startswith(base_iri) and slug_of(name, people) is None \
                and slug_of(name, organizations) is None:
            raise SubmissionRejected(
                f"the creator {short(name)} of the paper {short(str(paper))} is not a person or "
                f"an organization: name a creator {people}SLUG, {organizations}SLUG, or by an "
                f"IRI outside {base_iri} (an ORCID, say) that the store does not describe as "
                "something else")


def plan_submission(graph: Graph, base_iri: str) -> Submission:
    """Check what a submission describes and split it into the annotation's and the paper's part.

    Raises SubmissionRejected when the document is not one annotation (and its paper).
    """
    annotation, slug = _the_annotation(graph, base_iri)
    annotation_nodes = closure(graph, {annotation})
    paper = _described_paper(graph, annotation, base_iri)
    paper_nodes: set = set()
    creators: set[URIRef] = set()
    if paper is not None:
        creators = {c for c in graph.objects(paper, DCTERMS.creator) if isinstance(c, URIRef)}
        _check_creator_names(creators, paper, base_iri)
        paper_nodes = closure(graph, {paper} | creators) - annotation_nodes
    outside = set(graph.subjects()) - annotation_nodes - paper_nodes
    if outside:
        named = sorted(short(str(n)) if isinstance(n, URIRef) else f"_:{n}" for n in outside)
        raise SubmissionRejected(
            "a submission may describe only its annotation, the paper it targets and that "
            f"paper's creators; it also describes {', '.join(named[:5])}"
            + (f" and {len(named) - 5} more" if len(named) > 5 else ""))
    targets = [t for t in graph.objects(annotation, OA.hasTarget) if isinstance(t, URIRef)]
    return Submission(graph, annotation, slug, _only(graph, annotation_nodes), paper,
                      _only(graph, paper_nodes), frozenset(creators),
                      targets[0] if len(targets) == 1 else None)


def _plain(triple: tuple) -> tuple:
    """A triple with `"x"^^xsd:string` written as `"x"` (the same literal in RDF 1.1)."""
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == XSD.string:
        o = Literal(str(o))
    return s, p, o


@dataclass
class StoredDescriptions:
    """What the store holds about some nodes, from every named graph, and which graphs say it."""

    triples: Graph = field(default_factory=Graph)
    graphs: dict[URIRef, set[str]] = field(default_factory=dict)  # node -> graphs describing it

    def add(self, node: URIRef, predicate, obj, graph: str) -> None:
        """Record one stored triple about a node and the graph that holds it."""
        self.triples.add((node, predicate, obj))
        self.graphs.setdefault(node, set()).add(graph)


def creator_refusals(submission: Submission, stored: StoredDescriptions,
                     base_iri: str) -> list[str]:
    """Messages for each creator the store describes as something other than a creator.

    A person or organization the store holds is described in papers' graphs only; a term of
    the ontology, the ontology, a shape or an annotation is described elsewhere.
    """
    allowed = paper_graph_prefixes(base_iri)
    people, organizations = creator_prefixes(base_iri)
    problems = []
    for creator in sorted(submission.creators, key=str):
        elsewhere = sorted(g for g in stored.graphs.get(creator, ()) if not g.startswith(allowed))
        if elsewhere:
            problems.append(
                f"the creator {short(str(creator))} is already described by the store as "
                f"something other than a paper's creator (in the graph {short(elsewhere[0])}): "
                f"a creator is a person or an organization, named {people}SLUG, "
                f"{organizations}SLUG, or by an IRI outside {base_iri} that the store does not "
                "describe as something else")
    return problems


def stored_conflicts(submission: Submission, stored: StoredDescriptions) -> list[str]:
    """Messages for each described node the store holds, in any graph, described otherwise."""
    problems = []
    paper_stored = submission.paper is not None and submission.paper in stored.graphs
    held = {_plain(t) for t in stored.triples}
    annotation_graphs = sorted(stored.graphs.get(submission.annotation, ()))
    if annotation_graphs:
        problems.append(
            f"the annotation {short(str(submission.annotation))} is already in the store (in "
            f"the graph {short(annotation_graphs[0])}); annotation IRIs are permanent: give a "
            "new one a new slug")
    for node in sorted({s for s in submission.paper_triples.subjects()
                        if isinstance(s, URIRef)}, key=str):
        if node not in stored.graphs:
            if paper_stored:
                problems.append(
                    f"{short(str(node))} is new, but the paper {short(str(submission.paper))} "
                    "is already in the store and a submission does not change a stored paper; "
                    "leave the paper's description out")
            continue
        extra = [t for t in submission.paper_triples.triples((node, None, None))
                 if _plain(t) not in held]
        if extra:
            where = short(sorted(stored.graphs[node])[0])
            problems.append(
                f"{short(str(node))} is already in the store (in the graph {where}) and the "
                f"submission says more or otherwise about it ({len(extra)} triples the store "
                f"does not hold, e.g. {short(str(extra[0][1]))}); leave its description out, "
                "or send it unchanged")
    return problems
