"""One system at one scale: load, start, time every query, measure throughput, stop.

Limits keep a slow peer from sinking the run, and nothing it fails is dropped: a request past
the per-request cap is recorded as over the cap (the system is restarted, since its engine may
still be working, and that query is not asked again at larger scales); a step left when the
system's budget is spent, or after it passed the memory limit, is recorded as not run with the
reason. Every answer body is kept on disk for the comparison across systems (bench/compare.py).
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from llm_atlas.errors import AtlasError

from . import systems, throughput, validation, workload
from .client import CapExceeded, Connection, Failed, percentiles
from .synth import Generated

LOOKUP_CHECKS = 5  # subjects of the throughput pool whose answers are compared too


@dataclass(frozen=True)
class Options:
    """What a run measures and within which limits (see `python -m bench --help`)."""

    runs: int = 30
    min_runs: int = 3
    query_budget_s: float = 60.0  # fewer runs (not below min_runs) for a slow query
    cap_s: float = 120.0
    budget_s: float = 1800.0
    memory_gib: float = 16.0
    duration_s: float = 10.0
    concurrency: tuple[int, ...] = (1, 4, 16)
    client: str = "wrk"
    validation_runs: int = 30
    hermit_runs: int = 3
    calibrate: bool = False  # also run every client against Oxigraph's server (first scale)


class Budget:
    """Wall-clock seconds one system may spend at one scale."""

    def __init__(self, seconds: float):
        self.seconds, self.started = seconds, time.monotonic()

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def reason(self) -> str:
        return f"not run: the system's budget of {self.seconds:.0f} s was spent"


class Run:
    """The state of one system's run at one scale."""

    def __init__(self, system: systems.System, gen: Generated, scale: str, workdir: Path,
                 opts: Options, skip: dict[str, str]):
        self.system, self.gen, self.scale, self.opts, self.skip = system, gen, scale, opts, skip
        self.workdir = workdir
        self.answers = workdir / "answers" / system.name
        self.answers.mkdir(parents=True, exist_ok=True)
        self.store = workdir / f"store-{system.name}"
        self.log = workdir / f"{system.name}.log"
        self.values = {"DATA": str(gen.path), "STORE": str(self.store)}
        self.limits = systems.Limits(opts.cap_s, int(opts.memory_gib * 2**30))
        self.budget = Budget(opts.budget_s)
        self.result: dict = {"latency": {}, "throughput": {}, "serve_memory": []}
        self.server: systems.Server | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> None:
        self.server = systems.start(self.system, self.values, self.limits,
                                    max(1.0, self.budget.left()), self.log)
        self.conn = Connection(self.server.port, self.opts.cap_s)

    def stop(self) -> None:
        if self.server is not None:
            self.conn.close()
            self.result["serve_memory"].append(self.server.stop())
            self.server = None

    def restart(self) -> None:
        self.stop()
        self.result["restarts"] = self.result.get("restarts", 0) + 1
        self.start()

    def stopped_reason(self) -> str | None:
        """Why nothing more can be asked, or None when the system is up with budget left."""
        if self.server is None:
            return self.result.get("stopped", "not run: the system is not running")
        if self.server.sampler.over_limit.is_set():
            return f"not run: the system passed {self.opts.memory_gib:g} GiB of memory"
        if self.budget.left() <= 0:
            return self.budget.reason()
        return None

    def load_and_start(self) -> bool:
        shutil.rmtree(self.store, ignore_errors=True)
        try:
            load = None
            if self.system.load:
                load = systems.run_load(self.system, self.values, self.limits,
                                        max(1.0, self.budget.left()), self.log)
                self.result["load_memory"] = {k: v for k, v in load.items() if k != "seconds"}
            if self.system.name == "ours" and self.opts.validation_runs:
                self.validation()
            self.start()
        except systems.NotReady as exc:
            self.result["not_run"] = f"not run: {exc}"
            return False
        self.result["load_s"] = load["seconds"] if load else self.server.load_s
        if not load:
            self.result["load_memory"] = self.server.load_memory
        self.result["ready_s"] = (load["seconds"] if load else 0.0) + self.server.ready_s
        return True

    def validation(self) -> None:
        try:
            self.result["validation"] = validation.measure_store(
                self.store, self.opts.validation_runs, self.opts.hermit_runs)
        except (AtlasError, AssertionError) as exc:  # a report that does not conform
            self.result["validation_failed"] = f"failed: {exc}"

    # -- latency ----------------------------------------------------------------------------
    def time_query(self, target: str) -> tuple[dict, bytes]:
        first, body = self.conn.get(target)
        for _ in range(1 if first < 1.0 else 0):  # one more warm-up for a fast query
            self.conn.get(target)
        runs = max(self.opts.min_runs, min(self.opts.runs, int(self.opts.query_budget_s / first)))
        seconds = []
        for _ in range(runs):
            if self.budget.left() <= 0:
                break
            seconds.append(self.conn.get(target)[0])
        if not seconds:
            raise Failed(self.budget.reason())
        return percentiles(seconds), body

    def latency(self, name: str, text: str) -> dict:
        why = self.skip.get(name) or self.stopped_reason()
        if why:
            return {"not_run": why}
        target = workload.request_targets(self.system.path, [text])[0]
        try:
            figures, body = self.time_query(target)
        except CapExceeded:
            self.skip[name] = f"not run: over the {self.opts.cap_s:g} s cap at {self.scale}"
            self._recover()
            return {"over_cap": self.opts.cap_s}
        except Failed as exc:
            self._recover()
            return {"failed": str(exc)}
        if self.system.answers:
            (self.answers / f"{name}.json").write_bytes(body)
        return figures

    def _recover(self) -> None:
        """Restart a system that may still be busy with an abandoned request (or, past its
        memory limit or budget, stop it for good)."""
        if self.server is None:
            return
        why = self.stopped_reason()
        if why:
            self.stop()
            self.result["stopped"] = why
            return
        try:
            self.restart()
        except systems.NotReady as exc:
            self.server = None
            self.result["stopped"] = f"not run: the restart failed: {exc}"

    def lookup_answers(self) -> None:
        """Answers for a few subjects of the throughput pool, compared like the rest."""
        step = max(1, len(self.gen.subjects) // LOOKUP_CHECKS)
        for k, iri in enumerate(self.gen.subjects[::step][:LOOKUP_CHECKS]):
            if self.stopped_reason():
                return
            target = workload.request_targets(self.system.path, [workload.lookup_text(iri)])[0]
            try:
                (self.answers / f"lookup-pool-{k}.json").write_bytes(self.conn.get(target)[1])
            except (CapExceeded, Failed):
                self._recover()

    # -- throughput -------------------------------------------------------------------------
    def throughput(self, name: str, targets: list[str], clients: int,
                   unique: bool = False) -> dict:
        why = self.stopped_reason()
        p50 = self.result["latency"].get(name, {}).get("p50_ms")
        if why:
            return {"not_run": why}
        if p50 is None:
            return {"not_run": "not run: the query has no latency figure"}
        if p50 / 1000 > self.opts.duration_s / 2:
            return {"not_run": f"not run: one request takes {p50 / 1000:.1f} s, more than half "
                               f"the {self.opts.duration_s:g} s window"}
        cpu = self.server.sampler.cpu_seconds()
        try:
            figures = throughput.run(self.opts.client, self.server.port, targets, clients,
                                     self.opts.duration_s, self.opts.cap_s, self.workdir,
                                     unique=unique)
        except Failed as exc:
            self._recover()
            return {"failed": str(exc)}
        served = figures["ok"] + figures["errors"]
        figures["server_cpu_ms_per_request"] = (
            (self.server.sampler.cpu_seconds() - cpu) * 1000 / served if served else None)
        try:  # wait until requests the client abandoned are done before the next run
            self.conn.get(self.system.path + systems.READY_QUERY)
        except (CapExceeded, Failed):
            self._recover()
        return figures

    def calibrate(self, targets: list[str]) -> None:
        """Lookup throughput with each client in turn: what the client itself costs."""
        found = {}
        for clients in self.opts.concurrency:
            for client in throughput.CLIENTS:
                if self.stopped_reason():
                    return
                try:
                    found.setdefault(str(clients), {})[client] = throughput.run(
                        client, self.server.port, targets, clients, self.opts.duration_s,
                        self.opts.cap_s, self.workdir)
                except (throughput.ClientMissing, Failed) as exc:
                    found.setdefault(str(clients), {})[client] = {"not_run": f"not run: {exc}"}
        self.result["client_calibration"] = found

    def measure(self) -> dict:
        """Everything for this system at this scale."""
        try:
            return self._measure()
        finally:
            self.result["elapsed_s"] = round(self.opts.budget_s - self.budget.left(), 1)

    def _measure(self) -> dict:
        if not self.load_and_start():
            return self.result
        try:
            for q in workload.questions():
                self.result["latency"][q.name] = self.latency(q.name, q.text)
            if self.system.answers:
                self.lookup_answers()
            pools = {"lookup": workload.lookup_texts(self.gen.subjects),
                     "aggregate": [q.text for q in workload.questions() if q.name == "aggregate"]}
            for name in workload.THROUGHPUT:
                targets = workload.request_targets(self.system.path, pools[name])
                for clients in self.opts.concurrency:
                    # "repeated": the pool's texts over and over; "unique": each text new
                    self.result["throughput"][f"{name}@{clients}"] = self.throughput(
                        name, targets, clients)
                    unique = f"{name}{workload.UNIQUE}@{clients}"
                    self.result["throughput"][unique] = self.throughput(name, targets, clients,
                                                                        unique=True)
            if self.opts.calibrate and self.system.name == "oxigraph":
                self.calibrate(workload.request_targets(self.system.path, pools["lookup"]))
        finally:
            self.stop()
        return self.result
