"""Submissions under load and under a crash: every 201 is stored whole, the rest leave no trace."""

from __future__ import annotations

import json
import os
import random
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from rdflib import URIRef

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
    """200 submissions: new papers, stored papers, shared new papers, duplicates, invalid, junk."""
    docs = [Doc(f"load-new-{i}", solution_annotation(f"load-new-{i}"), {201}, f"load-new-{i}")
            for i in range(60)]
    docs += [Doc(f"load-stored-{i}", solution_annotation(
        f"load-stored-{i}", paper="lewis-2020-rag", describe_paper=False), {201})
        for i in range(40)]
    for i in range(10):  # two annotations of one new paper, sent at once: both are stored
        docs += [Doc(f"load-shared-{i}-{k}", solution_annotation(
            f"load-shared-{i}-{k}", paper=f"load-shared-{i}"), {201}, f"load-shared-{i}")
            for k in "ab"]
    for i in range(10):  # the same annotation twice: one 201, one 409
        text = solution_annotation(f"load-dup-{i}")
        docs += [Doc(f"load-dup-{i}", text, {201, 409}, f"load-dup-{i}") for _ in range(2)]
    docs += [Doc(f"load-invalid-{i}", solution_annotation(f"load-invalid-{i}", evidence="short"),
                 {422}) for i in range(40)]
    docs += [Doc(f"load-junk-{i}", solution_annotation(f"load-junk-{i}")[:-40], {400})
             for i in range(20)]
    assert len(docs) == 200
    random.Random(6).shuffle(docs)
    return docs


def post(server, doc: Doc) -> int:
    reply = request(server.url + "/annotations", "POST", doc.text.encode(),
                    {**TURTLE, **server.auth}, timeout=600)
    return reply.status


def test_200_concurrent_submissions_from_8_clients_add_up_exactly(tmp_path):
    server = Server(tmp_path, "--memory")
    try:
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
        assert len(accepted) == 60 + 40 + 20 + 10
    finally:
        server.stop()


def test_a_killed_server_keeps_every_acknowledged_annotation(tmp_path):
    data_dir = str(tmp_path / "store")
    server = Server(tmp_path, "--data-dir", data_dir)
    acknowledged: list[Doc] = []
    attempted: list[Doc] = []
    lock, stop = threading.Lock(), threading.Event()

    def client(n: int) -> None:
        i = 0
        while not stop.is_set():
            doc = Doc(f"crash-{n}-{i}", solution_annotation(f"crash-{n}-{i}"), {201},
                      f"crash-{n}-{i}")
            i += 1
            with lock:
                attempted.append(doc)
            try:
                status = post(server, doc)
            except OSError:
                return  # the server died under this request: not acknowledged
            if status == 201:
                with lock:
                    acknowledged.append(doc)

    clients = [threading.Thread(target=client, args=(n,)) for n in range(4)]
    for thread in clients:
        thread.start()
    deadline = time.monotonic() + 300
    while len(acknowledged) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.proc.pid, signal.SIGKILL)  # the server only, in the middle of submissions
    stop.set()
    for thread in clients:
        thread.join()
    server.proc.wait()
    assert len(acknowledged) >= 12
    # its engine notices (its stdin closes) and exits by itself, releasing the store's lock
    deadline = time.monotonic() + 30
    while live_members(server.proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_members(server.proc.pid) == [], "the engine outlived its server"
    server.stop()

    restarted = Server(tmp_path, "--data-dir", data_dir)
    try:
        health = json.loads(request(restarted.url + "/health").body)
        assert health["status"] == "ok"
        for doc in acknowledged:
            reply = request(restarted.url + f"/annotations/{doc.slug}",
                            headers={"Accept": "text/turtle"})
            assert reply.status == 200, doc.slug
            assert len(turtle_graph(reply.body)) == doc.annotation_triples() + PROVENANCE_TRIPLES
        for doc in attempted:  # in flight when killed: all there (both graphs) or nothing
            annotation = request(restarted.url + f"/annotations/{doc.slug}",
                                 headers={"Accept": "text/turtle"})
            paper = request(restarted.url + f"/store?graph={RES}paper/{doc.slug}",
                            headers={"Accept": "text/turtle"})
            if annotation.status == 200:
                assert len(turtle_graph(annotation.body)) == (doc.annotation_triples()
                                                              + PROVENANCE_TRIPLES)
                assert len(turtle_graph(paper.body)) == doc.paper_triples()
            else:
                assert (annotation.status, paper.status) == (404, 404), doc.slug
                assert mentions(restarted, doc.iri) == 0
    finally:
        restarted.stop()
