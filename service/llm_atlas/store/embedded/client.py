"""The embedded store: an Oxigraph engine process that this one supervises.

Reads that lose their engine (because another query's deadline restarted it) are retried once;
a query that passes its deadline restarts the engine, which is what really stops it.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
import threading
from multiprocessing.connection import Client, Connection
from pathlib import Path

from llm_atlas import formats
from llm_atlas.errors import (
    GraphExists,
    GraphMissing,
    NetworkDenied,
    QuerySyntaxError,
    QueryTimeout,
    ResultNotRepresentable,
    ResultTooLarge,
    StoreFault,
    StoreFull,
    StoreUnavailable,
    UnsupportedFunction,
)
from llm_atlas.formats import Format
from llm_atlas.store.cache import ResultCache
from llm_atlas.store.embedded.process import EngineProcess, spawn_engine, stop_engine

log = logging.getLogger("llm_atlas.store")

_ERROR_TYPES = {
    "SyntaxError": QuerySyntaxError,
    "ValueError": QuerySyntaxError,
    "ResultTooLarge": ResultTooLarge,
    "ResultNotRepresentable": ResultNotRepresentable,
    "UnsupportedFunction": UnsupportedFunction,
    "GraphExists": GraphExists,
    "GraphMissing": GraphMissing,
    "StorageFull": StoreFull,
    "NetworkDenied": NetworkDenied,
}
# RocksDB refuses every write after one failed for lack of space, until the store is opened
# again; opening needs room for its logs, so the engine is restarted once this much is free.
REOPEN_FREE_BYTES = 16 * 1024 * 1024


def _graphs(iris) -> tuple[str, ...] | None:
    return None if iris is None else tuple(iris)


def _row(fmt: Format | str) -> Format:
    """The whole format, sent to the engine by value: one registered in this process alone (by a
    test, a plugin) is unknown to the engine's registry."""
    return formats.resolve(fmt)


class EmbeddedStore:
    """The store interface over an Oxigraph engine process on a data directory."""

    backend = "oxigraph-embedded"

    def __init__(self, path: Path | None, *, timeout: float = 30.0, max_rows: int = 100_000,
                 sources_root: str | None = None, build_if_empty: bool = True,
                 start_timeout: float = 600.0, cache_bytes: int = 0):
        self._tmp = tempfile.mkdtemp(prefix="llm-atlas-engine-")
        self.memory = path is None
        self.path = Path(self._tmp) / "store" if path is None else Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.timeout, self.max_rows = timeout, max_rows
        self._sources_root, self._build_if_empty = sources_root, build_if_empty
        self._start_timeout = start_timeout
        self._lock = threading.Lock()
        self._writes = threading.Condition()
        self._writes_in_flight = 0
        self._restarting = 0
        self._proc: EngineProcess | None = None
        self._generation = 0
        self._full_generation = -1  # the engine whose writes failed on a full disk
        self.restarts = 0
        # this process is the store's only writer (the engine holds its lock), so every change
        # passes through _write or _restart, which move the cache's version on
        self.cache = ResultCache(cache_bytes)

    # -- process lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self._proc is None:
                self._proc = self._spawn()

    def _spawn(self) -> EngineProcess:
        self._generation += 1
        return spawn_engine(self.path, self._tmp, self._generation, timeout=self._start_timeout,
                            build_if_empty=self._build_if_empty, sources_root=self._sources_root)

    def _restart(self, generation: int, *, wait_for_writes: bool = True) -> None:
        """Kill the engine of a generation (if still current) and start a new one.

        Writes in flight finish first (new ones wait), so a restart never cuts a write short;
        an engine that is already gone has no write left to finish, so nothing is awaited.
        """
        with self._writes:
            self._restarting += 1
            if wait_for_writes:
                self._writes.wait_for(lambda: self._writes_in_flight == 0, timeout=60)
        try:
            with self._lock:
                proc = self._proc
                if proc is None or proc.generation != generation:
                    return  # someone else already restarted it
                stop_engine(proc.popen, kill=True)
                for conn in proc.idle:
                    conn.close()
                self.restarts += 1
                self.cache.bump()
                log.warning("engine restarted (a query passed its deadline or the engine died)")
                self._proc = self._spawn()
        finally:
            with self._writes:
                self._restarting -= 1
                self._writes.notify_all()

    def close(self) -> None:
        with self._lock:
            if self._proc is not None:
                for conn in self._proc.idle:
                    conn.close()
                stop_engine(self._proc.popen, kill=False)
                self._proc = None
        shutil.rmtree(self._tmp, ignore_errors=True)

    # -- calls -------------------------------------------------------------------------------
    def _checkout(self) -> tuple[EngineProcess, Connection]:
        self.start()
        with self._lock:
            proc = self._proc
            assert proc is not None  # start() above spawned it
            if proc.popen.poll() is not None:  # gone before anything was sent to it
                raise ConnectionError(f"the engine exited with code {proc.popen.returncode}")
            if proc.idle:
                return proc, proc.idle.pop()
        try:
            return proc, Client(proc.address, family="AF_UNIX", authkey=proc.key)
        except (OSError, EOFError) as exc:
            raise ConnectionError(str(exc)) from exc

    def _checkin(self, proc: EngineProcess, conn: Connection) -> None:
        with self._lock:
            if self._proc is proc:
                proc.idle.append(conn)
                return
        conn.close()

    def _engine_gone(self, proc: EngineProcess | None) -> None:
        """A connection to an engine broke: once the process has exited, start a new one.

        The socket closes a moment before the process is reaped, so wait briefly for the exit;
        an engine still running after that only lost one connection and is left alone.
        """
        if proc is None:
            return
        try:
            proc.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            return
        self._restart(proc.generation, wait_for_writes=False)

    def _call(self, op: str, *args, deadline: float | None = None, write: bool = False,
              **kwargs):
        """Run one engine operation, on a new engine when the old one died (three tries).

        A read is simply sent again; a write only when it certainly never reached the engine,
        otherwise it fails with StoreUnavailable (it may or may not have been applied).
        """
        for _attempt in range(3):
            try:
                proc, conn = self._checkout()
            except ConnectionError:
                self._engine_gone(self._proc)
                continue
            try:
                conn.send((op, args, kwargs))
            except OSError:  # the engine's end was closed: nothing reached it
                conn.close()
                self._engine_gone(proc)
                continue
            try:
                if not conn.poll(deadline):
                    conn.close()
                    self._restart(proc.generation)
                    raise QueryTimeout(
                        f"the query ran past the {deadline:g} s limit and was stopped; "
                        "narrow it (add LIMIT, more selective patterns) and try again"
                    )
                reply = conn.recv()
            except ConnectionResetError:
                # A Unix socket closed with our request still unread resets: never applied.
                conn.close()
                self._engine_gone(proc)
                continue
            except (EOFError, OSError) as exc:
                conn.close()
                self._engine_gone(proc)
                if write:
                    raise StoreUnavailable(f"the store engine stopped during {op}: {exc}") from exc
                continue
            self._checkin(proc, conn)
            if reply[0] == "ok":
                return reply[1]
            _, kind, message = reply
            if reply[0] == "fault":
                raise StoreFault(f"{kind}: {message}")
            if kind == "StorageFull":
                self._full_generation = proc.generation
                raise self._disk_full()
            raise _ERROR_TYPES.get(kind, StoreFault)(message)
        raise StoreUnavailable(f"the store engine could not be reached for {op}")

    def _disk_full(self) -> StoreFull:
        return StoreFull("the store's disk is full (no space left on device): nothing was "
                         "written; free space where the store keeps its data and send the "
                         "request again")

    def _write(self, op: str, *args, **kwargs):
        if self._full_generation == self._generation:
            if shutil.disk_usage(self.path).free < REOPEN_FREE_BYTES:
                raise self._disk_full()
            self._restart(self._full_generation)  # space was freed: reopen the store
        with self._writes:
            self._writes.wait_for(lambda: self._restarting == 0)
            self._writes_in_flight += 1
        # before and after: an answer computed while the write ran is never kept past it
        self.cache.bump()
        try:
            return self._call(op, *args, write=True, deadline=None, **kwargs)
        finally:
            self.cache.bump()
            with self._writes:
                self._writes_in_flight -= 1
                self._writes.notify_all()

    # -- the store interface -----------------------------------------------------------------
    def query(self, text: str, *, default_graphs=None, named_graphs=None,
              solution_format: str = "json", graph_format: str = "turtle",
              timeout: float | None = None, base_iri: str | None = None) -> tuple[str, bytes]:
        solutions, graphs = _row(solution_format), _row(graph_format)
        key = (text, _graphs(default_graphs), _graphs(named_graphs), solutions.name,
               graphs.name, base_iri, self.max_rows)
        return self.cache.answer(key, text, lambda: self._call(
            "query", text, default_graphs=default_graphs, named_graphs=named_graphs,
            solution_format=solutions, graph_format=graphs, max_rows=self.max_rows,
            base_iri=base_iri, deadline=timeout or self.timeout))

    def update(self, text: str, base_iri: str | None = None) -> None:
        self._write("update", text, base_iri=base_iri)

    def graph_exists(self, iri: str) -> bool:
        return self._call("graph_exists", iri, deadline=self.timeout)

    def named_graphs(self) -> list[str]:
        return self._call("named_graphs", deadline=self.timeout)

    def get_graph(self, iri: str | None, fmt: str = "turtle") -> bytes | None:
        return self._call("get_graph", iri, _row(fmt), deadline=self.timeout)

    def write_graph(self, iri: str | None, data: bytes, fmt: str, *, replace: bool,
                    base_iri: str | None = None, must_be_new: bool = False) -> bool:
        return self._write("write_graph", iri, data, _row(fmt), replace=replace, base_iri=base_iri,
                           must_be_new=must_be_new)

    def drop_graph(self, iri: str | None) -> bool:
        return self._write("drop_graph", iri)

    def commit(self, nquads: bytes, *, must_be_new=(), must_exist=(), drop=()) -> int:
        """Drop graphs and add N-Quads in one transaction, if the named graphs are (not) there."""
        return self._write("commit", nquads, must_be_new=list(must_be_new),
                           must_exist=list(must_exist), drop=list(drop))

    def size(self) -> int:
        return self._call("size", deadline=self.timeout)

    def bulk_load(self, path: str, fmt: str, graph: str | None = None) -> int:
        return self._write("bulk_load", path, _row(fmt), graph)

    def build(self) -> dict:
        return self._write("build", self._sources_root)

    def health(self) -> dict:
        return {"backend": self.backend, "ok": self._call("ping", deadline=5.0),
                "restarts": self.restarts, "cache": self.cache.stats(),
                "network": "denied" if self._call("network_denied", deadline=5.0) else "open"}
