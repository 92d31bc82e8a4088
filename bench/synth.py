"""Synthetic datasets shaped like ours: the real ontology plus generated papers and annotations."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from llm_atlas.core.knowledge.layout import shipped_graphs
from llm_atlas.core.knowledge.sources import find_sources

ATLAS = "https://w3id.org/llm-atlas/ontology/"
RES = "https://w3id.org/llm-atlas/resource/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DCT = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# method -> (mechanism, problems, phases) from the shipped ontology's curation table
METHODS = {
    "ModelCard": ("Signaling", ["AdverseSelection"], ["ModelSelection"]),
    "BenchmarkEvaluation": ("Screening", ["AdverseSelection"], ["ModelSelection"]),
    "RedTeaming": ("Screening", ["AdverseSelection"], ["ModelSelection"]),
    "RLHF": ("Bonding", ["MoralHazard", "HoldUp"], ["ModelAdaptation"]),
    "DPO": ("Bonding", ["MoralHazard", "HoldUp"], ["ModelAdaptation"]),
    "RetrievalAugmentedGeneration": ("IncentiveAlignment", ["MoralHazard"],
                                     ["ModelAdaptation", "Deployment"]),
    "GuardModel": ("Monitoring", ["MoralHazard"], ["Deployment"]),
    "LLMAsJudge": ("Monitoring", ["MoralHazard"], ["Deployment", "Operation"]),
    "MLOpsMonitoring": ("Monitoring", ["MoralHazard"], ["Operation"]),
}
# lookups cycle through this many subjects: more than any peer caches (rdflib-endpoint keeps 128
# parsed queries), so no cache answers a repeated request
MAX_SUBJECTS = 4096
PROBLEMS = ["HarmfulContent", "DiscriminatoryContent", "OffTopicContent", "Hallucination"]


def _quad(s: str, p: str, o: str, g: str) -> str:
    return f"<{s}> <{p}> {o} <{g}> .\n"


def _lit(value: str, datatype: str | None = None) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"' + (f"^^<{datatype}>" if datatype else "")


def paper_and_annotation(i: int, rng: random.Random) -> list[str]:
    """About 24 quads: one paper with creators in its graph, one annotation in its own."""
    paper = f"{RES}paper/synthetic-{i}"
    ann = f"{RES}annotation/synthetic-{i}"
    method = rng.choice(list(METHODS))
    mechanism, problems, phases = METHODS[method]
    out = [
        _quad(paper, RDF_TYPE, f"<{ATLAS}Paper>", paper),
        _quad(paper, DCT + "title", _lit(f"Synthetic study {i} of {method}"), paper),
        _quad(paper, DCT + "issued", _lit(str(2015 + i % 11), XSD + "gYear"), paper),
        _quad(paper, ATLAS + "arxivId", _lit(f"{2300 + i % 100:04d}.{i % 100000:05d}"), paper),
    ]
    for k in range(3):
        person = f"{RES}person/synthetic-{(i * 7 + k) % 50000}"
        out += [_quad(paper, DCT + "creator", f"<{person}>", paper),
                _quad(person, RDF_TYPE, f"<{FOAF}Person>", paper),
                _quad(person, FOAF + "name", _lit(f"Author {(i * 7 + k) % 50000}"), paper)]
    out += [
        _quad(ann, RDF_TYPE, f"<{ATLAS}Annotation>", ann),
        _quad(ann, RDF_TYPE, f"<{ATLAS}SolutionAnnotation>", ann),
        _quad(ann, OA + "hasTarget", f"<{paper}>", ann),
        _quad(ann, OA + "motivatedBy", f"<{OA}classifying>", ann),
        _quad(ann, ATLAS + "aboutMethod", f"<{ATLAS}{method}>", ann),
        _quad(ann, ATLAS + "aboutMechanism", f"<{ATLAS}{mechanism}>", ann),
        _quad(ann, ATLAS + "aboutAlignmentProblem", f"<{ATLAS}{rng.choice(PROBLEMS)}>", ann),
        _quad(ann, ATLAS + "evidence", _lit(f"Synthetic evidence for annotation {i}."), ann),
        _quad(ann, ATLAS + "provenanceStatus", f"<{ATLAS}CuratorInference>", ann),
        _quad(ann, PROV + "wasAttributedTo", f"<{RES}agent/llm-atlas-curators>", ann),
        _quad(ann, DCT + "created", _lit("2026-11-26", XSD + "date"), ann),
    ]
    out += [_quad(ann, ATLAS + "aboutAgencyProblem", f"<{ATLAS}{p}>", ann) for p in problems]
    out += [_quad(ann, ATLAS + "aboutPhase", f"<{ATLAS}{p}>", ann) for p in phases]
    return out


def shipped_quads() -> list[tuple[str, set[str]]]:
    """The shipped knowledge as N-Quads, graph by graph as `llm-atlas build` stores it, each
    with the IRIs it describes."""
    chunks = []
    for part in shipped_graphs(find_sources()):
        graph = ox.NamedNode(part.iri)
        quads = [ox.Quad(t.subject, t.predicate, t.object, graph) for t in part.triples]
        subjects = {t.subject.value for t in part.triples if isinstance(t.subject, ox.NamedNode)}
        chunks.append((ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode(), subjects))
    return chunks


@dataclass(frozen=True)
class Generated:
    """A generated N-Quads file: how many quads it holds and subjects to look up in it."""

    path: Path
    quads: int
    subjects: tuple[str, ...]  # IRIs described in the file, spread over all of it


def parse_scale(name: str) -> int:
    """`10k` -> 10_000, `5M` -> 5_000_000, `2500` -> 2500."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", name.strip())
    if not match:
        raise ValueError(f"scale {name!r}: write a number of triples such as 10k, 1M or 2500")
    factor = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * factor)


def _spread(items: list[str], limit: int) -> list[str]:
    step = max(1, len(items) // limit)
    return items[::step][:limit]


def write_dataset(path: Path, triples: int | None, seed: int = 7,
                  max_subjects: int = MAX_SUBJECTS) -> Generated:
    """Write the shipped knowledge plus synthetic papers up to about `triples` quads."""
    rng = random.Random(seed)
    count = 0
    shipped_subjects: set[str] = set()
    with path.open("w", encoding="utf-8") as out:
        for chunk, subjects in shipped_quads():
            out.write(chunk)
            count += chunk.count("\n")
            shipped_subjects |= subjects
        i = 0
        while triples is not None and count < triples:
            quads = paper_and_annotation(i, rng)
            out.writelines(quads)
            count += len(quads)
            i += 1
    synthetic = [f"{RES}{kind}/synthetic-{k}" for k in range(i) for kind in ("paper", "annotation")]
    subjects = sorted(shipped_subjects) + _spread(synthetic, max_subjects)
    return Generated(path, count, tuple(_spread(subjects, max_subjects)))
