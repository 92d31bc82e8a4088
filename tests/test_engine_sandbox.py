"""The engine process cannot reach the network, whatever text reaches it (guard bypassed).

Each test sends its text straight to the engine, as a guard mistake would let it through, and
a listener on loopback counts the connections the engine opens to it: there must be none.
"""

from __future__ import annotations

import socket
import struct
import subprocess
import sys
import time

import pytest

from live import CountingListener
from llm_atlas.core.checking import sandbox
from llm_atlas.errors import NetworkDenied
from llm_atlas.store.embedded.client import EmbeddedStore
from llm_atlas.store.embedded.engine import NETWORK_DENIED

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the seccomp sandbox is Linux's")


@pytest.fixture
def listener():
    counting = CountingListener()
    yield counting
    counting.close()


@pytest.fixture(scope="module")
def engine_store():
    store = EmbeddedStore(None, timeout=20.0, build_if_empty=False)
    store.start()
    yield store
    store.close()


def test_the_listener_counts_a_real_connection(listener):
    """The counter works: an unsandboxed client that connects is counted."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=2) as conn:
        conn.sendall(b"GET / HTTP/1.0\r\n\r\n")
        conn.recv(10)
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert listener.connections == 1


def test_health_says_the_engine_has_no_network(engine_store):
    assert engine_store.health()["network"] == "denied"


@pytest.mark.parametrize("template", [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "ASK {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "CONSTRUCT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * FROM <{url}> {{ ?s ?p ?o }}",
    "SELECT * FROM NAMED <{url}> {{ GRAPH ?g {{ ?s ?p ?o }} }}",
    "SELECT * {{ # a comment that a lexer ending comments at LF only would run on\r"
    " SERVICE <{url}> {{ ?s ?p ?o }} }}",
])
def test_queries_sent_past_the_guard_open_no_connection(engine_store, listener, template):
    text = template.format(url=listener.url)
    try:
        kind, body = engine_store.query(text, solution_format="json", graph_format="ntriples")
    except NetworkDenied as exc:
        assert str(exc) == NETWORK_DENIED
    else:  # SERVICE SILENT and FROM answer empty: nothing was fetched
        assert b"SECRET-FROM-LOOPBACK" not in body
    time.sleep(0.3)  # a connection the engine opened would have been accepted by now
    assert listener.connections == 0


@pytest.mark.parametrize("template", [
    "LOAD <{url}>",
    "LOAD <{url}> INTO GRAPH <http://example.org/g>",
    "INSERT {{ GRAPH <http://example.org/g> {{ ?s ?p ?o }} }} "
    "WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
])
def test_updates_sent_past_the_guard_open_no_connection(engine_store, listener, template):
    before = engine_store.named_graphs()
    with pytest.raises(NetworkDenied) as refused:
        engine_store.update(template.format(url=listener.url))
    assert str(refused.value) == NETWORK_DENIED
    assert "SECRET" not in str(refused.value)
    time.sleep(0.3)
    assert listener.connections == 0
    assert engine_store.named_graphs() == before


def test_load_silent_is_a_quiet_no_op(engine_store, listener):
    before = engine_store.named_graphs()
    engine_store.update(f"LOAD SILENT <{listener.url}> INTO GRAPH <http://example.org/silent>")
    time.sleep(0.3)
    assert listener.connections == 0
    assert engine_store.named_graphs() == before


def test_host_names_are_not_even_resolved(engine_store):
    with pytest.raises(NetworkDenied):
        engine_store.query("SELECT * { SERVICE <http://localhost:8999/x> { ?s ?p ?o } }")


def test_a_sandboxed_process_and_its_children_get_no_internet_socket():
    """The filter holds in the process, its threads and a child it runs (HermiT's JVM is one)."""
    code = (
        "import socket, subprocess, sys, threading\n"
        "from llm_atlas.core.checking.sandbox import deny_network\n"
        "deny_network()\n"
        "def tries(family):\n"
        "    try:\n"
        "        socket.socket(family).close()\n"
        "        return 'open'\n"
        "    except PermissionError:\n"
        "        return 'denied'\n"
        "seen = [tries(socket.AF_INET), tries(socket.AF_INET6)]\n"
        "t = threading.Thread(target=lambda: seen.append(tries(socket.AF_INET)))\n"
        "t.start(); t.join()\n"
        "child = subprocess.run([sys.executable, '-c', 'import socket; socket.socket()'])\n"
        "seen.append('denied' if child.returncode else 'open')\n"
        "socket.socket(socket.AF_UNIX).close()\n"
        "a, b = socket.socketpair()\n"
        "seen.append('unix')\n"
        "print(' '.join(seen))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60)
    assert run.stdout.split() == ["denied", "denied", "denied", "denied", "unix"], run.stderr


def test_the_filter_is_a_well_formed_program():
    """Every jump lands inside the program and the last instruction returns."""
    for arch in sandbox._ARCHES.values():
        program = sandbox.network_filter(arch)
        count = len(program) // 8
        for index in range(count):
            code, jt, jf, _k = struct.unpack_from("=HBBI", program, index * 8)
            if code & 0x07 == 0x05:  # a jump
                assert index + 1 + max(jt, jf) < count
        last_code = struct.unpack_from("=HBBI", program, (count - 1) * 8)[0]
        assert last_code == 0x06
