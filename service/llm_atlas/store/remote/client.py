"""The remote store: any SPARQL 1.1 Protocol engine, reached through SPARQLWrapper.

Results are parsed and written again with our own writers, so formats, row limits and errors
stay ours whatever engine answers: a remote timeout is our 503, a remote 4xx our 400 with its
message, an unreachable engine our 502. Writes of one service go one at a time (a lock), and
a submission or retraction is one conditional update under claims (remote_commit.py), safe
across several service instances on one engine.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
import urllib.error
from collections.abc import Iterator

import pyoxigraph as ox
from SPARQLWrapper import JSON, POST, TURTLE, URLENCODED, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from llm_atlas import formats
from llm_atlas.config import Credentials
from llm_atlas.core.sparql.guard import analyse
from llm_atlas.core.sparql.internal import ask, internal_query, query_text, select
from llm_atlas.errors import (
    EngineUnreachable,
    QuerySyntaxError,
    QueryTimeout,
    RDFSyntaxError,
    ResultNotRepresentable,
    ResultTooLarge,
    StoreError,
    StoreFault,
    UnsupportedFunction,
)
from llm_atlas.store.remote.commit import ClaimedCommit, Write, split_quads
from llm_atlas.store.remote.text import (
    VIRTUOSO_CBD,
    checked,
    engine_says,
    insert_operations,
    iri_term,
    plain_bnode_labels,
    virtuoso_dataset,
    with_prologue,
)
from llm_atlas.store.results import encode_result

log = logging.getLogger("llm_atlas.remote")

# Names no graph (the service never writes it) and is no address: no engine can fetch it.
EMPTY_DATASET_GRAPH = "urn:x-llm-atlas:empty-dataset"

_STATUS_OF_WRAPPER_ERROR = {"QueryBadFormed": 400, "EndPointNotFound": 404,
                            "Unauthorized": 401, "URITooLong": 414,
                            "EndPointInternalError": 500}


class RemoteStore:
    """The store interface over a SPARQL query endpoint and its update endpoint."""

    backend = "remote"

    def __init__(self, query_url: str, *, update_url: str | None = None,
                 credentials: Credentials | None = None, timeout: float = 30.0,
                 max_rows: int = 100_000, retries: int = 2):
        self.query_url, self.update_url = query_url, update_url or query_url
        self.credentials, self.timeout, self.max_rows = credentials, timeout, max_rows
        self.retries = retries
        self.dialect: str | None = None  # "virtuoso" once its Server header has been seen
        self.write_lock = threading.RLock()  # this service's writes, one at a time
        self._unwithdrawn: list[str] = []  # claims an unreachable engine kept

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
                response = wrapper.query().response
                self._note_dialect(response.headers.get("Server", ""))
                return response.read()
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
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
                # (an engine killed mid-answer breaks off the response: HTTPException)
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, TimeoutError):
                    raise QueryTimeout(f"the query ran past the {timeout:g} s limit") from None
                if attempt + 1 < attempts:
                    time.sleep(0.2 * (attempt + 1))
                    continue
                raise EngineUnreachable(f"the SPARQL engine at {wrapper.endpoint} cannot be "
                                        f"reached: {reason}") from None
        raise AssertionError("unreachable")

    def _note_dialect(self, server: str) -> None:
        if self.dialect is None:
            self.dialect = "virtuoso" if server.lower().startswith("virtuoso") else "standard"

    @staticmethod
    def _raise_http(status: int, body: str) -> None:
        # What the engine said goes on only as a quoted summary: an engine that ran a SERVICE
        # call (the guard is the only wall a remote engine has from us) may echo the reply.
        body = engine_says(body.removeprefix("b'").removesuffix("'"))
        if status in (401, 403):
            raise StoreFault(f"the SPARQL engine refused our credentials ({status}); check "
                             "--store-auth") from None
        if 400 <= status < 500:
            raise QuerySyntaxError(f"the SPARQL engine refused the request ({status}): "
                                   f"{body}") from None
        unsupported = UnsupportedFunction.from_engine_message(body)
        if unsupported is not None:  # Oxigraph's server answers this client error with 500
            raise unsupported from None
        lowered = body.lower()
        if "timeout" in lowered or "timed out" in lowered:
            raise QueryTimeout(f"the SPARQL engine stopped the query at its limit: {body}")
        if "estimated execution time" in lowered:  # Virtuoso refuses before it starts
            raise QueryTimeout("the SPARQL engine estimated that the query would run past its "
                               f"time limit and refused it: {body}")
        raise StoreFault(f"the SPARQL engine failed ({status}): {body}") from None

    # -- the store interface -----------------------------------------------------------------
    def query(self, text: str, *, default_graphs=None, named_graphs=None,
              solution_format: str = "json", graph_format: str = "turtle",
              timeout: float | None = None, base_iri: str | None = None) -> tuple[str, bytes]:
        timeout = timeout or self.timeout
        # SPARQLWrapper guesses the form from any keyword in the text (INSERT in a comment
        # would make it send `update=`); our lexer knows the form.
        analysis = analyse(text, base_given=base_iri is not None)
        form = analysis.form or "SELECT"
        has_dataset = default_graphs is not None or named_graphs is not None
        if self.dialect is None and (form == "DESCRIBE" or has_dataset):
            self.query(internal_query("store_ping"), timeout=timeout)  # learn the dialect
        virtuoso = self.dialect == "virtuoso"
        pragma = VIRTUOSO_CBD if form == "DESCRIBE" and virtuoso else ""
        defaults, named = list(default_graphs or []), list(named_graphs or [])
        if has_dataset:
            # An empty side of a dataset is an IRI that names nothing: sent as no graphs at
            # all, Virtuoso would give the side all its graphs (and so would every engine
            # when both sides are empty).
            defaults, named = defaults or [EMPTY_DATASET_GRAPH], named or [EMPTY_DATASET_GRAPH]
            if virtuoso and not analysis.has_dataset_clause:
                pragma += virtuoso_dataset(defaults, named)
                defaults, named = [], []
        wrapper = self._wrapper(self.query_url, timeout)
        # Virtuoso refuses a second BASE: a query's own BASE is left to stand alone
        wrapper.setQuery(with_prologue(text, None if analysis.bases else base_iri,
                                       pragma=pragma))
        wrapper.queryType = form
        for graph in defaults:
            wrapper.addDefaultGraph(graph)
        for graph in named:
            wrapper.addNamedGraph(graph)
        # One type per form: Virtuoso answers a CONSTRUCT that accepts results JSON with s/p/o
        # bindings in which blank nodes pose as IRIs.
        graph_form = form in ("CONSTRUCT", "DESCRIBE")
        wrapper.addCustomHttpHeader("Accept", "application/n-triples" if graph_form
                                    else "application/sparql-results+json")
        wrapper.setReturnFormat(TURTLE if graph_form else JSON)  # (the Accept above decides)
        body = self._send(wrapper, read=True, timeout=timeout)
        return self._encode(body, graph_form, solution_format, graph_format)

    def _encode(self, body: bytes, graph_form: bool, solution_format: str, graph_format: str):
        result: ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]
        try:
            if not graph_form:
                body = plain_bnode_labels(body)
                result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
            else:
                result = (ox.Triple(q.subject, q.predicate, q.object) for q in
                          ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
            return encode_result(result, solution_format, graph_format, self.max_rows)
        except (ResultTooLarge, ResultNotRepresentable):
            raise
        except (SyntaxError, ValueError) as exc:
            raise StoreFault(f"the SPARQL engine answered something unreadable: {exc}") from None

    def update(self, text: str, base_iri: str | None = None) -> None:
        wrapper = self._wrapper(self.update_url, self.timeout)
        wrapper.setQuery(with_prologue(text, base_iri))
        wrapper.queryType = "INSERT"  # an update, whatever its first keyword
        with self.write_lock:
            self._send(wrapper, read=False, timeout=self.timeout)

    def graph_exists(self, iri: str) -> bool:
        return ask(self, "graph_exists", graph=iri_term(iri))

    def named_graphs(self) -> list[str]:
        return sorted(str(row["g"]) for row in select(self, "graph_names"))

    def get_graph(self, iri: str | None, fmt: str = "turtle") -> bytes | None:
        if iri is not None and not self.graph_exists(iri):
            return None
        text = (query_text("default_graph_triples") if iri is None
                else query_text("graph_triples", graph=iri_term(iri)))
        _, body = self.query(text, graph_format=fmt)
        return body

    def write_graph(self, iri: str | None, data: bytes, fmt: str, *, replace: bool,
                    base_iri: str | None = None, must_be_new: bool = False) -> bool:
        """One update request that replaces or extends the graph (atomic on the engine)."""
        from llm_atlas.errors import GraphExists

        try:
            rdf_format = formats.resolve(fmt).rdf_format
            triples = [ox.Triple(q.subject, q.predicate, q.object)
                       for q in ox.parse(data, format=rdf_format, base_iri=base_iri)]
        except (SyntaxError, ValueError) as exc:
            raise RDFSyntaxError(f"the {fmt} body does not parse: {exc}") from None
        target = "DEFAULT" if iri is None else f"GRAPH <{checked(iri)}>"
        ops = [f"DROP SILENT {target}"] if replace else []
        ops += insert_operations(iri, triples, batch=len(triples) + 1)
        if iri is not None and not triples:  # kept as an empty graph where the engine can
            ops.append(f"CREATE SILENT {target}")
        with self.write_lock:
            existed = iri is None or self.graph_exists(iri)
            if must_be_new and existed:
                raise GraphExists(iri)
            self.update(" ;\n".join(ops))
        return not existed

    def drop_graph(self, iri: str | None) -> bool:
        with self.write_lock:
            if iri is not None and not self.graph_exists(iri):
                return False
            # SILENT: Virtuoso refuses a plain DROP of a graph it did not see created by CREATE
            self.update("DROP SILENT DEFAULT" if iri is None
                        else f"DROP SILENT GRAPH <{checked(iri)}>")
        return True

    def commit(self, nquads: bytes, *, must_be_new=(), must_exist=(), drop=()) -> int:
        """Add N-Quads and empty the `drop` graphs in one conditional update, if the
        `must_be_new` graphs hold nothing and the `must_exist` ones hold something; else
        GraphExists or GraphMissing naming the graph, and nothing written.

        Safe against other service instances writing the same graphs on the same engine: see
        remote_commit.py for what each engine guarantees and how claims make up for the rest.
        """
        graphs = split_quads(nquads)
        write = Write(graphs, list(must_be_new), list(must_exist), list(drop))
        with self.write_lock:
            self._withdraw_leftovers()
            ClaimedCommit(self, write, deadline=time.monotonic() + self.timeout,
                          stale_after=max(120.0, 4 * self.timeout)).run()
        return sum(len(triples) for triples in graphs.values())

    def withdraw(self, claim: str) -> None:
        """Drop a claim graph; when the engine cannot be reached, try again at the next commit."""
        try:
            self.update(f"DROP SILENT GRAPH <{checked(claim)}>")
        except StoreError as exc:
            log.warning("could not withdraw the claim %s (%s); will try again", claim, exc)
            self._unwithdrawn.append(claim)

    def _withdraw_leftovers(self) -> None:
        leftovers, self._unwithdrawn = self._unwithdrawn, []
        for claim in leftovers:
            self.withdraw(claim)

    def size(self) -> int:
        return int(str(select(self, "store_size")[0]["n"]))

    def health(self) -> dict:
        started = time.perf_counter()
        self.query(internal_query("store_ping"), timeout=5.0)
        return {"backend": self.backend, "ok": True, "endpoint": self.query_url,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                # other clients may write to the engine without us knowing: nothing is kept
                "cache": {"enabled": False}}
