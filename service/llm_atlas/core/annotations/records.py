"""Writing a submission or a retraction to the store in one transaction, with its provenance.

The annotation's graph holds the annotation and a PROV record of its submission: who (the
holder of the bearer token), when, and from which request (its id). The client's network
address is personal data: it goes to the server log with the request id, never into the
public graph.
A retraction drops that graph and writes a record of its own, in
`{base}resource/retraction/{slug}`: the annotation's `prov:invalidatedAtTime` and the activity
that invalidated it. When no other annotation targets the annotation's paper and the paper was
submitted (not shipped), the paper's graph goes in the same transaction: nothing a submission
wrote outlives it, except a creator's description that another paper still relies on, which is
copied into that paper's graph first. An annotation IRI is never reused: a retracted one cannot
be submitted again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from llm_atlas.core.annotations.submission import Submission, retraction_graph
from llm_atlas.errors import GraphExists


@dataclass(frozen=True)
class Request:
    """Who asked, when and through which request: what a provenance record needs."""

    request_id: str
    holder: str  # the IRI of the token's holder
    client: str  # the client's address as the server saw it (logged, not published)
    started: datetime
    operation: str  # e.g. "POST /annotations"

    @property
    def activity(self) -> URIRef:
        return URIRef(f"urn:uuid:{self.request_id}")


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _when(moment: datetime) -> Literal:
    return Literal(moment.isoformat().replace("+00:00", "Z"), datatype=XSD.dateTime)


def activity_triples(req: Request, ended: datetime) -> Graph:
    """A prov:Activity for one request: who, when and which request (not from where)."""
    graph = Graph()
    act = req.activity
    graph.add((act, RDF.type, PROV.Activity))
    graph.add((act, RDFS.label, Literal(req.operation)))
    graph.add((act, PROV.wasAssociatedWith, URIRef(req.holder)))
    graph.add((act, PROV.startedAtTime, _when(req.started)))
    graph.add((act, PROV.endedAtTime, _when(ended)))
    graph.add((act, DCTERMS.identifier, Literal(req.request_id)))
    return graph


def _ox(term, blanks: dict):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):  # fresh labels: rdflib's may not be valid N-Quads labels
        return blanks.setdefault(term, ox.BlankNode())
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype is not None:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def nquads(graphs: dict[str, Graph]) -> bytes:
    """Graphs (by name) as N-Quads, written by pyoxigraph so every term is escaped by it."""
    blanks: dict = {}
    quads = [ox.Quad(_ox(s, blanks), _ox(p, blanks), _ox(o, blanks), ox.NamedNode(name))
             for name, graph in graphs.items() for s, p, o in graph]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


@dataclass
class Committed:
    """What a successful submission wrote."""

    annotation: str
    graphs: dict[str, int]  # graph IRI -> triples written
    ended: datetime


def annotation_graph(submission: Submission, req: Request, ended: datetime) -> Graph:
    """The annotation's own graph: its triples plus the record of this submission."""
    graph = Graph()
    graph += submission.annotation_triples
    graph.add((submission.annotation, PROV.wasGeneratedBy, req.activity))
    graph += activity_triples(req, ended)
    return graph


def commit_submission(store, submission: Submission, *, new_paper: bool, req: Request,
                      base_iri: str) -> Committed:
    """Write the annotation (and a new paper) in one transaction; GraphExists when taken."""
    ended = now()
    graphs = {str(submission.annotation): annotation_graph(submission, req, ended)}
    must_be_new = [str(submission.annotation), retraction_graph(base_iri, submission.slug)]
    if new_paper and submission.paper is not None:
        graphs[str(submission.paper)] = submission.paper_triples
        must_be_new.append(str(submission.paper))
    store.commit(nquads(graphs), must_be_new=must_be_new)
    return Committed(str(submission.annotation), {g: len(t) for g, t in graphs.items()}, ended)


def retraction_triples(annotation: str, req: Request, ended: datetime) -> Graph:
    """The record of a retraction: when the annotation was invalidated, and by what."""
    graph = activity_triples(req, ended)
    node = URIRef(annotation)
    graph.add((node, PROV.invalidatedAtTime, _when(ended)))
    graph.add((node, PROV.wasInvalidatedBy, req.activity))
    return graph


@dataclass
class Retraction:
    """What a retraction drops besides the annotation, and what it copies before that."""

    paper: str | None = None  # the paper's graph, when it goes too
    copies: dict[str, Graph] = field(default_factory=dict)  # graph -> creators it relies on

    def dropped(self, annotation: str) -> list[str]:
        """The graphs the retraction drops."""
        return [annotation] + ([self.paper] if self.paper else [])


def retract(store, annotation: str, slug: str, *, req: Request, base_iri: str,
            plan: Retraction | None = None) -> str:
    """Drop an annotation's graph (and its paper's, by the plan) and record it, in one transaction.

    Raises GraphMissing when the annotation (or a graph the plan names) is not there,
    GraphExists when it was retracted.
    """
    plan = plan or Retraction()
    record = retraction_graph(base_iri, slug)
    ended = now()
    dropped = plan.dropped(annotation)
    graphs = {record: retraction_triples(annotation, req, ended), **plan.copies}
    store.commit(nquads(graphs), must_be_new=[record],
                 must_exist=dropped + sorted(plan.copies), drop=dropped)
    return record


def taken_graph(exc: GraphExists) -> str:
    """The graph a GraphExists names (the engine's message is the graph's IRI)."""
    return str(exc).strip().strip("'\"")
