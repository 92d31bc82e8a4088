"""How long validating one annotation takes against a store of a given size (for ours).

After `llm-atlas load` has filled our store at a scale, the harness opens it and validates one
annotation the way POST /validate and POST /annotations do: fetch the stored ontology and the
neighbourhood the annotation points at (*fetch*), then run the shapes on the annotation plus
that context (*shapes*). Two documents: an annotation of a paper the store already holds (its
description comes from the store) and an annotation with its own new paper. The consistency
check (HermiT: ontology plus the submission, a Java process per run) does not read the store;
it is timed too. The issue's target is that validation stays flat as the store grows.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from llm_atlas.core.annotations.service import AnnotationService
from llm_atlas.core.checking.context import neighbourhood
from llm_atlas.core.checking.reasoning import reason
from llm_atlas.core.checking.validation import validate_graph
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import ReasonerUnavailable
from llm_atlas.namespaces import BASE_IRI
from llm_atlas.store.embedded.client import EmbeddedStore

RES = BASE_IRI + "resource/"


def document(slug: str, paper: str, describe_paper: bool) -> str:
    """A conforming solution annotation in Turtle, with or without its paper's description."""
    text = f"""
@prefix atlas: <https://w3id.org/llm-atlas/ontology/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{RES}annotation/{slug}> a atlas:Annotation , atlas:SolutionAnnotation ;
    oa:hasTarget <{RES}paper/{paper}> ; oa:motivatedBy oa:classifying ;
    atlas:aboutMethod atlas:GuardModel ; atlas:aboutMechanism atlas:Monitoring ;
    atlas:aboutAgencyProblem atlas:MoralHazard ; atlas:aboutPhase atlas:Deployment ;
    atlas:evidence "Abstract: a second model screens the inputs and outputs of the first." ;
    atlas:provenanceStatus atlas:CuratorInference ;
    prov:wasAttributedTo <{RES}agent/llm-atlas-curators> ;
    dcterms:created "2026-11-26"^^xsd:date .
"""
    if describe_paper:
        text += f"""
<{RES}paper/{paper}> a atlas:Paper ; dcterms:title "A benchmark paper" ;
    dcterms:creator <{RES}person/bench-author> ; dcterms:issued "2024"^^xsd:gYear ;
    atlas:arxivId "2401.00002" .
<{RES}person/bench-author> a foaf:Person ; foaf:name "Bench Author" .
"""
    return text


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def measure(service: AnnotationService, text: str, runs: int) -> dict:
    """Milliseconds (p50, p95) for the context fetch, the shapes, and the two together."""
    data = parse_data(text, "turtle")
    fetch, shapes, total, context_triples = [], [], [], 0
    for i in range(runs + 3):
        started = time.perf_counter()
        ontology = service.ontology.get(service.store)
        context = neighbourhood(service.store, data)
        fetched = time.perf_counter()
        report = validate_graph(data + context, service.shapes, ontology)
        done = time.perf_counter()
        assert report.conforms, [r.as_dict() for r in report.results]
        if i >= 3:  # the first runs warm caches (the parsed ontology)
            fetch.append(fetched - started)
            shapes.append(done - fetched)
            total.append(done - started)
            context_triples = len(context)
    return {"fetch": _ms(fetch), "shapes": _ms(shapes), "total": _ms(total),
            "context_triples": context_triples}


def hermit_ms(service: AnnotationService, text: str, runs: int) -> tuple[float, float]:
    data = parse_data(text, "turtle")
    ontology = service.ontology.get(service.store)
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        assert reason(ontology + data).consistent
        samples.append(time.perf_counter() - started)
    return _ms(samples)


def measure_store(data_dir: Path, runs: int, hermit_runs: int) -> dict:
    """Validation timings (ms, p50 and p95) against the loaded store in `data_dir`."""
    store = EmbeddedStore(data_dir, build_if_empty=False)
    try:
        store.start()
        service = AnnotationService(store, find_sources().annotation_shapes(), BASE_IRI)
        stored = document("bench-of-stored", "lewis-2020-rag", describe_paper=False)
        new = document("bench-with-paper", "bench-new-paper", describe_paper=True)
        result = {"store_size": store.size(), "stored_paper": measure(service, stored, runs),
                  "new_paper": measure(service, new, runs)}
        try:
            result["hermit"] = hermit_ms(service, new, hermit_runs) if hermit_runs else None
        except ReasonerUnavailable as exc:
            result["hermit"], result["hermit_not_run"] = None, str(exc)
        return result
    finally:
        store.close()
