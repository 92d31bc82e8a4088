"""Helpers of the fault tests: finding the engine process, writes whose outcome is checkable."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from live import live_processes, request


def children(pid: int) -> list[int]:
    """The live child processes of a process."""
    return [child for child, parent, _ in live_processes() if parent == pid]


def descendants(pid: int) -> list[int]:
    """The live processes below a process: its children, theirs, and so on."""
    found, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        found += kids
        todo += kids
    return found


def engine_pid(server_pid: int) -> int:
    """The embedded engine process of a server (a child of the server's HTTP worker)."""
    for pid in descendants(server_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"llm_atlas.store.embedded.serve" in cmdline:
            return pid
    raise LookupError(f"server {server_pid} has no engine process")


def app_pid(server_pid: int) -> int:
    """The process that runs the app: Granian's worker, the engine's parent."""
    stat = Path(f"/proc/{engine_pid(server_pid)}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def ask(url: str, query: str, timeout: float = 60):
    return request(f"{url}/sparql?" + urlencode({"query": query}),
                   headers={"Accept": "application/sparql-results+json"}, timeout=timeout)


def post_query(url: str, query: str | bytes, timeout: float = 60):
    """A query POSTed as application/sparql-query (a URL cannot carry a large one)."""
    body = query.encode() if isinstance(query, str) else query
    return request(f"{url}/sparql", "POST", body,
                   {"Content-Type": "application/sparql-query",
                    "Accept": "application/sparql-results+json"}, timeout=timeout)


def graphs_with_prefix(url: str, prefix: str) -> dict[str, int]:
    """Named graphs whose IRI starts with a prefix, with their triple counts."""
    reply = ask(url, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                     f"FILTER(STRSTARTS(STR(?g), {json.dumps(prefix)})) }} GROUP BY ?g")
    assert reply.status == 200, reply.body
    return {b["g"]["value"]: int(b["n"]["value"])
            for b in json.loads(reply.body)["results"]["bindings"]}


@dataclass
class WriteLog:
    """Writes sent to a server, each with the triples it carries and whether it was acknowledged.

    Every write creates one graph of `size` triples (SPARQL Update or Graph Store PUT), so
    after any crash each graph is either acknowledged and whole, or unacknowledged and whole
    or absent, never partial.
    """

    prefix: str
    acknowledged: dict[str, int] = field(default_factory=dict)
    attempted: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def graph(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def write(self, server, name: str, size: int, how: str) -> int:
        """One write of a new graph; its status (0 when the connection broke)."""
        iri = self.graph(name)
        triples = "\n".join(f"<urn:s:{name}> <urn:p:{i}> \"{i}\" ." for i in range(size))
        with self.lock:
            self.attempted[iri] = size
        try:
            if how == "update":
                reply = request(server.url + "/sparql/update", "POST",
                                f"INSERT DATA {{ GRAPH <{iri}> {{ {triples} }} }}".encode(),
                                {"Content-Type": "application/sparql-update", **server.auth},
                                timeout=120)
            else:
                reply = request(f"{server.url}/store?" + urlencode({"graph": iri}), "PUT",
                                triples.encode(),
                                {"Content-Type": "application/n-triples", **server.auth},
                                timeout=120)
            status = reply.status
        except OSError:
            status = 0
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status in (201, 204):
                self.acknowledged[iri] = size
        return status

    def check(self, url: str) -> tuple[int, int]:
        """Every acknowledged graph whole; every other one whole or absent. (kept, in flight)"""
        stored = graphs_with_prefix(url, self.prefix)
        for iri, size in self.acknowledged.items():
            assert stored.get(iri) == size, (iri, stored.get(iri), size)
        for iri, count in stored.items():
            assert iri in self.attempted, iri
            assert count == self.attempted[iri], (iri, count, self.attempted[iri])
        return len(self.acknowledged), len(set(stored) - set(self.acknowledged))
