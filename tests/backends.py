"""The service on each backend: the embedded store, Oxigraph's server and Virtuoso.

Suites that only read share one service per backend for the whole session (conftest's
`any_backend_server`); suites that write share another (`writable_backend_server`), so the
golden answers never see a test's submission. A suite that needs an empty store, or kills
things, starts its own with `service_on`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest

from engines import VIRTUOSO, Engine, OxigraphServer, VirtuosoServer
from live import Server, request
from llm_atlas.store.remote.commit import CLAIMED_AT

BACKENDS = ["embedded", "oxigraph", "virtuoso"]
ENGINES = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


def require(backend: str) -> None:
    """Skip when the backend's engine is not installed here (CI installs it)."""
    if backend == "virtuoso" and VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed here (.ci/run installs virtuoso-opensource)")


def build_into(engine: Engine, *extra: str) -> subprocess.CompletedProcess:
    """`llm-atlas build --into` the engine; fails the test when the build fails."""
    built = subprocess.run([sys.executable, "-m", "llm_atlas", "build", "--into",
                            engine.query_url, "--update-url", engine.update_url, *extra],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    return built


def start_engine(backend: str, folder: Path, *, build: bool = True) -> Engine:
    """A new engine of this kind in its own folder, loaded with the shipped knowledge."""
    require(backend)
    folder.mkdir(parents=True, exist_ok=True)
    engine = ENGINES[backend](folder)
    if build:
        try:
            build_into(engine)
        except BaseException:
            engine.stop()
            raise
    return engine


@contextmanager
def service_on(backend: str, folder: Path, *args: str, build: bool = True,
               engine: Engine | None = None, **server_options) -> Iterator[Server]:
    """The service on a store of its own: in memory, or on a new (or the given) engine.

    The server's `backend` names the backend and its `engine` is the engine (None when
    embedded); an engine this function started is stopped with the server.
    """
    require(backend)
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "embedded":
        server = Server(folder, "--memory", *args, **server_options)
        owned = None
    else:
        owned = None if engine is not None else start_engine(backend, folder / "engine",
                                                              build=build)
        engine = engine or owned
        try:
            server = Server(folder, *engine.store_args, *args, **server_options)
        except BaseException:
            if owned is not None:
                owned.stop()
            raise
    server.backend, server.engine = backend, engine
    try:
        yield server
    finally:
        server.stop()
        if owned is not None:
            owned.stop()


def claims_left(engine) -> int:
    """Claim graphs on a remote engine (remote_commit.py), asked of the engine directly."""
    reply = request(engine.query_url + "?" + urlencode({"query": (
        f"SELECT ?claim WHERE {{ GRAPH ?claim {{ ?graph <{CLAIMED_AT}> ?at }} }}")}),
        headers={"Accept": "application/sparql-results+json"})
    return len(json.loads(reply.body)["results"]["bindings"])
