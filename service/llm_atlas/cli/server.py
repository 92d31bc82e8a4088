"""Serving the app over HTTP with Granian (a Rust HTTP server running our WSGI app).

Granian parses HTTP in Rust and hands each request to one of a pool of Python threads. Side by
side on the shipped graph (4 keep-alive clients, varied lookups, CPU of the whole process tree),
a lookup cost 0.66-0.73 ms of CPU under Granian against 1.0-1.3 ms under waitress.
The app and its store are created in Granian's worker process, never in the process that starts
it, so the engine process is the worker's child and ends with it.
"""

from __future__ import annotations

import logging
import os
import sys
from functools import partial

from llm_atlas.config import Settings

log = logging.getLogger("llm_atlas.server")


class _NotOurThreadCount(logging.Filter):
    """Drop Granian's advice about many Python threads: ours mostly wait on the engine."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Python threads" not in record.getMessage()


# Granian's messages go to stderr like ours, warnings and errors only.
GRANIAN_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "granian %(levelname)s %(message)s"}},
    "filters": {"threads": {"()": _NotOurThreadCount}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                            "formatter": "plain", "filters": ["threads"]}},
    "loggers": {"_granian": {"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
}


def _die_with(master: int) -> None:
    """End this worker when the process that started it dies, even by SIGKILL.

    Granian's worker would otherwise outlive a killed master, keep the port and, through its
    engine, the store's lock. Linux delivers SIGKILL to us when our parent exits (PDEATHSIG).
    """
    import ctypes
    import signal

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) != 0:
        log.warning("cannot ask to be stopped with the server (prctl errno %s)", ctypes.get_errno())
    if os.getppid() != master:  # it died before we asked
        os._exit(1)


def load_app(settings: Settings, master: int):
    """Build the app in the worker; a store that cannot open ends the worker with exit code 2."""
    from llm_atlas import __version__
    from llm_atlas.errors import StoreError
    from llm_atlas.web.app import create_app

    _die_with(master)
    try:
        app = create_app(settings)
    except StoreError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        os._exit(2)
    store = app.extensions["llm_atlas"].store
    # the graphs, not the triples: counting triples reads the whole store
    print(f"llm-atlas {__version__}: {len(store.named_graphs())} graphs; serving "
          f"http://{settings.host}:{settings.port}/sparql"
          f" ({'writes enabled' if settings.token else 'read-only'})", file=sys.stderr, flush=True)
    return app


def serve(settings: Settings) -> int:
    """Run the service until it is stopped; 0 after a clean stop, 2 when it could not run."""
    from granian import Granian
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels

    server = Granian(
        "llm_atlas",  # a label only: the app comes from load_app
        address=settings.host, port=settings.port, interface=Interfaces.WSGI, workers=1,
        blocking_threads=settings.threads, http=HTTPModes.http1,
        # hyper refuses a URL past 64 KiB (414) whatever this is; 128 KiB leaves room for the
        # other headers and refuses a header section larger than that
        http1_settings=HTTP1Settings(max_buffer_size=128 * 1024),
        log_level=LogLevels.warning, log_dictconfig=GRANIAN_LOGGING,
    )
    try:
        server.serve(target_loader=partial(load_app, settings, os.getpid()), wrap_loader=False)
    except SystemExit as exc:  # Granian exits 1 when its worker could not start
        return 0 if exc.code in (0, None) else 2
    return 0
