"""One HermiT run at a time, shared by the submissions that wait for it.

HermiT starts a Java process per run (about a second, mostly JVM start-up) and two runs at once
are slower than two in a row, so runs are serialized. Submissions that arrive while a run is
going wait and are then checked together: OWL is monotonic, so when the ontology plus all of
their triples is consistent, each of them is; only when the batch is inconsistent is each one
checked on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph

from llm_atlas.core.checking.reasoning import reason


def hermit_consistent(graph: Graph) -> bool:
    """HermiT's verdict on one graph (ReasonerUnavailable when Java is missing)."""
    return reason(graph).consistent


@dataclass
class _Ticket:
    graph: Graph
    result: bool | None = None
    error: Exception | None = None


class ConsistencyGate:
    """Decide whether ontology + triples stay consistent, batching concurrent requests."""

    def __init__(self, check: Callable[[Graph], bool] = hermit_consistent):
        self._check = check
        self._pending: list[_Ticket] = []
        self._pending_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self.runs = 0  # reasoner runs so far, for tests and the benchmark

    def consistent(self, ontology: Graph, triples: Graph) -> bool:
        """True when the ontology plus the triples is consistent."""
        ticket = _Ticket(triples)
        with self._pending_lock:
            self._pending.append(ticket)
        with self._run_lock:
            if ticket.result is None and ticket.error is None:
                with self._pending_lock:
                    batch, self._pending = self._pending, []
                self._decide(ontology, batch)
        if ticket.error is not None:
            raise ticket.error
        return bool(ticket.result)

    def _run(self, graph: Graph) -> bool:
        self.runs += 1
        return self._check(graph)

    def _decide(self, ontology: Graph, batch: list[_Ticket]) -> None:
        try:
            if len(batch) > 1:
                union = ontology + Graph()
                for ticket in batch:
                    union += ticket.graph
                if self._run(union):
                    for ticket in batch:
                        ticket.result = True
                    return
            for ticket in batch:
                ticket.result = self._run(ontology + ticket.graph)
        except Exception as exc:  # noqa: BLE001 -- handed to every waiting submission
            for ticket in batch:
                if ticket.result is None:
                    ticket.error = exc
