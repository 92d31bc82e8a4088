"""One error table, one error shape: every exception the package defines has its HTTP answer in
web/errors.py (or is a 500 on purpose, said here with the reason), and one request per source of
errors comes back with its status, `application/json` and exactly the one shape.

Also: every negotiated answer says `Vary: Accept` (through the one helper, web/common.py).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import llm_atlas
from llm_atlas import errors
from llm_atlas.cli.exits import EXIT_OF
from llm_atlas.config import Settings
from llm_atlas.web import refusals
from llm_atlas.web.app import create_app
from llm_atlas.web.errors import ERROR_MEDIA_TYPE, HTTP_OF, SERVER_FAULT, TITLES, http_error_for
from submissions_kit import INVALID, solution_annotation

TOKEN = "error-table-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
JSON = {"Accept": "application/json"}
SUBMISSION_LIMIT = 50_000

# Exceptions that are in no row, so a 500 if one ever reached a request, and why that is right.
DELIBERATELY_500: dict[type[BaseException], str] = {
    errors.AtlasError: "the base class: a failure raised without its own class is a bug",
    errors.StoreError: "the store's base class: likewise",
    refusals.RequestRefused: "the web refusals' base class: likewise",
    errors.GraphMissing: "the core turns it into AnnotationNotFound (a retraction); a write that "
                         "lets it escape is a bug",
    errors.SettingsError: "raised while settings are read, before the app serves a request",
    errors.SourcesNotFound: "raised while the app is built, before it serves a request",
    errors.QueryHeaderError: "named queries are read while the app is built",
    errors.SandboxUnavailable: "the engine and the checkers warn and run on without it",
    errors.MappingSetError: "only the shipped mapping set is read: a broken one is our fault",
    errors.ReleaseRefused: "raised by `llm-atlas release` only",
    errors.BibSyntaxError: "raised by `llm-atlas import-bibtex` only",
    errors.LatexError: "raised by the BibTeX reader, always turned into an EntryRefused problem",
    errors.EntryRefused: "raised by `llm-atlas import-bibtex` only",
    errors.SheetError: "raised by `llm-atlas review-sheet` only",
}


def defined_exceptions() -> dict[type[BaseException], str]:
    """Every exception class defined in the package, with the module that defines it."""
    found = {}
    for info in pkgutil.walk_packages(llm_atlas.__path__, "llm_atlas."):
        if info.name.endswith("__main__"):  # runs the CLI when imported
            continue
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == info.name:
                found[cls] = info.name
    return found


DEFINED = defined_exceptions()


def test_the_walk_finds_the_exceptions():
    assert errors.QueryRefused in DEFINED and refusals.NotFound in DEFINED
    assert len(DEFINED) > 50


def test_the_core_and_the_stores_define_no_exception_of_their_own():
    """One class per failure, in errors.py: none hides in a core or store module."""
    elsewhere = {cls.__name__: module for cls, module in DEFINED.items()
                 if module.startswith(("llm_atlas.core", "llm_atlas.store"))}
    assert elsewhere == {}


def test_no_two_classes_share_a_name():
    names = [cls.__name__ for cls in DEFINED]
    assert sorted({n for n in names if names.count(n) > 1}) == []


@pytest.mark.parametrize("cls", sorted((c for c, m in DEFINED.items()
                                        if not m.startswith("llm_atlas.cli")),
                                       key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_every_exception_that_can_reach_the_web_has_a_row(cls):
    """A row by its class or a base class; else a deliberate 500 listed above with a reason."""
    row = next((HTTP_OF[c] for c in cls.__mro__ if c in HTTP_OF), None)
    if cls in DELIBERATELY_500:
        assert row is None, f"{cls.__name__} is listed as a 500 but has a row {row}"
        assert http_error_for(cls("x")) is SERVER_FAULT
    else:
        assert row is not None, f"{cls.__name__} has no row in web/errors.HTTP_OF"
        assert row.status in TITLES
        # a request the client must fix is never 5xx, and only faults are 500
        assert row.status != 500 or cls in (errors.StoreFault, errors.CheckerFault)


def test_the_table_rows_are_classes_the_package_defines():
    assert set(HTTP_OF) <= set(DEFINED)


def test_the_exit_code_table_uses_the_same_classes():
    assert all(DEFINED.get(cls) == "llm_atlas.errors" for cls in EXIT_OF)


# -- one request per source of errors --------------------------------------------------------

@pytest.fixture(scope="module")
def writer():
    """A client of a service that takes writes (with the token), in memory."""
    app = create_app(Settings(memory=True, token=TOKEN, max_submission_bytes=SUBMISSION_LIMIT))
    try:
        yield app.test_client()
    finally:
        app.extensions["llm_atlas"].store.close()


def the_error(reply, status: int) -> dict:
    """The one error shape, checked: the status, the exact type, exactly these keys."""
    assert reply.status_code == status, reply.data
    assert reply.headers["Content-Type"] == ERROR_MEDIA_TYPE
    assert "Accept" in reply.vary
    body = reply.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "title", "message"}
    assert (error["status"], error["title"]) == (status, TITLES[status])
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


SERVICE_QUERY = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
READ_ONLY_CASES = [
    ("guard-refusal", "get", "/sparql", {"query_string": {"query": SERVICE_QUERY}}, 400),
    ("bad-syntax", "get", "/sparql", {"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400),
    ("bad-request", "get", "/store", {"query_string": "graph=http://a.example/&graph=http://b"},
     400),
    ("unknown-status-filter", "get", "/matrix", {"query_string": {"status": "nonsense"}}, 400),
    ("read-only-server", "post", "/annotations",
     {"data": b"<a:b> <a:c> <a:d> .", "content_type": "text/turtle"}, 403),
    ("missing-graph", "get", "/store", {"query_string": {"graph": "http://example.org/none"},
                                        "headers": {"Accept": "text/turtle"}}, 404),
    ("unknown-named-query", "get", "/queries/no-such-question", {}, 404),
    ("unknown-term", "get", "/ontology/NoSuchTerm", {}, 404),
    ("method", "delete", "/sparql", {}, 405),
    ("not-acceptable", "get", "/void", {"headers": {"Accept": "image/png"}}, 406),
    ("unsupported-media-type", "post", "/validate",
     {"data": b"%PDF-1.7", "content_type": "application/pdf"}, 415),
    ("unsupported-query-body", "post", "/sparql",
     {"data": b"ASK {}", "content_type": "text/plain"}, 415),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status"),
                         [case[1:] for case in READ_ONLY_CASES],
                         ids=[case[0] for case in READ_ONLY_CASES])
def test_a_refused_read_has_its_status_and_the_one_shape(client, method, path, kwargs, status):
    given = dict(kwargs)
    headers = {**JSON, **given.pop("headers", {})}
    reply = getattr(client, method)(path, headers=headers, **given)
    the_error(reply, status)
    if status == 405:
        assert "DELETE" not in reply.headers["Allow"] and "GET" in reply.headers["Allow"]


def test_a_write_without_a_token_is_401_with_the_challenge(writer):
    reply = writer.post("/annotations", data=b"<a:b> <a:c> <a:d> .", headers=JSON,
                        content_type="text/turtle")
    the_error(reply, 401)
    assert reply.headers["WWW-Authenticate"] == 'Bearer realm="llm-atlas"'


def test_a_body_past_the_limit_is_413(writer):
    reply = writer.post("/validate", data=b"#" * (SUBMISSION_LIMIT + 1), headers=JSON,
                        content_type="text/turtle")
    the_error(reply, 413)


def test_a_document_that_does_not_parse_is_400(writer):
    reply = writer.post("/validate", data=b"<a:b> <a:c> .", headers=JSON,
                        content_type="text/turtle")
    the_error(reply, 400)


def test_a_retraction_of_nothing_is_404(writer):
    the_error(writer.delete("/annotations/never-submitted", headers={**AUTH, **JSON}), 404)


def test_a_non_conforming_submission_is_422_with_its_report(writer):
    reply = writer.post("/annotations", data=INVALID[0].read_bytes(),
                        headers={**AUTH, **JSON}, content_type="text/turtle")
    assert reply.status_code == 422 and reply.headers["Content-Type"] == ERROR_MEDIA_TYPE
    body = reply.get_json()
    assert set(body) == {"error", "report"}
    assert set(body["error"]) == {"status", "title", "message"}
    assert (body["error"]["status"], body["error"]["title"]) == (422, TITLES[422])
    assert body["report"]["conforms"] is False


def test_a_duplicate_is_409_and_a_retracted_annotation_410(writer):
    text = solution_annotation("error-table-duplicate").encode()
    headers = {**AUTH, **JSON}
    first = writer.post("/annotations", data=text, headers=headers, content_type="text/turtle")
    assert first.status_code == 201, first.data
    again = writer.post("/annotations", data=text, headers=headers, content_type="text/turtle")
    the_error(again, 409)
    assert writer.delete("/annotations/error-table-duplicate", headers=headers).status_code == 200
    the_error(writer.get("/annotations/error-table-duplicate", headers=JSON), 410)


# -- Vary: Accept on every negotiated answer ------------------------------------------------

# each negotiated URL with a type other than the one `*/*` gets (so both sides of the choice)
NEGOTIATED = {"/sparql?query=ASK%7B%7D": "application/sparql-results+xml",
              "/sparql": "text/html", "/void": "application/ld+json", "/queries": "text/html",
              "/queries/annotations-by-status": "text/html", "/matrix": "text/csv",
              "/matrix.csv": "text/csv", "/review": "application/json", "/mappings": "text/turtle",
              "/store?default": "application/n-triples", "/ontology": "text/html",
              "/ontology/0.2.0": "text/html", "/": "text/html", "/search?q=hazard": "text/html",
              "/validate": "text/html"}


@pytest.mark.parametrize("path", NEGOTIATED)
@pytest.mark.parametrize("which", ["any", "named"])
def test_every_negotiated_answer_varies_on_accept(client, path, which):
    accept = "*/*" if which == "any" else NEGOTIATED[path]
    reply = client.get(path, headers={"Accept": accept})
    assert reply.status_code == 200, reply.data
    assert "Accept" in reply.vary
