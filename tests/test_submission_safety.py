"""Hostile documents: nothing read from disk, nothing fetched, nothing stored, a 400 that says why.

A TCP listener on 127.0.0.1 counts every connection the server might make; a secret file's
content must appear nowhere in the answer; a named pipe shows whether anything opened a file
(opening a FIFO for writing without blocking succeeds only while a reader holds it open).
"""

from __future__ import annotations

import errno
import json
import os
import threading
import time

import pytest

from live import Listener, request
from llm_atlas.core.knowledge.rdfio import parse_data
from llm_atlas.core.knowledge.rdfsafety import Limits
from llm_atlas.errors import InputTooLarge, RDFSyntaxError, UnsafeInput
from submissions_kit import dump, solution_annotation, turtle_graph

SECRET = "s3cr3t-7f1c9a2e-the-server-must-not-read-this"


@pytest.fixture(scope="module")
def server(writable_backend_server):
    """Each backend's writable service: these tests post submissions that must be refused and
    check that the store is unchanged (tests/backends.py)."""
    return writable_backend_server


@pytest.fixture
def listener():
    counter = Listener()
    yield counter
    counter.close()


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


class FifoWatch:
    """Notices whether any process opens a named pipe for reading while it is watched."""

    def __init__(self, path):
        self.path = path
        os.mkfifo(path)
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.005)
                continue
            self.opened = True  # a reader is there: let it finish with an empty file
            os.close(fd)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def xxe(target: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:dcterms="http://purl.org/dc/terms/">
  <rdf:Description rdf:about="https://w3id.org/llm-atlas/resource/paper/xxe">
    <dcterms:title>&xxe;</dcterms:title>
  </rdf:Description>
</rdf:RDF>
""".encode()


def external_dtd(url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF SYSTEM "{url}/evil.dtd">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
""".encode()


def parameter_entity(url: str) -> bytes:
    return f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY % remote SYSTEM "{url}/evil.dtd"> %remote; ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>
""".encode()


def remote_context(url: str) -> bytes:
    return json.dumps({"@context": f"{url}/context.jsonld",
                       "@id": "https://w3id.org/llm-atlas/resource/paper/ctx",
                       "title": "fetched?"}).encode()


def hidden_contexts(url: str) -> list[bytes]:
    """Remote contexts where a parser might look: in a list, in a term, through @import."""
    node = {"@id": "https://w3id.org/llm-atlas/resource/paper/ctx"}
    return [json.dumps({"@context": [{"x": "urn:x:"}, f"{url}/a.jsonld"], **node}).encode(),
            json.dumps({"@context": {"t": {"@id": "urn:t", "@context": f"{url}/b.jsonld"}},
                        **node, "t": {"@id": "urn:o"}}).encode(),
            json.dumps({"@context": {"@version": 1.1, "@import": f"{url}/c.jsonld"},
                        **node}).encode(),
            json.dumps({"@context": "context.jsonld", **node}).encode()]


ENDPOINTS = ["/validate", "/annotations"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_xxe_reads_no_file(server, endpoint, secret_file, tmp_path):
    watch = FifoWatch(tmp_path / "pipe")
    try:
        for target in (secret_file.as_uri(), str(secret_file), (tmp_path / "pipe").as_uri()):
            before = dump(server)
            reply = request(server.url + endpoint, "POST", xxe(target),
                            {"Content-Type": "application/rdf+xml", **server.auth})
            assert reply.status == 400, reply.body
            assert SECRET.encode() not in reply.body
            assert "external entity" in json.loads(reply.body)["error"]["message"]
            assert dump(server) == before
    finally:
        watch.close()
    assert watch.opened is False


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_external_dtds_and_parameter_entities_fetch_nothing(server, endpoint, listener):
    for body in (external_dtd(listener.url), parameter_entity(listener.url)):
        reply = request(server.url + endpoint, "POST", body,
                        {"Content-Type": "application/rdf+xml", **server.auth})
        assert reply.status == 400, reply.body
    assert listener.connections == 0


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_remote_jsonld_contexts_are_never_fetched(server, endpoint, listener):
    before = dump(server)
    for body in [remote_context(listener.url), *hidden_contexts(listener.url)]:
        reply = request(server.url + endpoint, "POST", body,
                        {"Content-Type": "application/ld+json", **server.auth})
        assert reply.status == 400, reply.body
        assert "context" in json.loads(reply.body)["error"]["message"]
    time.sleep(0.3)  # a late fetch would still be counted
    assert listener.connections == 0
    assert dump(server) == before


def test_the_listener_does_count_connections(listener):
    """The counter itself works, so a zero above means no connection was made."""
    import socket

    with socket.create_connection(("127.0.0.1", listener.port)):
        pass
    time.sleep(0.3)
    assert listener.connections == 1


def test_internal_entities_still_work():
    """Ontology editors write namespaces as internal entities; those are fine."""
    body = b"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY atlas "https://w3id.org/llm-atlas/ontology/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="&atlas;ModelCard"><rdf:type rdf:resource="&atlas;AlignmentMethod"/>
  </rdf:Description>
</rdf:RDF>"""
    graph = parse_data(body, "xml")
    assert {str(s) for s in graph.subjects()} == {"https://w3id.org/llm-atlas/ontology/ModelCard"}


def test_an_entity_expansion_bomb_is_refused_quickly():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "' + ("&lol;" if i == 1 else f"&lol{i - 1};") * 10 + '">'
        for i in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{entities}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:d="http://purl.org/dc/terms/"><rdf:Description rdf:about="urn:a">'
            "<d:title>&lol9;</d:title></rdf:Description></rdf:RDF>")
    started = time.monotonic()
    with pytest.raises(RDFSyntaxError, match="amplification"):
        parse_data(body, "xml")
    assert time.monotonic() - started < 2


def test_deep_nesting_is_a_syntax_error_not_a_crash():
    with pytest.raises(RDFSyntaxError, match="nested too deeply"):
        parse_data("[" * 100_000 + "]" * 100_000, "json-ld")
    with pytest.raises(RDFSyntaxError):
        parse_data("<urn:a> <urn:b> " + "(" * 50_000 + ")" * 50_000 + " .", "turtle")


def test_our_own_context_is_inlined_not_fetched():
    body = json.dumps({"@context": "https://w3id.org/llm-atlas/context.jsonld",
                       "@id": "res:paper/own", "@type": "atlas:Paper"})
    graph = parse_data(body, "json-ld")
    assert [(str(s), str(o)) for s, _, o in graph] == [
        ("https://w3id.org/llm-atlas/resource/paper/own",
         "https://w3id.org/llm-atlas/ontology/Paper")]


@pytest.mark.parametrize(("text", "error"), [
    ('<urn:a> <urn:b> "' + "x" * 101 + '" .', InputTooLarge),
    ("<urn:a> <urn:b> <urn:" + "x" * 101 + "> .", InputTooLarge),
    ("<urn:a> <urn:b> <urn:c> . <urn:a> <urn:b> <urn:d> . <urn:a> <urn:b> <urn:e> .",
     InputTooLarge),
    ('<urn:a> <urn:b> "x"^^<urn:' + "d" * 101 + "> .", InputTooLarge),
])
def test_limits_bound_terms_and_triples(text, error):
    with pytest.raises(error):
        parse_data(text, "turtle", limits=Limits(max_triples=2, max_literal_chars=100,
                                                 max_iri_chars=100))


def test_iris_the_store_could_not_hold_are_refused():
    body = "<http://example.org/a\\u0020b> <urn:p> <urn:o> ."  # rdflib lets this space through
    with pytest.raises(RDFSyntaxError, match="not an absolute IRI"):
        parse_data(body, "turtle", limits=Limits())


def test_unsafe_input_is_a_syntax_error_for_the_error_mapping():
    assert issubclass(UnsafeInput, RDFSyntaxError) and issubclass(InputTooLarge, RDFSyntaxError)


def test_a_huge_literal_in_a_submission_is_refused_and_nothing_stored(server):
    before = dump(server)
    text = solution_annotation("huge").replace("A study called huge", "x" * 20_000)
    reply = request(server.url + "/annotations", "POST", text.encode(),
                    {"Content-Type": "text/turtle", **server.auth})
    assert reply.status == 400
    assert "literal of 20000 characters" in json.loads(reply.body)["error"]["message"]
    assert dump(server) == before
    assert len(turtle_graph(text)) > 0
