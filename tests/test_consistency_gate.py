"""The HermiT gate: one run at a time, shared by waiting submissions, exact for each of them."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rdflib import Graph, URIRef

from llm_atlas.core.checking.consistency import ConsistencyGate

BAD = URIRef("urn:bad")


def graph(*names: str) -> Graph:
    g = Graph()
    for name in names:
        g.add((URIRef(f"urn:{name}"), URIRef("urn:p"), URIRef("urn:o")))
    return g


class SlowChecker:
    """A stand-in for HermiT: slow, never two at once, inconsistent when urn:bad is there."""

    def __init__(self):
        self.running = threading.Lock()
        self.sizes: list[int] = []

    def __call__(self, g: Graph) -> bool:
        assert self.running.acquire(blocking=False), "two runs at once"
        try:
            time.sleep(0.05)
            self.sizes.append(len(g))
            return (BAD, None, None) not in g
        finally:
            self.running.release()


def test_concurrent_checks_share_runs_and_each_gets_its_own_verdict():
    checker = SlowChecker()
    gate = ConsistencyGate(checker)
    names = [f"ok{i}" for i in range(15)] + ["bad"]
    with ThreadPoolExecutor(8) as pool:
        verdicts = dict(zip(names, pool.map(lambda n: gate.consistent(Graph(), graph(n)), names),
                            strict=True))
    assert verdicts == {n: n != "bad" for n in names}
    assert gate.runs < len(names) + 4  # batched: far fewer runs than one each plus fallbacks
    assert max(checker.sizes) > 1


def test_a_lone_check_runs_once_with_the_ontology():
    checker = SlowChecker()
    gate = ConsistencyGate(checker)
    assert gate.consistent(graph("onto"), graph("a")) is True
    assert checker.sizes == [2] and gate.runs == 1


def test_a_reasoner_failure_reaches_every_waiting_caller():
    def broken(_g: Graph) -> bool:
        time.sleep(0.05)
        raise RuntimeError("no java")

    gate = ConsistencyGate(broken)
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(gate.consistent, Graph(), graph(str(i))) for i in range(4)]
    for future in futures:
        with pytest.raises(RuntimeError, match="no java"):
            future.result()
