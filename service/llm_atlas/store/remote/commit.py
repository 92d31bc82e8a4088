"""A submission or retraction on a remote engine: the check and the write as one request.

What an engine promises one SPARQL update request, and what it does not:

- **Oxigraph's server** (0.5) runs a request as one transaction: applied whole or not at all,
  reading a snapshot taken when it starts ("repeatable read" in its documentation). Its commit
  does not check what other requests wrote meanwhile, so two concurrent requests that each find
  a graph absent both write it.
- **Virtuoso 7** runs a request as one transaction too; its default isolation is read committed
  (`DefaultIsolation` in virtuoso.ini; SPARQL cannot raise it per request): reads see committed
  data only and take no locks, so the same race holds.

Measured here: eight concurrent `INSERT {..} WHERE { FILTER NOT EXISTS {..} }` of one graph all
landed on Virtuoso, and more than one landed in half the trials on Oxigraph's server. A
condition inside the update is necessary (it makes the check and the write one request) but
not sufficient, so writers first claim the graphs they depend on:

1. **claim**: one INSERT DATA puts a claim (a fresh token and the time) on each graph the write
   depends on, in a graph of its own, `urn:llm-atlas:claim:TOKEN`;
2. **look**: read every claim on those graphs. Each engine shows a read every update committed
   before the read began, so of two writers whose claims overlap, whichever looks second sees
   the other's claim: at most one sees only its own. Seeing another (live) claim, a writer
   withdraws its own, waits a random moment and starts again, until its deadline;
3. **write**: one update inserts the data only if the graphs that must be new hold nothing and
   those that must exist hold something, and marks the claim graph in the same template; a
   second operation of the same request empties the graphs to drop when the mark is there;
4. **read the mark**: it says whether the write landed; if not, GraphExists or GraphMissing
   names the condition that failed;
5. **withdraw**: drop the claim graph (and the names of the graphs emptied in step 3).

A claim older than `stale_after` seconds is a writer that died between steps 1 and 5; the next
writer drops it. Within one service the writes are also serialized by the store's write lock,
so claims only ever meet claims of other service instances on the same engine.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyoxigraph as ox

from llm_atlas.core.sparql.internal import ask, select
from llm_atlas.errors import GraphExists, GraphMissing, StoreBusy, StoreFault
from llm_atlas.store.remote.text import checked, iri_term, ntriples

CLAIM_PREFIX = "urn:llm-atlas:claim:"
CLAIMED_AT = "urn:llm-atlas:claimedAt"
LANDED = "urn:llm-atlas:landed"
XSD_DATETIME = "http://www.w3.org/2001/XMLSchema#dateTime"


@dataclass
class Write:
    """What one commit asks: the data by graph, and the conditions it is written under."""

    graphs: dict  # graph NamedNode -> list of triples
    must_be_new: list[str]
    must_exist: list[str]
    drop: list[str]
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def claim(self) -> str:
        return CLAIM_PREFIX + self.token

    @property
    def keys(self) -> list[str]:
        """The graphs this write depends on (claimed before it is made)."""
        return sorted(set(self.must_be_new) | set(self.must_exist) | set(self.drop))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def claim_text(write: Write) -> str:
    at = f'"{_now()}"^^<{XSD_DATETIME}>'
    body = " ".join(f"<{checked(key)}> <{CLAIMED_AT}> {at} ." for key in write.keys)
    return f"INSERT DATA {{ GRAPH <{write.claim}> {{ {body} }} }}"


def write_text(write: Write) -> str:
    """The conditional write: insert (with the mark) if the conditions hold, then drop.

    The conditions hang on a one-row VALUES: Virtuoso ignores FILTER (NOT) EXISTS in a WHERE
    group that has no pattern of its own (or only a BIND), where the standard evaluates them.
    """
    conditions = [f"FILTER NOT EXISTS {{ GRAPH <{checked(g)}> {{ ?s ?p ?o }} }}"
                  for g in write.must_be_new]
    conditions += [f"FILTER EXISTS {{ GRAPH <{checked(g)}> {{ ?s ?p ?o }} }}"
                   for g in write.must_exist]
    mark = f"GRAPH <{write.claim}> {{ <{write.claim}> <{LANDED}> <{write.claim}> }}"
    blocks = " ".join(f"GRAPH {graph} {{ {ntriples(triples)} }}"
                      for graph, triples in write.graphs.items())
    ops = [f"INSERT {{ {blocks} {mark} }} WHERE {{ VALUES ?go {{ true }} "
           f"{' '.join(conditions)} }}"]
    ops += [f"DELETE {{ GRAPH <{checked(g)}> {{ ?s ?p ?o }} }} WHERE {{ {mark} "
            f"GRAPH <{checked(g)}> {{ ?s ?p ?o }} }}" for g in write.drop]
    return " ;\n".join(ops)


def split_quads(nquads: bytes) -> dict:
    """N-Quads by named graph, as triples."""
    graphs: dict = {}
    for quad in ox.parse(nquads, format=ox.RdfFormat.N_QUADS):
        graphs.setdefault(quad.graph_name, []).append(
            ox.Triple(quad.subject, quad.predicate, quad.object))
    return graphs


class ClaimedCommit:
    """Runs the five steps above for one write on a RemoteStore."""

    def __init__(self, store, write: Write, *, deadline: float, stale_after: float):
        self.store, self.write = store, write
        self.deadline, self.stale_after = deadline, stale_after

    def run(self) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:  # (withdrawn even when the claim's own request failed: it may have landed)
                self.store.update(claim_text(self.write))
                if self._alone():
                    self._write_and_check()
                    return
            finally:
                self.store.withdraw(self.write.claim)
            self._refuse_if_decided()
            if time.monotonic() > self.deadline:
                raise StoreBusy("another service instance is writing the same annotation "
                                "graphs; send the request again in a moment")
            time.sleep(random.uniform(0.01, 0.05) * min(attempt, 10))

    def _alone(self) -> bool:
        """True when no live claim but ours is on our graphs (stale ones are dropped)."""
        others = False
        rows = select(self.store, "commit_claims", claimedAt=CLAIMED_AT,
                      key=[iri_term(key) for key in self.write.keys])
        for row in rows:
            claim, at = str(row["claim"]), str(row["at"])
            if claim == self.write.claim:
                continue
            if _age(at) > self.stale_after:
                self.store.withdraw(claim)
                continue
            others = True
        return not others

    def _write_and_check(self) -> None:
        self.store.update(write_text(self.write))
        if ask(self.store, "commit_landed", claim=self.write.claim, landed=LANDED):
            for graph in self.write.drop:  # emptied in the write; its name goes too
                self.store.update(f"DROP SILENT GRAPH <{checked(graph)}>")
            return
        self._refuse_if_decided()
        raise StoreFault("the engine did not apply the conditional write although its "
                         "conditions hold now; a writer outside this service changed the graphs")

    def _refuse_if_decided(self) -> None:
        """GraphExists or GraphMissing when a condition already fails (no need to wait)."""
        for graph in self.write.must_be_new:
            if ask(self.store, "graph_has_triples", graph=iri_term(graph)):
                raise GraphExists(graph)
        for graph in self.write.must_exist:
            if not ask(self.store, "graph_has_triples", graph=iri_term(graph)):
                raise GraphMissing(graph)


def _age(at: str) -> float:
    """Seconds since an xsd:dateTime claim time (a claim we cannot read counts as stale)."""
    try:
        moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return float("inf")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (datetime.now(UTC) - moment).total_seconds()
