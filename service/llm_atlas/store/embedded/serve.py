"""The engine process: the only process that opens the Oxigraph store.

The web server talks to it over a local socket. Queries run in threads (pyoxigraph releases
the GIL while it evaluates), so a slow query does not hold up others; a query past its deadline
cannot be interrupted inside Oxigraph, so the server kills this whole process and starts a new
one on the same data directory (RocksDB recovers every committed write).

Run as `python -m llm_atlas.store.embedded.serve --path DIR --address SOCKET`, with the
connection key in $LLM_ATLAS_ENGINE_KEY.
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import sys
import threading
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener

from llm_atlas.core.checking.sandbox import deny_network, network_denied
from llm_atlas.errors import (
    GraphExists,
    GraphMissing,
    NetworkDenied,
    ResultNotRepresentable,
    ResultTooLarge,
    SandboxUnavailable,
    UnsupportedFunction,
)
from llm_atlas.store.embedded.engine import Engine
from llm_atlas.store.embedded.process import KEY_ENV

log = logging.getLogger("llm_atlas.engine")
ENGINE_THREAD_STACK = 256 * 1024 * 1024


_ERRORS = (SyntaxError, ValueError, OSError, ResultTooLarge, GraphExists, GraphMissing,
           NetworkDenied, LookupError, ResultNotRepresentable, UnsupportedFunction)


def _error_kind(exc: Exception) -> str:
    """The name the server maps to its own error; RocksDB reports a full disk as IO error text."""
    if isinstance(exc, OSError) and (exc.errno == errno.ENOSPC
                                     or "No space left on device" in str(exc)):
        return "StorageFull"
    return type(exc).__name__


def _serve(engine: Engine, conn: Connection) -> None:
    with conn:
        while True:
            try:
                op, args, kwargs = conn.recv()
            except (EOFError, OSError):
                return
            try:
                value = getattr(engine, op)(*args, **kwargs)
                conn.send(("ok", value))
            except _ERRORS as exc:
                conn.send(("error", _error_kind(exc), str(exc)))
            except Exception as exc:  # noqa: BLE001 -- reported to the caller as a fault
                log.exception("engine operation %s failed", op)
                conn.send(("fault", type(exc).__name__, str(exc)))


def _exit_with_parent() -> None:
    """Stop when the server that started us is gone (its end of our stdin closes).

    Without this, a server killed with SIGKILL would leave the engine holding the store's lock.
    """
    sys.stdin.buffer.read()
    os._exit(0)


def _seal() -> bool:
    """Take the network away before any client text is read; say so loudly where we cannot."""
    try:
        deny_network()
    except SandboxUnavailable as exc:
        print(f"warning: the engine keeps network access ({exc}); only the query guard now "
              "stops SERVICE and LOAD from making this host fetch remote URLs", file=sys.stderr)
        return False
    return network_denied()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="llm_atlas.store.embedded.serve")
    parser.add_argument("--path", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--build-if-empty", action="store_true")
    parser.add_argument("--sources")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="engine %(levelname)s %(message)s")
    key = bytes.fromhex(os.environ[KEY_ENV])
    sealed = _seal()
    try:
        engine = Engine(args.path, sealed=sealed)
    except OSError as exc:
        in_use = "lock" in str(exc).lower()
        print(f"cannot open the store at {args.path}: "
              + ("another process (a running server or build) is using it" if in_use else str(exc)),
              file=sys.stderr)
        return 1
    if args.build_if_empty and engine.is_empty():
        log.info("empty store: building the shipped knowledge %s", engine.build(args.sources))
    # Oxigraph parses and evaluates by recursion; the guard bounds nesting, this gives the
    # query threads room for it (address space only: pages are used as the stack grows).
    threading.stack_size(ENGINE_THREAD_STACK)
    listener = Listener(args.address, family="AF_UNIX", authkey=key)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    print("ready", flush=True)
    while True:
        try:
            conn = listener.accept()
        except (OSError, EOFError, AuthenticationError) as exc:
            log.warning("refused a connection: %s", exc)
            continue
        threading.Thread(target=_serve, args=(engine, conn), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
