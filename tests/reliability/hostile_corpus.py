"""A fixed corpus of hostile requests, each with the answer it must get.

Every entry is a raw HTTP request (bytes on the wire, so invalid UTF-8 can sit in the request
line and headers) and a check of the answer: a 4xx with our error shape, or a 200 whose body is
the right result. The server must never answer 5xx, hang or crash its engine.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from live import HOST

ATLAS = "https://w3id.org/llm-atlas/ontology/"
TOKEN = "test-token"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Case:
    name: str
    method: str
    target: bytes  # path and query, raw
    headers: dict[bytes, bytes]
    body: bytes
    check: Callable[[Answer], None]
    may_reset: bool = False  # the server may close before reading it all (then no answer)


def send(port: int, case: Case, timeout: float = 60) -> Answer:
    """Send a case as raw bytes and read the whole answer (the server closes the connection)."""
    head = [case.method.encode() + b" " + case.target + b" HTTP/1.1", b"Host: " + HOST.encode(),
            b"Connection: close", b"Content-Length: " + str(len(case.body)).encode()]
    head += [k + b": " + v for k, v in case.headers.items()]
    chunks = []
    try:
        with socket.create_connection((HOST, port), timeout=timeout) as sock:
            sock.sendall(b"\r\n".join(head) + b"\r\n\r\n" + case.body)
            while True:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
    except (ConnectionResetError, BrokenPipeError):
        if not case.may_reset:
            raise
        if not chunks:
            return Answer(0, {}, b"")
    raw = b"".join(chunks)
    head_bytes, _, body = raw.partition(b"\r\n\r\n")
    lines = head_bytes.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        key, _, value = line.decode("latin-1").partition(":")
        headers[key.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return Answer(status, headers, body)


def _unchunk(data: bytes) -> bytes:
    out, rest = [], data
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2:]
    return b"".join(out)


# -- checks ------------------------------------------------------------------------------------

def refused(status: int, *words: str) -> Callable[[Answer], None]:
    """Our error shape with this status, its message naming each word."""
    def check(answer: Answer) -> None:
        assert answer.status == status, (answer.status, answer.body[:300])
        assert answer.headers["content-type"] == "application/json", answer.headers
        error = json.loads(answer.body)["error"]
        assert error["status"] == status
        for word in words:
            assert word.lower() in error["message"].lower(), error["message"]
    return check


def client_error(answer: Answer) -> None:
    """Any 4xx (the HTTP server's own refusals, before our code, have their own shape)."""
    assert 400 <= answer.status < 500, (answer.status, answer.body[:300])


def refused_by_http_server(status: int) -> Callable[[Answer], None]:
    """Granian's own refusal, before the app: this status and an empty body."""
    def check(answer: Answer) -> None:
        assert answer.status == status, (answer.status, answer.body[:300])
        assert answer.body == b"", answer.body[:300]
    return check


def ask_true(answer: Answer) -> None:
    """The right answer to ASK {} in the default format (SPARQL results JSON)."""
    assert answer.status == 200, (answer.status, answer.body[:300])
    assert answer.headers["content-type"] == "application/sparql-results+json"
    assert json.loads(answer.body)["boolean"] is True


def client_error_or_closed(answer: Answer) -> None:
    """A 4xx, or the connection closed unanswered (status 0) while the request was sent."""
    assert answer.status == 0 or 400 <= answer.status < 500, (answer.status, answer.body[:300])


def rows(expected: list[dict]) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        assert answer.status == 200, (answer.status, answer.body[:300])
        assert answer.headers["content-type"] == "application/sparql-results+json"
        got = [{k: v["value"] for k, v in b.items()}
               for b in json.loads(answer.body)["results"]["bindings"]]
        assert got == expected, (got[:3], expected[:3])
    return check


def variables(names: list[str]) -> Callable[[Answer], None]:
    def check(answer: Answer) -> None:
        assert answer.status == 200, (answer.status, answer.body[:300])
        data = json.loads(answer.body)
        assert data["head"]["vars"] == names
        assert data["results"]["bindings"] == [{}]
    return check


# -- requests ----------------------------------------------------------------------------------

JSON = {b"Accept": b"application/sparql-results+json"}


def query_post(text: str | bytes) -> tuple[dict[bytes, bytes], bytes]:
    body = text.encode() if isinstance(text, str) else text
    return {**JSON, b"Content-Type": b"application/sparql-query"}, body


def get(query: str) -> bytes:
    return b"/sparql?query=" + quote(query, safe="").encode()


def billion_laughs() -> bytes:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "' + ("&lol;" if i == 1 else f"&lol{i - 1};") * 10 + '">'
        for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [{entities}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            'xmlns:d="http://purl.org/dc/terms/"><rdf:Description rdf:about="urn:a">'
            "<d:title>&lol9;</d:title></rdf:Description></rdf:RDF>").encode()


def quadratic_blowup() -> bytes:
    """One entity of 50 kB referenced 2,000 times (no nesting, 100 MB expanded)."""
    return (b'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY a "' + b"a" * 50_000 + b'">]>'
            b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns:d="http://purl.org/dc/terms/"><rdf:Description rdf:about="urn:a"><d:title>'
            + b"&a;" * 2_000 + b"</d:title></rdf:Description></rdf:RDF>")


def sparql_cases() -> list[Case]:
    many = [f"v{i}" for i in range(20_000)]
    values = [f"urn:rel:v{i}" for i in range(40_000)]
    huge = "x" * 900_000
    cases = [
        Case("10k nested groups", "POST", b"/sparql",
             *query_post("SELECT * WHERE " + "{" * 10_000 + "}" * 10_000), refused(400, "deep")),
        Case("10k nested parentheses", "POST", b"/sparql", *query_post(
            "SELECT * WHERE { FILTER(" + "(" * 10_000 + "true" + ")" * 10_000 + ") }"),
             refused(400, "deep")),
        Case("10k nested OPTIONALs", "POST", b"/sparql", *query_post(
            "SELECT * WHERE { " + "OPTIONAL { ?s ?p ?o " * 10_000 + "}" * 10_000 + " }"),
             refused(400, "deep")),
        Case("10k nested blank-node brackets", "POST", b"/sparql", *query_post(
            "SELECT * WHERE { ?s ?p " + "[ <urn:p> " * 10_000 + "1" + " ]" * 10_000 + " }"),
             refused(400, "deep")),
        Case("10k nested subqueries", "POST", b"/sparql", *query_post(
            "SELECT * WHERE { " + "{ SELECT * WHERE " * 10_000 + "{}" + " }" * 10_000 + " }"),
             refused(400, "deep")),
        Case("a 900 kB literal", "POST", b"/sparql", *query_post(
            f'SELECT (STRLEN("{huge}") AS ?n) WHERE {{}}'), rows([{"n": "900000"}])),
        Case("a query over the size limit", "POST", b"/sparql",
             *query_post(f'ASK {{ FILTER("{huge}{huge}" != "") }}'), refused(413)),
        Case("20k variables", "POST", b"/sparql",
             *query_post("SELECT " + " ".join("?" + v for v in many) + " WHERE {}"),
             variables(many)),
        Case("a VALUES of 40k IRIs", "POST", b"/sparql", *query_post(
            "SELECT ?x WHERE { VALUES ?x { " + " ".join(f"<{v}>" for v in values) + " } }"),
             rows([{"x": v} for v in values])),
        Case("a VALUES past the token bound", "POST", b"/sparql", *query_post(
            "SELECT ?x WHERE { VALUES ?x { " + " 1" * 120_000 + " } }"),
             refused(400, "terms and operators")),
        Case("a 60k-long && chain", "POST", b"/sparql", *query_post(
            "SELECT * WHERE { FILTER(" + " && ".join(["true"] * 60_000) + ") }"),
             refused(400, "terms and operators")),
        Case("invalid UTF-8 in a query body", "POST", b"/sparql",
             *query_post(b"SELECT * WHERE { ?s ?p \"\xff\xfe\" }"), refused(400, "UTF-8")),
        Case("invalid UTF-8 percent-encoded in the URL", "GET",
             b"/sparql?query=ASK%20%7B%20%22%FF%FE%22%20%7D", JSON, b"", refused(400, "UTF-8")),
        Case("an encoded surrogate in the URL", "GET",
             b"/sparql?query=ASK%20%7B%20%22%ED%A0%80%22%20%7D", JSON, b"",
             refused(400, "UTF-8")),
        Case("raw invalid UTF-8 in the request line", "GET",
             b"/sparql?query=ASK%20%7B%7D&x=\xff\xfe", JSON, b"", client_error),
        # Granian hands the app an empty value for a header that is not UTF-8: no preference,
        # so the default format
        Case("invalid UTF-8 in the Accept header", "GET", get("ASK {}"),
             {b"Accept": b"application/\xff\xfe"}, b"", ask_true),
        Case("invalid UTF-8 in a form body", "POST", b"/sparql",
             {**JSON, b"Content-Type": b"application/x-www-form-urlencoded"},
             b"query=ASK%20%7B%22%FF%22%7D", refused(400, "UTF-8")),
        Case("a NUL byte in a query", "POST", b"/sparql", *query_post("ASK { ?s ?p ?o }\x00"),
             refused(400)),
        Case("an IRI with a control character", "POST", b"/sparql",
             *query_post("SELECT * WHERE { <http://example.org/a\x01b> ?p ?o }"), refused(400)),
        Case("an IRI with an escaped control character", "POST", b"/sparql",
             *query_post("SELECT * WHERE { <http://example.org/a\\u0001b> ?p ?o }"),
             refused(400)),
        Case("an IRI with a newline", "GET", get("SELECT * WHERE { <http://a\nb> ?p ?o }"),
             JSON, b"", refused(400)),
        Case("a dataset IRI with a control character", "GET",
             get("ASK {}") + b"&default-graph-uri=urn:a%01b", JSON, b"", refused(400)),
        Case("a named-query IRI parameter with a control character", "GET",
             b"/queries/term-description?term=urn:a%01b", JSON, b"", refused(400)),
        # a URL past 64 KiB is refused by the HTTP parser (hyper) itself
        Case("a named-query parameter of 100 kB", "GET",
             b"/queries/term-description?term=" + b"a" * 100_000, JSON, b"",
             refused_by_http_server(414)),
        Case("a named-query parameter of 60 kB", "GET",
             b"/queries/term-description?term=" + b"a" * 60_000, JSON, b"", refused(400)),
        Case("a 300 kB header", "GET", get("ASK {}"), {b"X-Padding": b"a" * 300_000}, b"",
             client_error_or_closed, may_reset=True),
        Case("an unknown method", "PATCH", b"/sparql", JSON, b"", refused(405)),
        Case("a format outside the table", "GET", get("ASK {}") + b"&format=../../etc/passwd",
             JSON, b"", refused(406)),
        # graphs the store does not hold are empty graphs: the dataset is empty, ASK {} true
        Case("many dataset parameters", "POST", b"/sparql",
             {**JSON, b"Content-Type": b"application/x-www-form-urlencoded"},
             b"query=ASK%7B%7D" + b"&named-graph-uri=urn%3Amissing" * 5_000, ask_true),
        Case("invalid UTF-8 in the path", "GET", b"/ontology/\xff\xfe", {}, b"",
             client_error),
        Case("invalid UTF-8 percent-encoded in the path", "GET", b"/ontology/%FF%FE", {}, b"",
             refused(404)),
    ]
    return cases


def document_cases(path: bytes, auth: bool) -> list[Case]:
    """Hostile documents for /validate or /annotations."""
    token = {b"Authorization": b"Bearer " + TOKEN.encode()} if auth else {}
    xml = {b"Content-Type": b"application/rdf+xml", b"Accept": b"application/json", **token}
    turtle = {b"Content-Type": b"text/turtle", b"Accept": b"application/json", **token}
    jsonld = {b"Content-Type": b"application/ld+json", b"Accept": b"application/json", **token}
    where = path.decode()
    return [
        Case(f"billion laughs to {where}", "POST", path, xml, billion_laughs(),
             refused(400, "amplification")),
        Case(f"quadratic entity blow-up to {where}", "POST", path, xml, quadratic_blowup(),
             refused(400)),
        Case(f"invalid UTF-8 Turtle to {where}", "POST", path, turtle,
             b'<urn:a> <urn:b> "\xff\xfe" .', refused(400)),
        Case(f"100k nested JSON-LD arrays to {where}", "POST", path, jsonld,
             b"[" * 100_000 + b"]" * 100_000, refused(400)),
        Case(f"50k nested Turtle lists to {where}", "POST", path, turtle,
             b"<urn:a> <urn:b> " + b"(" * 50_000 + b")" * 50_000 + b" .", refused(400)),
        Case(f"an IRI with a control character to {where}", "POST", path, turtle,
             b"<urn:a\\u0001> <urn:b> <urn:c> .", refused(400)),
        Case(f"a 200 kB literal to {where}", "POST", path, turtle,
             b'<urn:a> <urn:b> "' + b"x" * 200_000 + b'" .', refused(400, "literal")),
        Case(f"20k triples to {where}", "POST", path, turtle, "".join(
            f"<urn:a> <urn:b> <urn:c{i}> .\n" for i in range(20_000)).encode(),
             refused(400, "20000 triples")),
    ]


def corpus() -> list[Case]:
    return sparql_cases() + document_cases(b"/validate", False) + document_cases(
        b"/annotations", True)
