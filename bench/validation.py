"""`python -m bench.validation`: how long validating one annotation takes as the store grows.

For each scale, a store is bulk-loaded with the shipped knowledge plus synthetic papers and
annotations (bench/synth.py), and one annotation is validated the way POST /validate and
POST /annotations do it: fetch the stored ontology and the neighbourhood the annotation points
at, then run the shapes. Two documents: an annotation of a paper the store already holds (the
paper and its creators come from the store) and an annotation with its own new paper. The
consistency check (HermiT) is timed too; it sees the ontology and the submission only. Writes
bench/VALIDATION.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import pyoxigraph

from llm_atlas import __version__
from llm_atlas.annotation_service import AnnotationService
from llm_atlas.context import neighbourhood
from llm_atlas.embedded import EmbeddedStore
from llm_atlas.namespaces import BASE_IRI
from llm_atlas.rdfio import parse_data
from llm_atlas.reasoning import reason
from llm_atlas.sources import find_sources
from llm_atlas.validation import validate_graph

from . import synth

HERE = Path(__file__).resolve().parent
SCALES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
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


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
               platform.processor())
    return {"python": platform.python_version(), "cpu": cpu, "cores": os.cpu_count(),
            "llm_atlas": __version__, "pyoxigraph": pyoxigraph.__version__,
            "date": time.strftime("%Y-%m-%d")}


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


def run_scale(tmp: Path, scale: str, runs: int, hermit_runs: int) -> dict:
    data = tmp / f"{scale}.nq"
    quads = synth.write_dataset(data, SCALES[scale])
    store = EmbeddedStore(tmp / f"store-{scale}", build_if_empty=False)
    try:
        store.start()
        started = time.perf_counter()
        store.bulk_load(str(data), "nquads")
        load_s = time.perf_counter() - started
        service = AnnotationService(store, find_sources().annotation_shapes(), BASE_IRI)
        stored = document("bench-of-stored", "lewis-2020-rag", describe_paper=False)
        new = document("bench-with-paper", "bench-new-paper", describe_paper=True)
        return {"quads": quads, "store_size": store.size(), "load_s": load_s,
                "stored_paper": measure(service, stored, runs),
                "new_paper": measure(service, new, runs),
                "hermit": hermit_ms(service, new, hermit_runs)}
    finally:
        store.close()


def table(results: dict) -> str:
    lines = ["| store (quads) | document | context triples | fetch p50 / p95 (ms) | "
             "shapes p50 / p95 (ms) | validation p50 / p95 (ms) | HermiT p50 (ms) |",
             "|---:|---|---:|---:|---:|---:|---:|"]
    for r in results["scales"].values():
        for key, name in (("stored_paper", "annotation of a stored paper"),
                          ("new_paper", "annotation + new paper")):
            m = r[key]
            lines.append(f"| {r['store_size']:,} | {name} | {m['context_triples']} | "
                         f"{m['fetch'][0]:.1f} / {m['fetch'][1]:.1f} | "
                         f"{m['shapes'][0]:.1f} / {m['shapes'][1]:.1f} | "
                         f"{m['total'][0]:.1f} / {m['total'][1]:.1f} | "
                         f"{r['hermit'][0]:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.validation")
    parser.add_argument("--scales", default="10k,100k,1M")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--hermit-runs", type=int, default=5)
    args = parser.parse_args()
    results = {"machine": machine(), "scales": {}}
    with tempfile.TemporaryDirectory(prefix="llm-atlas-bench-validation-") as tmp:
        for scale in args.scales.split(","):
            results["scales"][scale] = run_scale(Path(tmp), scale, args.runs, args.hermit_runs)
    m = results["machine"]
    command = (f"python -m bench.validation --scales {args.scales} --runs {args.runs} "
               f"--hermit-runs {args.hermit_runs}")
    (HERE / "VALIDATION.md").write_text(f"""# Validation latency against the store's size

Produced by `{command}` on {m['date']}:
{m['cpu']}, {m['cores']} cores, Python {m['python']}, llm-atlas {m['llm_atlas']},
pyoxigraph {m['pyoxigraph']}.

Each store holds the shipped knowledge plus synthetic papers and annotations shaped like ours
(bench/synth.py), bulk-loaded into the embedded store (an Oxigraph engine process). One
annotation is validated as POST /validate and POST /annotations validate it: *fetch* gets the
stored ontology graph and the stored descriptions of what the annotation points at (the
*context*), *shapes* runs pyshacl on the annotation plus its context and the ontology. The
context is looked up by index, so neither step grows with the store. HermiT (the consistency
check of a submission: ontology plus the new triples, a Java process per run) does not depend on
the store at all; it is timed with {args.hermit_runs} runs, the rest with {args.runs}.

{table(results)}
""")
    print((HERE / "VALIDATION.md").read_text())


if __name__ == "__main__":
    main()
