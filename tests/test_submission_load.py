"""Submissions under load and under a crash, on every backend: every 201 is stored whole, the
rest leave no trace; a remote engine that dies gives 502s that say so, and the service recovers."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from rdflib import URIRef

from backends import BACKENDS, claims_left, require, start_engine
from live import Server, live_members, request
from submissions_kit import (
    PROVENANCE_TRIPLES,
    RES,
    TURTLE,
    mentions,
    quad_count,
    solution_annotation,
    turtle_graph,
)

pytestmark = pytest.mark.slow


@dataclass
class Doc:
    """One submission of the mix and what it must get."""

    slug: str
    text: str
    expected: set[int]
    paper: str | None = None  # the new paper it describes, if any

    @property
    def iri(self) -> str:
        return RES + "annotation/" + self.slug

    def annotation_triples(self) -> int:
        graph = turtle_graph(self.text)
        return len(list(graph.triples((URIRef(self.iri), None, None))))

    def paper_triples(self) -> int:
        return len(turtle_graph(self.text)) - self.annotation_triples()


def the_mix() -> list[Doc]:
    """50 submissions: new papers, stored papers, shared new papers, duplicates, invalid, junk.

    (Each kind is there and they interleave; 200 took three to five minutes per backend with
    the 0.2.0 graph, and 100 more than a minute, and neither showed anything more.)
    """
    docs = [Doc(f"load-new-{i}", solution_annotation(f"load-new-{i}"), {201}, f"load-new-{i}")
            for i in range(14)]
    docs += [Doc(f"load-stored-{i}", solution_annotation(
        f"load-stored-{i}", paper="lewis-2020-rag", describe_paper=False), {201})
        for i in range(9)]
    for i in range(3):  # two annotations of one new paper, sent at once: both are stored
        docs += [Doc(f"load-shared-{i}-{k}", solution_annotation(
            f"load-shared-{i}-{k}", paper=f"load-shared-{i}"), {201}, f"load-shared-{i}")
            for k in "ab"]
    for i in range(3):  # the same annotation twice: one 201, one 409
        text = solution_annotation(f"load-dup-{i}")
        docs += [Doc(f"load-dup-{i}", text, {201, 409}, f"load-dup-{i}") for _ in range(2)]
    docs += [Doc(f"load-invalid-{i}", solution_annotation(f"load-invalid-{i}", evidence="short"),
                 {422}) for i in range(9)]
    docs += [Doc(f"load-junk-{i}", solution_annotation(f"load-junk-{i}")[:-40], {400})
             for i in range(6)]
    assert len(docs) == 50
    random.Random(6).shuffle(docs)
    return docs


def post(server, doc: Doc) -> int:
    reply = request(server.url + "/annotations", "POST", doc.text.encode(),
                    {**TURTLE, **server.auth}, timeout=600)
    return reply.status


def test_50_concurrent_submissions_from_8_clients_add_up_exactly(writable_backend_server):
    server = writable_backend_server
    docs = the_mix()
    before = quad_count(server)
    with ThreadPoolExecutor(max_workers=8) as clients:
        statuses = list(clients.map(lambda d: post(server, d), docs))
    for doc, status in zip(docs, statuses, strict=True):
        assert status in doc.expected, (doc.slug, status)
    for slug in {d.slug for d in docs if d.slug.startswith("load-dup-")}:
        got = sorted(s for d, s in zip(docs, statuses, strict=True) if d.slug == slug)
        assert got == [201, 409], (slug, got)

    accepted = {d.slug: d for d, s in zip(docs, statuses, strict=True) if s == 201}
    for doc in accepted.values():
        stored = request(server.url + f"/annotations/{doc.slug}",
                         headers={"Accept": "text/turtle"})
        assert stored.status == 200
        graph = turtle_graph(stored.body)
        assert len(graph) == doc.annotation_triples() + PROVENANCE_TRIPLES
    for doc, status in zip(docs, statuses, strict=True):
        if status in (400, 422):
            assert mentions(server, doc.iri) == 0, doc.slug

    papers = {d.paper: d.paper_triples() for d in accepted.values() if d.paper}
    added = (sum(d.annotation_triples() + PROVENANCE_TRIPLES for d in accepted.values())
             + sum(papers.values()))
    assert quad_count(server) == before + added
    assert len(accepted) == 14 + 9 + 6 + 3


class Submitters:
    """Clients that submit new annotations, each after the other, until told to stop.

    Every status is kept; a request that dies with the server (a broken connection) is not
    acknowledged.
    """

    def __init__(self, server: Server, prefix: str, clients: int = 4):
        self.server, self.prefix = server, prefix
        self.acknowledged: list[Doc] = []
        self.attempted: list[Doc] = []
        self.statuses: list[tuple[int, str]] = []  # (status, error message) of each answer
        self._lock, self._stop = threading.Lock(), threading.Event()
        self._threads = [threading.Thread(target=self._client, args=(n,))
                         for n in range(clients)]
        for thread in self._threads:
            thread.start()

    def _client(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            slug = f"{self.prefix}-{n}-{i}"
            doc = Doc(slug, solution_annotation(slug), {201}, slug)
            i += 1
            with self._lock:
                self.attempted.append(doc)
            try:
                reply = request(self.server.url + "/annotations", "POST", doc.text.encode(),
                                {**TURTLE, **self.server.auth}, timeout=600)
            except OSError:
                return  # the server died under this request: not acknowledged
            message = "" if reply.status < 400 else json.loads(reply.body)["error"]["message"]
            with self._lock:
                self.statuses.append((reply.status, message))
                if reply.status == 201:
                    self.acknowledged.append(doc)

    def wait_for(self, acknowledged: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while len(self.acknowledged) < acknowledged and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.acknowledged) >= acknowledged

    def wait_for_answers(self, answers: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.statuses) < answers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.statuses) >= answers

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()


def whole_or_absent(server: Server, submitters: Submitters) -> None:
    """Every acknowledged annotation is stored whole; one in flight at a crash is all there
    (both its graphs) or not at all."""
    for doc in submitters.acknowledged:
        reply = request(server.url + f"/annotations/{doc.slug}", headers={"Accept": "text/turtle"})
        assert reply.status == 200, doc.slug
        assert len(turtle_graph(reply.body)) == doc.annotation_triples() + PROVENANCE_TRIPLES
    for doc in submitters.attempted:
        annotation = request(server.url + f"/annotations/{doc.slug}",
                             headers={"Accept": "text/turtle"})
        paper = request(server.url + f"/store?graph={RES}paper/{doc.slug}",
                        headers={"Accept": "text/turtle"})
        if annotation.status == 200:
            assert len(turtle_graph(annotation.body)) == (doc.annotation_triples()
                                                          + PROVENANCE_TRIPLES)
            assert len(turtle_graph(paper.body)) == doc.paper_triples()
        else:
            assert (annotation.status, paper.status) == (404, 404), doc.slug
            assert mentions(server, doc.iri, besides_claims=True) == 0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_server_keeps_every_acknowledged_annotation(tmp_path, backend):
    require(backend)
    engine = None if backend == "embedded" else start_engine(backend, tmp_path / "engine")
    args = ("--data-dir", str(tmp_path / "store")) if engine is None else engine.store_args
    try:
        server = Server(tmp_path, *args)
        submitters = Submitters(server, "crash")
        submitters.wait_for(acknowledged=12)
        os.kill(server.proc.pid, signal.SIGKILL)  # the server only, in the middle of submissions
        submitters.stop()
        server.proc.wait()
        if engine is None:  # its engine process notices (stdin closes), releasing the store
            deadline = time.monotonic() + 30
            while live_members(server.proc.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert live_members(server.proc.pid) == [], "the engine outlived its server"
        server.stop()

        restarted = Server(tmp_path, *args)
        try:
            assert json.loads(request(restarted.url + "/health").body)["status"] == "ok"
            whole_or_absent(restarted, submitters)
        finally:
            restarted.stop()
    finally:
        if engine is not None:
            engine.stop()


@pytest.mark.parametrize("backend", ["oxigraph", "virtuoso"])
def test_a_killed_engine_gives_502s_that_say_so_and_the_service_recovers(tmp_path, backend):
    """The engine dies under concurrent submissions: every answer is a 201 or a 502 naming the
    unreachable engine; reads are 502 and /health 503 while it is down; once it is back,
    submissions and reads work again, no claim is left, and nothing is half written."""
    engine = start_engine(backend, tmp_path / "engine")
    server = Server(tmp_path, *engine.store_args)
    query = f"{server.url}/sparql?" + urlencode({"query": "ASK { ?s ?p ?o }"})
    accept = {"Accept": "application/sparql-results+json"}
    try:
        submitters = Submitters(server, "engine-crash")
        submitters.wait_for(acknowledged=8)
        engine.stop()  # SIGKILL, in the middle of submissions
        answered = len(submitters.statuses)
        submitters.wait_for_answers(answered + 8)  # answers while the engine is gone
        down = request(query, headers=accept)
        health = request(server.url + "/health")
        submitters.stop()
        assert down.status == 502
        assert "cannot be reached" in json.loads(down.body)["error"]["message"]
        assert health.status == 503 and json.loads(health.body)["status"] == "unavailable"
        failed = [(s, m) for s, m in submitters.statuses if s != 201]
        assert failed and all(s == 502 and "cannot be reached" in m for s, m in failed), failed

        engine.start()
        assert request(query, headers=accept).status == 200
        assert request(server.url + "/health").status == 200
        after = Doc("after-the-crash", solution_annotation("after-the-crash"), {201})
        reply = request(server.url + "/annotations", "POST", after.text.encode(),
                        {**TURTLE, **server.auth})
        assert reply.status == 201, reply.body
        assert claims_left(engine) == 0  # claims the dead engine kept were withdrawn since
        whole_or_absent(server, submitters)
    finally:
        server.stop()
        engine.stop()
