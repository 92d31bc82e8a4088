"""Regression tests for what the reliability suite found, one per behaviour it protects."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from faults_kit import WriteLog, ask, children, engine_pid
from live import Server, request

pytestmark = pytest.mark.slow


def wait_exited(pid: int, parent: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while pid in children(parent) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_write_after_the_engine_died_goes_to_a_new_engine(tmp_path):
    server = Server(tmp_path, "--memory")
    try:
        log = WriteLog("urn:rel:fix:")
        assert log.write(server, "first", 2, "update") == 204  # leaves an idle connection
        engine = engine_pid(server.proc.pid)
        os.kill(engine, signal.SIGKILL)
        wait_exited(engine, server.proc.pid)
        started = time.monotonic()
        assert log.write(server, "second", 2, "update") == 204
        assert time.monotonic() - started < 30, "the write waited for its own restart"
        assert ask(server.url, "ASK { ?s ?p ?o }").status == 200
        assert log.check(server.url) == (2, 0)
        assert json.loads(request(server.url + "/health").body)["restarts"] == 1
    finally:
        server.stop()
