"""32 clients for 60 s of mixed reads and submissions: no 5xx, every answer checked, every 201
found stored afterwards, latencies recorded.

Reads are chosen so that the concurrent submissions cannot change their right answer (the
ontology's own statements, named questions over the ontology), or so that the change is known
(the matrix may only gain papers that were submitted); each answer is parsed and compared.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDFS, SKOS

from live import Server, request
from submissions_kit import (
    PROVENANCE_TRIPLES,
    RES,
    TURTLE,
    quad_count,
    solution_annotation,
    turtle_graph,
)
from test_sparql_clients import PROLOGUE, SELECTS, canonical, expected_rows, parse_json

pytestmark = pytest.mark.slow

CLIENTS = 32
SECONDS = 60
SUBMIT_EVERY = 12.0  # seconds between two submissions of one client
GOLDEN = Path(__file__).parent.parent / "golden"
# named questions over the ontology alone: submissions of annotations cannot change them
STABLE_QUESTIONS = ["asymmetry-behind-problem", "mechanism-initiators", "methods-across-phases",
                    "methods-realizing-mechanism", "phases-in-order",
                    "problems-mitigated-by-method"]
STABLE_SELECTS = ["mechanisms-for-moral-hazard", "phases-in-order"]
ATLAS = "https://w3id.org/llm-atlas/ontology/"
TERMS = ["MoralHazard", "Signaling", "RLHF", "GuardModel", "Deployment", "AdverseSelection",
         "Monitoring", "Annotation", "addresses", "realizes"]
GRAPH_ACCEPT = {"text/turtle": "turtle", "application/ld+json": "json-ld"}


@dataclass
class Tally:
    """One client's counts."""

    statuses: dict[int, int] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    read_seconds: list[float] = field(default_factory=list)
    submit_seconds: list[float] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    attempted: list[str] = field(default_factory=list)
    shed: list[str] = field(default_factory=list)  # 503 with Retry-After: checkers all busy


def rows_of(body: bytes) -> list[dict]:
    return [{k: v["value"] for k, v in b.items()}
            for b in json.loads(body)["results"]["bindings"]]


def without_papers(matrix: dict) -> dict:
    """The matrix with each method's papers removed (what submissions of RAG cannot change)."""
    cells = [{**c, "gap": None, "mechanisms": [
        {**m, "methods": [{k: v for k, v in meth.items() if k != "papers"}
                          for meth in m["methods"]]} for m in c["mechanisms"]]}
        for c in matrix["cells"]]
    return {**matrix, "cells": cells}


def papers(matrix: dict) -> dict[tuple, set[str]]:
    return {(c["phase"], c["problem"], m["iri"], meth["iri"]): {p["iri"] for p in meth["papers"]}
            for c in matrix["cells"] for m in c["mechanisms"] for meth in m["methods"]}


class Expected:
    """The right answer of every read, computed before the load from the sources."""

    def __init__(self, knowledge: Graph, ontology: Graph, matrix: dict):
        self.selects = {n: canonical(expected_rows(knowledge, SELECTS[n])) for n in STABLE_SELECTS}
        self.golden = {n: json.loads((GOLDEN / f"{n}.json").read_text())["rows"]
                       for n in STABLE_QUESTIONS}
        self.terms = {t: (ontology.value(URIRef(ATLAS + t), RDFS.label),
                          ontology.value(URIRef(ATLAS + t), SKOS.definition)) for t in TERMS}
        self.matrix_shape, self.matrix_papers = without_papers(matrix), papers(matrix)

    def matrix_ok(self, matrix: dict, submitted: set[str]) -> bool:
        if without_papers(matrix) != self.matrix_shape:
            return False
        now = papers(matrix)
        return now.keys() == self.matrix_papers.keys() and all(
            self.matrix_papers[k] <= found and found - self.matrix_papers[k] <= submitted
            for k, found in now.items())


def reads(server, expected: Expected, submitted: set[str]) -> list:
    """Each read: (label, function -> (status, wrong-or-None))."""
    def select(name):
        def run():
            reply = request(f"{server.url}/sparql?" + urlencode(
                {"query": PROLOGUE + SELECTS[name]}),
                headers={"Accept": "application/sparql-results+json"})
            ok = (reply.content_type == "application/sparql-results+json"
                  and canonical(parse_json(reply.body)) == expected.selects[name])
            return reply.status, ok
        return run

    def lookup(term):
        def run():
            query = f"SELECT ?label WHERE {{ <{ATLAS}{term}> rdfs:label ?label }}"
            reply = request(f"{server.url}/sparql?" + urlencode({"query": PROLOGUE + query}),
                            headers={"Accept": "application/sparql-results+json"})
            ok = rows_of(reply.body) == [{"label": str(expected.terms[term][0])}]
            return reply.status, ok
        return run

    def question(name):
        def run():
            reply = request(f"{server.url}/queries/{name}",
                            headers={"Accept": "application/sparql-results+json"})
            return reply.status, rows_of(reply.body) == expected.golden[name]
        return run

    def term_page(term, accept):
        def run():
            reply = request(f"{server.url}/ontology/{quote(term)}", headers={"Accept": accept})
            graph = Graph().parse(data=reply.body, format=GRAPH_ACCEPT[accept])
            label, definition = expected.terms[term]
            node = URIRef(ATLAS + term)
            ok = (reply.content_type.startswith(accept) and (node, RDFS.label, label) in graph
                  and (node, SKOS.definition, definition) in graph)
            return reply.status, ok
        return run

    def matrix():
        reply = request(f"{server.url}/matrix", headers={"Accept": "application/json"})
        return reply.status, expected.matrix_ok(json.loads(reply.body), set(submitted))

    work = [(f"select {n}", select(n)) for n in STABLE_SELECTS]
    work += [(f"lookup {t}", lookup(t)) for t in TERMS]
    work += [(f"question {n}", question(n)) for n in STABLE_QUESTIONS]
    work += [(f"term {t} {a}", term_page(t, a)) for t in TERMS[:5] for a in GRAPH_ACCEPT]
    work += [("matrix", matrix)]
    return work


def submit(server, slug: str) -> int:
    reply = request(server.url + "/annotations", "POST", solution_annotation(slug).encode(),
                    {**TURTLE, **server.auth}, timeout=300)
    if reply.status == 201:
        assert reply.headers["location"].endswith(f"/resource/annotation/{slug}")
    if reply.status == 503 and "retry-after" not in {k.lower() for k in reply.headers}:
        return 0  # a 503 that does not say when to come back is a fault, not shedding
    return reply.status


def client(server, index: int, work: list, submitted: set[str], lock) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + SECONDS
    next_submission = time.monotonic() + (index % 12)  # spread the clients' submissions
    i, n = index, 0
    while time.monotonic() < deadline:
        started = time.monotonic()
        if started >= next_submission:
            slug = f"rel-load-{index}-{n}"
            n += 1
            with lock:
                submitted.add(RES + "paper/" + slug)
            tally.attempted.append(slug)
            status = submit(server, slug)
            tally.submit_seconds.append(time.monotonic() - started)
            if status == 201:
                tally.acknowledged.append(slug)
            elif status == 503:
                tally.shed.append(slug)
            else:
                tally.wrong.append(f"submission {slug}: {status}")
            next_submission = time.monotonic() + SUBMIT_EVERY
        else:
            label, run = work[i % len(work)]
            i += 1
            try:
                status, ok = run()
            except ValueError as exc:  # an answer that does not parse is a wrong answer
                status, ok = 200, False
                label += f" ({exc})"
            tally.read_seconds.append(time.monotonic() - started)
            if status == 200 and not ok:
                tally.wrong.append(label)
            elif status != 200:
                tally.wrong.append(f"{label}: {status}")
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
    return tally


def test_32_clients_for_60_seconds_of_reads_and_submissions(tmp_path, knowledge, ontology,
                                                           figures):
    # Every client is on 127.0.0.1, as behind a proxy: one address may read as many bodies at
    # once as the server allows (README). Submissions past the checkers' places are shed with
    # 503 and Retry-After, as they are meant to be; a shed one must have left nothing behind.
    server = Server(tmp_path, "--memory", env={"LLM_ATLAS_MAX_BODY_READS_PER_CLIENT": "8"})
    try:
        # one submission first, so the matrix's shape already holds what later ones add
        assert submit(server, "rel-load-warmup") == 201
        matrix = json.loads(request(server.url + "/matrix",
                                    headers={"Accept": "application/json"}).body)
        expected = Expected(knowledge, ontology, matrix)
        before = quad_count(server)
        submitted: set[str] = set()
        lock = threading.Lock()
        work = reads(server, expected, submitted)
        with ThreadPoolExecutor(CLIENTS) as pool:
            tallies = list(pool.map(lambda k: client(server, k, work, submitted, lock),
                                    range(CLIENTS)))
        statuses: dict[int, int] = {}
        for tally in tallies:
            for status, count in tally.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
                figures.sent(status, count)
        wrong = [w for t in tallies for w in t.wrong]
        reads_s = [s for t in tallies for s in t.read_seconds]
        submits_s = [s for t in tallies for s in t.submit_seconds]
        figures.timed("load reads (32 clients)", reads_s)
        figures.timed("load submissions (32 clients)", submits_s)
        acknowledged = [slug for t in tallies for slug in t.acknowledged]
        figures.note(f"load: {sum(statuses.values())} requests from {CLIENTS} clients in "
                     f"{SECONDS} s ({len(reads_s)} reads, {len(submits_s)} submissions), "
                     f"statuses {dict(sorted(statuses.items()))}, {len(wrong)} wrong")
        shed = [slug for t in tallies for slug in t.shed]
        figures.note(f"load: {len(acknowledged)} submissions stored, {len(shed)} shed with 503")
        assert not wrong, wrong[:20]
        assert {200, 201} <= set(statuses) <= {200, 201, 503}, statuses
        # the checkers' throughput bounds the stored count (two checkers, a few seconds of
        # SHACL and HermiT each); this asks only that submissions really ran under the load
        assert len(reads_s) > CLIENTS * 20 and len(acknowledged) >= CLIENTS // 4
        figures.checked("load answers", len(reads_s))
        for slug in shed:
            assert request(server.url + f"/annotations/{slug}").status == 404, slug

        added = 0
        for slug in acknowledged:
            stored = request(server.url + f"/annotations/{slug}",
                             headers={"Accept": "text/turtle"})
            assert stored.status == 200, slug
            text = solution_annotation(slug)
            sent = turtle_graph(text)
            annotation = URIRef(RES + "annotation/" + slug)
            mine = len(list(sent.triples((annotation, None, None))))
            graph = turtle_graph(stored.body)
            assert len(graph) == mine + PROVENANCE_TRIPLES, slug
            assert set(sent.triples((annotation, None, None))) <= set(graph), slug
            paper = request(server.url + f"/store?graph={RES}paper/{slug}",
                            headers={"Accept": "text/turtle"})
            assert paper.status == 200, slug
            assert len(turtle_graph(paper.body)) == len(sent) - mine
            added += len(sent) + PROVENANCE_TRIPLES
        assert quad_count(server) == before + added
        figures.checked("acknowledged submissions found stored", len(acknowledged))
    finally:
        server.stop()
