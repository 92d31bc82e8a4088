"""What one annotation submission may contain, and how its triples split into named graphs.

A submission is one RDF document holding:

- exactly one `atlas:Annotation`, named by an IRI under `{base}resource/annotation/`, with its
  blank nodes; it becomes the named graph of that IRI;
- optionally the paper it targets (`oa:hasTarget`), described under `{base}resource/paper/`,
  with the paper's creators; they go to the paper's graph, and only when the store does not
  hold that paper yet (an existing paper may be described again only with triples the store
  already has, and then nothing is written for it).

Nothing else: no triple about a term of the ontology, another annotation, another paper or
anything else. The service writes the annotation's `prov:wasGeneratedBy` itself, so a
submission may not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from .errors import AtlasError
from .namespaces import ATLAS, OA
from .reports import short

SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,199}")
# Written by the service alone: the submission's provenance and a retraction's record.
RESERVED = (PROV.wasGeneratedBy, PROV.invalidatedAtTime, PROV.wasInvalidatedBy)


class SubmissionRejected(AtlasError):
    """The document is RDF but not an acceptable submission (HTTP 422); the message says why."""


class SubmissionConflict(AtlasError):
    """The submission collides with what the store holds (HTTP 409)."""


def annotation_prefix(base_iri: str) -> str:
    return base_iri + "resource/annotation/"


def paper_prefix(base_iri: str) -> str:
    return base_iri + "resource/paper/"


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

    def described_iris(self) -> set[str]:
        """IRIs besides the annotation that the submission describes (the paper, creators)."""
        return {str(s) for s in self.paper_triples.subjects() if isinstance(s, URIRef)}


def _closure(graph: Graph, start: set) -> set:
    """The start nodes and every blank node reachable from them."""
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
    slug = slug_of(str(annotation), prefix) if isinstance(annotation, URIRef) else None
    if slug is None:
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


def plan_submission(graph: Graph, base_iri: str) -> Submission:
    """Check what a submission describes and split it into the annotation's and the paper's part.

    Raises SubmissionRejected when the document is not one annotation (and its paper).
    """
    annotation, slug = _the_annotation(graph, base_iri)
    annotation_nodes = _closure(graph, {annotation})
    paper = _described_paper(graph, annotation, base_iri)
    paper_nodes: set = set()
    if paper is not None:
        creators = {c for c in graph.objects(paper, DCTERMS.creator) if isinstance(c, URIRef)}
        paper_nodes = _closure(graph, {paper} | creators) - annotation_nodes
    outside = set(graph.subjects()) - annotation_nodes - paper_nodes
    if outside:
        named = sorted(short(str(n)) if isinstance(n, URIRef) else f"_:{n}" for n in outside)
        raise SubmissionRejected(
            "a submission may describe only its annotation, the paper it targets and that "
            f"paper's creators; it also describes {', '.join(named[:5])}"
            + (f" and {len(named) - 5} more" if len(named) > 5 else ""))
    return Submission(graph, annotation, slug, _only(graph, annotation_nodes), paper,
                      _only(graph, paper_nodes))


def _plain(triple: tuple) -> tuple:
    """A triple with `"x"^^xsd:string` written as `"x"` (the same literal in RDF 1.1)."""
    s, p, o = triple
    if isinstance(o, Literal) and o.datatype == XSD.string:
        o = Literal(str(o))
    return s, p, o


def stored_conflicts(submission: Submission, stored: Graph) -> list[str]:
    """Messages for each described node the store holds with a different description."""
    problems = []
    paper_stored = submission.paper is not None and (submission.paper, None, None) in stored
    described = {t[0] for t in stored}
    held = {_plain(t) for t in stored}
    for node in sorted({s for s in submission.paper_triples.subjects()
                        if isinstance(s, URIRef)}, key=str):
        if node not in described:
            if paper_stored:
                problems.append(
                    f"{short(str(node))} is new, but the paper {short(str(submission.paper))} "
                    "is already in the store and a submission does not change a stored paper; "
                    "leave the paper's description out")
            continue
        extra = [t for t in submission.paper_triples.triples((node, None, None))
                 if _plain(t) not in held]
        if extra:
            problems.append(
                f"{short(str(node))} is already in the store and the submission says more or "
                f"otherwise about it ({len(extra)} triples the store does not hold, e.g. "
                f"{short(str(extra[0][1]))}); leave its description out, or send it unchanged")
    return problems
