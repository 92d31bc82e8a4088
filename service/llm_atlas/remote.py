"""The remote store: any SPARQL 1.1 Protocol engine, reached through SPARQLWrapper.

Results are parsed and written again with our own writers, so formats, row limits and errors
stay ours whatever engine answers: a remote timeout is our 503, a remote 4xx our 400 with its
message, an unreachable engine our 502.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
from dataclasses import dataclass

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from .errors import EngineUnreachable, QuerySyntaxError, QueryTimeout, StoreFault
from .guard import analyse
from .results import GRAPH_FORMATS, ResultTooLarge, encode_result

log = logging.getLogger("llm_atlas.remote")


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to the engine: basic (user, password) or a bearer token."""

    kind: str  # "basic" or "bearer"
    secret: str  # "user:password" for basic, the token for bearer

    def header(self) -> str:
        if self.kind == "basic":
            return "Basic " + base64.b64encode(self.secret.encode()).decode()
        return "Bearer " + self.secret

    def __repr__(self) -> str:  # never show the secret in logs or tracebacks
        return f"Credentials(kind={self.kind!r}, secret=***)"


_STATUS_OF_WRAPPER_ERROR = {"QueryBadFormed": 400, "EndPointNotFound": 404,
                            "Unauthorized": 401, "URITooLong": 414,
                            "EndPointInternalError": 500}


def parse_credentials(setting: str | None) -> Credentials | None:
    """`basic:USER:PASSWORD` or `bearer:TOKEN` (the --store-auth setting) as Credentials."""
    if not setting:
        return None
    kind, _, secret = setting.partition(":")
    if kind not in ("basic", "bearer") or not secret:
        raise ValueError("--store-auth must read basic:USER:PASSWORD or bearer:TOKEN")
    return Credentials(kind, secret)


def _graph_ask(iri: str) -> str:
    """Is there a graph of this name: one with triples, or an empty one the engine keeps.

    `GRAPH <g> { }` alone would do on Oxigraph, but Virtuoso answers it true for any IRI (and
    keeps no empty graphs), so the graphs with triples are asked for first.
    """
    graph = f"<{_checked(iri)}>"
    return (f"ASK {{ {{ GRAPH {graph} {{ ?s ?p ?o }} }} UNION "
            f"{{ GRAPH ?g {{ }} FILTER(?g = {graph}) }} }}")


def _with_base(text: str, base_iri: str | None) -> str:
    """The text with our base IRI declared first: the protocol has no parameter for it, and
    Virtuoso would otherwise leave relative IRIs unresolved (its own BASE comes after ours)."""
    return text if not base_iri else f"BASE <{_checked(base_iri)}>\n{text}"


def _checked(iri: str) -> str:
    """An IRI safe to place between angle brackets (our own names, or ones the guard passed)."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise QuerySyntaxError(f"<{iri}> is not a valid IRI")
    return iri


class RemoteStore:
    """The store interface over a SPARQL query endpoint and its update endpoint."""

    backend = "remote"

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 credentials: Credentials | None = None, timeout: float = 30.0,
                 max_rows: int = 100_000, retries: int = 2):
        self.query_url, self.update_url = query_url, update_url or query_url
        self.credentials, self.timeout, self.max_rows = credentials, timeout, max_rows
        self.retries = retries

    def start(self) -> None:
        """Nothing to start: the engine runs elsewhere."""

    def close(self) -> None:
        """Nothing to stop."""

    # -- transport ---------------------------------------------------------------------------
    def _wrapper(self, url: str, timeout: float) -> SPARQLWrapper:
        wrapper = SPARQLWrapper(url)
        wrapper.setMethod(POST)
        wrapper.setRequestMethod(URLENCODED)
        wrapper.setOnlyConneg(True)
        wrapper.setTimeout(max(1, int(timeout + 0.999)))
        if self.credentials is not None:
            wrapper.addCustomHttpHeader("Authorization", self.credentials.header())
        return wrapper

    def _send(self, wrapper: SPARQLWrapper, *, read: bool, timeout: float) -> bytes:
        attempts = self.retries + 1 if read else 1
        for attempt in range(attempts):
            try:
                return wrapper.query().response.read()
            except SPARQLWrapperException as exc:
                # SPARQLWrapper turns HTTP errors into its own; its text carries the response
                status = _STATUS_OF_WRAPPER_ERROR.get(type(exc).__name__, 500)
                self._raise_http(status, str(exc).split("Response:", 1)[-1].strip())
            except urllib.error.HTTPError as exc:
                self._raise_http(exc.code, exc.read().decode("utf-8", "replace").strip())
            except TimeoutError:
                raise QueryTimeout(
                    f"the query ran past the {timeout:g} s limit and was abandoned; narrow it "
                    "(add LIMIT, more selective patterns) and try again") from None
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError):
                    raise QueryTimeout(f"the query ran past the {timeout:g} s limit") from None
                if attempt + 1 < attempts:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                raise EngineUnreachable(f"the SPARQL engine at {wrapper.endpoint} cannot be "
                                        f"reached: {reason}") from None
        raise AssertionError("unreachable")

    @staticmethod
    def _raise_http(status: int, body: str) -> None:
        body = body.removeprefix("b'").removesuffix("'")
        if status in (401, 403):
            raise StoreFault(f"the SPARQL engine refused our credentials ({status}); check "
                             "--store-auth") from None
        if 400 <= status < 500:
            raise QuerySyntaxError(f"the SPARQL engine refused the request ({status}): "
                                   f"{body[:500]}") from None
        lowered = body.lower()
        if "timeout" in lowered or "timed out" in lowered:
            raise QueryTimeout(f"the SPARQL engine stopped the query at its limit: {body[:300]}")
        if "estimated execution time" in lowered:  # Virtuoso refuses before it starts
            raise QueryTimeout("the SPARQL engine estimated that the query would run past its "
                               f"time limit and refused it: {body[:300]}")
        raise StoreFault(f"the SPARQL engine failed ({status}): {body[:500]}") from None

    # -- the store interface -----------------------------------------------------------------
    def query(self, text: str, *, default_graphs=None, named_graphs=None,
              solution_format: str = "json", graph_format: str = "turtle",
              timeout: float | None = None, base_iri: str | None = None) -> tuple[str, bytes]:
        timeout = timeout or self.timeout
        wrapper = self._wrapper(self.query_url, timeout)
        wrapper.setQuery(_with_base(text, base_iri))
        # SPARQLWrapper guesses the form from any keyword in the text (INSERT in a comment
        # would make it send `update=`); our lexer knows the form.
        form = analyse(text).form or "SELECT"
        wrapper.queryType = form
        for graph in default_graphs or []:
            wrapper.addDefaultGraph(graph)
        for graph in named_graphs or []:
            wrapper.addNamedGraph(graph)
        # One type per form: Virtuoso answers a CONSTRUCT that accepts results JSON with s/p/o
        # bindings in which blank nodes pose as IRIs.
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        wrapper.addCustomHttpHeader("Accept", "application/n-triples" if graph_form
                                    else "application/sparql-results+json")
        wrapper.setReturnFormat(JSON)
        body = self._send(wrapper, read=True, timeout=timeout)
        return self._encode(body, graph_form, solution_format, graph_format)

    def _encode(self, body: bytes, graph_form: bool, solution_format: str, graph_format: str):
        try:
            if not graph_form:
                body = _plain_bnode_labels(body)
                result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            else:
                result = (ox.Triple(q.subject, q.predicate, q.object) for q in
                          ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            return encode_result(result, solution_format, graph_format, self.max_rows)
        except ResultTooLarge:
            raise
        except (SyntaxError, ValueError) as exc:
            raise StoreFault(f"the SPARQL engine answered something unreadable: {exc}") from None

    def update(self, text: str, base_iri: str | None = None) -> None:
        wrapper = self._wrapper(self.update_url, self.timeout)
        wrapper.setQuery(_with_base(text, base_iri))
        wrapper.queryType = "INSERT"  # an update, whatever its first keyword
        self._send(wrapper, read=False, timeout=self.timeout)

    def graph_exists(self, iri: str) -> bool:
        _, body = self.query(_graph_ask(iri))
        return bool(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    def named_graphs(self) -> list[str]:
        _, body = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(s["g"].value for s in
                      ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))

    def get_graph(self, iri: str | None, fmt: str = "turtle") -> bytes | None:
        if iri is not None and not self.graph_exists(iri):
            return None
        where = f"GRAPH <{_checked(iri)}> {{ ?s ?p ?o }}" if iri else "?s ?p ?o"
        _, body = self.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ {where} }}", graph_format=fmt)
        return body

    def write_graph(self, iri: str | None, data: bytes, fmt: str, *, replace: bool,
                    base_iri: str | None = None, must_be_new: bool = False) -> bool:
        """One update request that replaces or extends the graph (atomic on the engine)."""
        from .errors import GraphExists

        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(data, format=GRAPH_FORMATS[fmt][1], base_iri=base_iri)]
        existed = iri is None or self.graph_exists(iri)
        if must_be_new and existed:
            raise GraphExists(iri)
        target = "DEFAULT" if iri is None else f"GRAPH <{_checked(iri)}>"
        ops = [f"DROP SILENT {target}"] if replace else []
        ops += insert_operations(iri, triples, batch=len(triples) + 1)
        if iri is not None and not triples:  # kept as an empty graph where the engine can
            ops.append(f"CREATE SILENT {target}")
        self.update(" ;\n".join(ops))
        return not existed

    def drop_graph(self, iri: str | None) -> bool:
        if iri is not None and not self.graph_exists(iri):
            return False
        # SILENT: Virtuoso refuses a plain DROP of a graph it did not see created by CREATE
        self.update("DROP SILENT DEFAULT" if iri is None
                    else f"DROP SILENT GRAPH <{_checked(iri)}>")
        return True

    def commit(self, nquads: bytes, *, must_be_new=(), must_exist=(), drop=()) -> int:
        """Check the graphs, then drop graphs and add N-Quads in one update request.

        The engine runs the one request as it runs any update (atomically on Oxigraph); the
        graph checks are separate ASK queries, so unlike the embedded store a concurrent writer
        could slip in between.
        """
        from .errors import GraphExists, GraphMissing

        for iri in must_be_new:
            if self.graph_exists(iri):
                raise GraphExists(iri)
        for iri in must_exist:
            if not self.graph_exists(iri):
                raise GraphMissing(iri)
        quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
        graphs: dict = {}
        for quad in quads:
            graphs.setdefault(quad.graph_name, []).append(
                ox.Triple(quad.subject, quad.predicate, quad.object))
        ops = [f"DROP SILENT GRAPH <{_checked(iri)}>" for iri in drop]
        if graphs:
            nt = ox.RdfFormat.N_TRIPLES
            blocks = " ".join(f"GRAPH {g} {{ {(ox.serialize(ts, format=nt) or b'').decode()} }}"
                              for g, ts in graphs.items())
            # a template, not INSERT DATA: Virtuoso refuses blank nodes in INSERT DATA
            ops.append(f"INSERT {{ {blocks} }} WHERE {{ }}")
        if ops:
            self.update(" ;\n".join(ops))
        return len(quads)

    def size(self) -> int:
        _, body = self.query("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        solutions = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return int(next(iter(solutions))["n"].value)

    def health(self) -> dict:
        started = time.perf_counter()
        self.query("ASK { }", timeout=5.0)
        return {"backend": self.backend, "ok": True, "endpoint": self.query_url,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1)}


def _plain_bnode_labels(body: bytes) -> bytes:
    """Blank node labels that SPARQL JSON readers accept.

    Virtuoso labels blank nodes `nodeID://b10003` in JSON results, which is not a blank node
    label; the same node keeps the same (hex-encoded) label, so joins across rows still hold.
    """
    if b'"bnode"' not in body or b"nodeID://" not in body:
        return body
    data = json.loads(body)
    for binding in data.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "bnode" and not term["value"].replace("_", "").isalnum():
                term["value"] = "v" + term["value"].encode().hex()
    return json.dumps(data).encode()


def _groups(triples: list) -> list[list]:
    """Triples grouped so that all those sharing a blank node stay together."""
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) is not node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        for other in nodes[1:]:
            parent[find(other)] = find(nodes[0])
    grouped: dict = {}
    for index, t in enumerate(triples):
        bnode = next((n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)), None)
        grouped.setdefault(find(bnode) if bnode is not None else ("iri", index), []).append(t)
    return list(grouped.values())


def insert_operations(graph: str | None, triples: list, batch: int = 5000) -> list[str]:
    """Updates that add triples to a graph, at most about `batch` triples each.

    Triples joined by a blank node travel in one operation, and operations with blank nodes use
    `INSERT { } WHERE { }`: Virtuoso refuses blank nodes in INSERT DATA, which the standard
    allows, while both accept them in an INSERT template.
    """
    batches, current = [], []
    for group in _groups(triples):
        if current and len(current) + len(group) > batch:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    ops = []
    for chunk in batches:
        body = (ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES) or b"").decode()
        inner = body if graph is None else f"GRAPH <{_checked(graph)}> {{ {body} }}"
        has_bnode = any(isinstance(n, ox.BlankNode)
                        for t in chunk for n in (t.subject, t.object))
        ops.append(f"INSERT {{ {inner} }} WHERE {{ }}" if has_bnode
                   else f"INSERT DATA {{ {inner} }}")
    return ops
