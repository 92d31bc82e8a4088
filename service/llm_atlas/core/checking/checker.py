"""Where clients' documents are parsed, validated and reasoned over: a small pool of processes.

`/validate` is public, so what one document may cost is bounded here, apart from the query
slots: a few checker processes (`checker_worker`), each without network and with the shapes
and the last ontology it saw kept warm, answer one job at a time under a deadline. A job past
its deadline gets its process group killed (HermiT's JVM with it) and a new process in its
place. A request takes one of `workers + queue` places first; when none is free it is refused
at once (503) rather than left waiting behind work it cannot see.

`LocalChecker` does the same work in this process, for trusted input (the benchmark).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection

from rdflib import Graph

from llm_atlas.core.checking.context import shacl_in_context
from llm_atlas.core.checking.validation import ValidationReport, ValidationResult
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.knowledge.rdfsafety import Limits, refuse_schema_triples
from llm_atlas.errors import (
    CheckerBusy,
    CheckerFault,
    CheckTimeout,
    InputTooLarge,
    RDFSyntaxError,
    ReasonerUnavailable,
    SchemaTriple,
    UnsafeInput,
    UnsupportedFormat,
)

log = logging.getLogger("llm_atlas.checker")
STARTUP_SECONDS = 120.0  # a new process imports rdflib and pyshacl and parses the shapes
ERRORS: dict[str, type[Exception]] = {
    cls.__name__: cls for cls in (RDFSyntaxError, SchemaTriple, UnsafeInput, InputTooLarge,
                                  UnsupportedFormat, ReasonerUnavailable, CheckerFault)}
Ontology = tuple[Graph, str, bytes]  # parsed, digest, N-Triples (context.OntologyCache)


def _nt(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


class _Process:
    """One checker process in its own process group, and the server's ends of its pipes."""

    def __init__(self, sources: str | None):
        job_read, job_write = os.pipe()
        answer_read, answer_write = os.pipe()
        command = [sys.executable, "-m", "llm_atlas.core.checking.worker", str(job_read),
                   str(answer_write)] + ([sources] if sources else [])
        self.popen = subprocess.Popen(command, pass_fds=(job_read, answer_write),
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        os.close(job_read)
        os.close(answer_write)
        self.jobs = Connection(job_write, readable=False)
        self.answers = Connection(answer_read, writable=False)
        self.ready = False
        self.ontology_digest: str | None = None

    def ask(self, job: tuple, seconds: float) -> dict | None:
        """The answer to one job, or None when it is not there within the seconds."""
        if not self.ready:
            if not self.answers.poll(STARTUP_SECONDS):
                raise CheckerFault(f"a checker process did not start within {STARTUP_SECONDS:g} "
                                   "s; the fault is logged")
            self.answers.recv_bytes()
            self.ready = True
        self.jobs.send(job)
        if not self.answers.poll(seconds):
            return None
        return json.loads(self.answers.recv_bytes())

    def kill(self) -> None:
        """Stop the process and everything it started (a JVM): they share its process group."""
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait()
        self.jobs.close()
        self.answers.close()


class CheckerPool:
    """`workers` sandboxed checker processes, `queue` requests waiting, `timeout` s per job."""

    def __init__(self, sources: str | None = None, *, workers: int = 2, queue_size: int = 8,
                 timeout: float = 20.0):
        self.sources, self.workers, self.timeout = sources, workers, timeout
        self._places = threading.BoundedSemaphore(workers + queue_size)
        self._queue_size = queue_size
        self._idle: queue.Queue[_Process] = queue.Queue()
        self._lock = threading.Lock()
        self._live: set[_Process] = set()
        self._started = self._closed = False

    # -- admission and processes --------------------------------------------------------------
    def admit(self) -> Callable[[], None]:
        """Take a place for one request, or raise CheckerBusy; returns what gives it back."""
        if not self._places.acquire(blocking=False):
            raise CheckerBusy(
                f"the server is checking as many documents as it takes at once ({self.workers} "
                f"running, {self._queue_size} waiting); send the document again in a few "
                "seconds")
        return self._places.release

    def pids(self) -> list[int]:
        """The checker processes' ids (for tests and monitoring)."""
        with self._lock:
            return sorted(p.popen.pid for p in self._live)

    def _spawn(self) -> None:
        process = _Process(self.sources)
        with self._lock:
            self._live.add(process)
        self._idle.put(process)

    def _retire(self, process: _Process, replace: bool) -> None:
        with self._lock:
            self._live.discard(process)
            closed = self._closed
        process.kill()
        if replace and not closed:
            self._spawn()

    def close(self) -> None:
        """Stop every checker process."""
        with self._lock:
            self._closed = True
            live, self._live = list(self._live), set()
        for process in live:
            process.kill()

    def _run(self, make_job: Callable[[_Process], tuple], what: str) -> dict:
        with self._lock:
            first, self._started = not self._started, True
        if first:  # started on first use: an app that never checks a document starts none
            for _ in range(self.workers):
                self._spawn()
        # every job ends within the deadline, so a request with a place gets a checker within
        # the deadlines of those ahead of it (a few jobs each); past that something is stuck
        wait = self.timeout * (3 * (self._queue_size // self.workers) + 3)
        try:
            process = self._idle.get(timeout=wait)
        except queue.Empty:
            raise CheckerBusy(f"every checker stayed busy for {wait:g} s; send the "
                              "document again in a few seconds") from None
        try:
            answer = process.ask(make_job(process), self.timeout)
        except CheckerFault as exc:
            self._retire(process, replace=True)
            log.error("%s", exc)
            raise
        except (EOFError, OSError) as exc:
            self._retire(process, replace=True)
            log.error("a checker process stopped during %s: %s", what, exc)
            raise CheckerFault(f"the checker process stopped during {what}; the fault is "
                               "logged") from None
        if answer is None:
            self._retire(process, replace=True)
            raise CheckTimeout(
                f"{what} took longer than {self.timeout:g} s, the limit for one document on "
                "this server, and was stopped; nothing was stored. Sending it again will not "
                "help: split the document or make it simpler")
        self._idle.put(process)
        if "error" in answer:
            if answer["error"] == "CheckerFault":
                log.error("checker fault during %s: %s", what, answer["message"])
            raise ERRORS.get(answer["error"], CheckerFault)(answer["message"])
        return answer

    # -- the jobs -------------------------------------------------------------------------------
    def parse(self, data: bytes, syntax: str, name: str, base_iri: str | None,
              limits: Limits) -> Graph:
        """A client's document parsed in a checker: bounded, nothing fetched, no schema."""
        limit_values = (limits.max_triples, limits.max_literal_chars, limits.max_iri_chars)
        answer = self._run(lambda _p: ("parse", data, syntax, name, base_iri, limit_values),
                           "parsing")
        return parse_data(answer["graph"], "nt", source_name=name)

    def validate(self, data: Graph, context: Graph, ontology: Ontology) -> ValidationReport:
        """The SHACL report on a document with its context, about the document's own nodes."""
        _graph, digest, body = ontology
        data_nt, context_nt = _nt(data), _nt(context)

        def job(process: _Process) -> tuple:
            fresh = process.ontology_digest != digest
            process.ontology_digest = digest  # sent now, so the process holds it from here on
            return ("validate", data_nt, context_nt, digest, body if fresh else None)

        answer = self._run(job, "validation")
        report = parse_data(answer["report"], "nt", source_name="the validation report")
        return ValidationReport([ValidationResult(**r) for r in answer["results"]], report)

    def consistent(self, graph: Graph) -> bool:
        """HermiT's verdict on a graph, in a checker, under the deadline."""
        graph_nt = _nt(graph)
        return self._run(lambda _p: ("consistent", graph_nt), "the HermiT consistency check")[
            "consistent"]


class LocalChecker:
    """The same checks in this process, without deadline or sandbox: for trusted input only."""

    def __init__(self, shapes: Graph):
        self.shapes = shapes

    def admit(self) -> Callable[[], None]:
        """No limit: nothing to take."""
        return lambda: None

    def parse(self, data: bytes, syntax: str, name: str, base_iri: str | None,
              limits: Limits) -> Graph:
        """The document parsed here, bounded, without schema triples."""
        graph = parse_data(data, syntax, source_name=name, limits=limits, base_iri=base_iri)
        refuse_schema_triples(graph, name)
        return graph

    def validate(self, data: Graph, context: Graph, ontology: Ontology) -> ValidationReport:
        """The SHACL report on a document with its context, about its own nodes."""
        return shacl_in_context(data, context, self.shapes, ontology[0])

    def consistent(self, graph: Graph) -> bool:
        """HermiT's verdict on a graph."""
        from llm_atlas.core.checking.consistency import hermit_consistent

        return hermit_consistent(graph)
