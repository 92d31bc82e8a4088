"""Validating, submitting, reading and retracting annotations: the steps, in order, without HTTP.

A submission passes, in this order: the shapes (with the stored context), the rules of what a
submission may hold, the store (no duplicate, no retracted IRI, no creator that the store holds
as something else, nothing stored in any graph described otherwise), HermiT (the ontology plus
the new triples stays consistent), and then one transaction writes it. Any step that fails
raises before the store is touched. The store checks run again, with the write, under the
service's write lock, which a retraction holds too: a retraction decides whether the paper's
graph goes with the annotation, and no submission of this service can slip in between.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from rdflib import Graph, URIRef
from rdflib.namespace import PROV, RDF

from llm_atlas.core.annotations.records import (
    Committed,
    Request,
    Retraction,
    commit_submission,
    retract,
    taken_graph,
)
from llm_atlas.core.annotations.submission import (
    StoredDescriptions,
    Submission,
    annotation_prefix,
    closure,
    creator_refusals,
    paper_prefix,
    plan_submission,
    retraction_graph,
    stored_conflicts,
)
from llm_atlas.core.checking.checker import LocalChecker
from llm_atlas.core.checking.consistency import ConsistencyGate
from llm_atlas.core.checking.context import ContextValidation, OntologyCache, validate_in_context
from llm_atlas.core.checking.reports import short, summary
from llm_atlas.core.checking.validation import ValidationReport
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.sparql.internal import select
from llm_atlas.errors import (
    AnnotationNotFound,
    AnnotationRetracted,
    AtlasError,
    GraphExists,
    GraphMissing,
    Inconsistent,
    InputTooLarge,
    NotConforming,
    ReasonerUnavailable,
    SubmissionConflict,
    SubmissionRejected,
)
from llm_atlas.namespaces import ATLAS

# pyshacl's SPARQL constraints cost tens of milliseconds per annotation; this bounds a request.
MAX_ANNOTATIONS = 20


class AnnotationService:
    """What the web layer needs for /validate and /annotations, built once per app."""

    def __init__(self, store, shapes: Graph, base_iri: str,
                 gate: ConsistencyGate | None = None,
                 shipped: Callable[[], Iterable[str]] = frozenset, checker=None):
        self.store, self.shapes, self.base_iri = store, shapes, base_iri
        self.ontology = OntologyCache()
        # clients' documents are checked in sandboxed processes (checker.CheckerPool)
        self.checker = checker or LocalChecker(shapes)
        self.gate = gate or ConsistencyGate(self.checker.consistent)
        self._write_lock = threading.Lock()  # a submission's checks and write, or a retraction
        self._shipped_source = shipped
        self._shipped: set[str] | None = None

    def iri(self, slug: str) -> str:
        return annotation_prefix(self.base_iri) + slug

    # -- validation ----------------------------------------------------------------------------
    def validate(self, data: Graph) -> ContextValidation:
        """The SHACL report on a document, with the stored ontology and neighbourhood."""
        annotations = len(set(data.subjects(RDF.type, ATLAS.Annotation)))
        if annotations > MAX_ANNOTATIONS:
            raise InputTooLarge(f"the document holds {annotations} annotations; validate at "
                                f"most {MAX_ANNOTATIONS} at a time (split it, or use "
                                "`llm-atlas validate`)")
        return validate_in_context(self.store, data, self.ontology, self.checker.validate)

    # -- submission ----------------------------------------------------------------------------
    def submit(self, data: Graph, req: Request) -> tuple[Committed, ValidationReport]:
        """Validate, check and store one submission; raise before writing anything otherwise."""
        checked = self.validate(data)
        if not checked.report.conforms:
            raise NotConforming(f"the submission {summary(checked.report)}; fix what the report "
                                "lists", checked.report)
        submission = plan_submission(data, self.base_iri)
        self._refuse_taken(str(submission.annotation), submission.slug)
        self._check_stored(submission)
        if not self._consistent(checked, data):
            raise Inconsistent(
                "HermiT finds the ontology plus this submission inconsistent: a term is "
                "used against its class or property axioms (check the types and values)")
        for attempt in (1, 2):
            with self._write_lock:
                self._refuse_taken(str(submission.annotation), submission.slug)
                new_paper = self._check_stored(submission)
                try:
                    committed = commit_submission(self.store, submission, new_paper=new_paper,
                                                  req=req, base_iri=self.base_iri)
                    return committed, checked.report
                except GraphExists as exc:
                    taken = taken_graph(exc)
            if taken == str(submission.paper) and attempt == 1:
                continue  # another service's submission stored this paper first: check again
            self._refuse_taken(str(submission.annotation), submission.slug)
            raise SubmissionConflict(f"the store already holds the graph {short(taken)}")
        raise SubmissionConflict("the submission collided with concurrent writes; send it again")

    def stored(self, iris: set[str]) -> StoredDescriptions:
        """What every graph of the store says about the IRIs, and which graph says it."""
        found = StoredDescriptions()
        if iris:
            for row in select(self.store, "stored_descriptions", node=sorted(iris)):
                node = row["node"]
                assert isinstance(node, URIRef)  # one of the IRIs in the query's VALUES
                found.add(node, row["p"], row["o"], str(row["g"]))
        return found

    def _check_stored(self, submission: Submission) -> bool:
        """Refuse what the store contradicts; True when the submission's paper is new."""
        stored = self.stored(submission.described_iris())
        refused = creator_refusals(submission, stored, self.base_iri)
        if refused:
            raise SubmissionRejected("; ".join(refused))
        problems = stored_conflicts(submission, stored)
        if problems:
            raise SubmissionConflict("; ".join(problems))
        return submission.paper is not None and submission.paper not in stored.graphs

    def _consistent(self, checked: ContextValidation, data: Graph) -> bool:
        try:
            return self.gate.consistent(checked.ontology, data + checked.context)
        except ReasonerUnavailable as exc:
            raise ReasonerUnavailable(
                "the submission conforms to the shapes, but the HermiT consistency check "
                f"cannot run on this server ({exc}); nothing was stored: send it again once "
                "the server's Java runtime is back") from exc

    def _refuse_taken(self, annotation: str, slug: str) -> None:
        if self.store.graph_exists(annotation):
            raise SubmissionConflict(
                f"the annotation {short(annotation)} is already in the store; annotation IRIs "
                "are permanent: give a new one a new slug")
        if self.store.graph_exists(retraction_graph(self.base_iri, slug)):
            raise SubmissionConflict(
                f"the annotation {short(annotation)} was retracted and its IRI is not reused: "
                "give the new annotation a new slug")

    # -- reading and retracting ----------------------------------------------------------------
    def retracted_at(self, slug: str) -> str | None:
        """When the annotation was retracted (an xsd:dateTime), or None."""
        body = self.store.get_graph(retraction_graph(self.base_iri, slug), "ntriples")
        if body is None:
            return None
        record = parse_data(body, "nt", source_name="the retraction record")
        moment = record.value(URIRef(self.iri(slug)), PROV.invalidatedAtTime)
        return str(moment) if moment is not None else "an unrecorded time"

    def _missing(self, slug: str) -> AtlasError:
        when = self.retracted_at(slug)
        if when is not None:
            return AnnotationRetracted(f"the annotation {short(self.iri(slug))} was retracted "
                                       f"at {when}")
        return AnnotationNotFound(f"the store holds no annotation {short(self.iri(slug))}")

    def read(self, slug: str, fmt: str) -> bytes:
        """The annotation's graph (annotation and submission record) in a graph format."""
        body = self.store.get_graph(self.iri(slug), fmt)
        if body is None:
            raise self._missing(slug)
        return body

    def is_shipped(self, iri: str) -> bool:
        """True for an annotation of the shipped files (`llm-atlas build` would write it again)."""
        if self._shipped is None:
            self._shipped = set(self._shipped_source())
        return iri in self._shipped

    def retract(self, slug: str, req: Request) -> tuple[str, list[str]]:
        """Retract an annotation, keeping a record: the record's graph and the graphs dropped."""
        iri = self.iri(slug)
        if self.is_shipped(iri):
            raise SubmissionConflict(
                f"the annotation {short(iri)} ships with the knowledge graph (annotations/); "
                "remove it there and run `llm-atlas build` instead")
        with self._write_lock:
            plan = self._retraction_plan(iri)
            try:
                record = retract(self.store, iri, slug, req=req, base_iri=self.base_iri,
                                 plan=plan)
            except (GraphMissing, GraphExists):
                raise self._missing(slug) from None
        return record, plan.dropped(iri)

    def _retraction_plan(self, annotation: str) -> Retraction:
        """The submitted paper graph that goes with the annotation, and the creators to keep."""
        rows = select(self.store, "retraction_paper", annotation=annotation)
        papers = [str(r["paper"]) for r in rows
                  if str(r["paper"]).startswith(paper_prefix(self.base_iri))]
        if len(papers) != 1:
            return Retraction()
        paper = papers[0]
        copies: dict[str, Graph] = {}
        relied = select(self.store, "retraction_creators", paper=paper)
        if relied:
            content = parse_data(self.store.get_graph(paper, "ntriples") or b"", "nt",
                                 source_name="the paper's graph")
            for row in relied:
                copy = copies.setdefault(str(row["graph"]), Graph())
                for node in closure(content, {row["creator"]}):
                    copy += content.triples((node, None, None))
        return Retraction(paper, copies)
