"""Shared fixtures (the shipped knowledge, parsed once per session), and the groups every test
falls into by what it needs, as markers:

    unit         nothing but the package and the files
    app          the Flask app through its test client, or the embedded store in-process
    server       a real `llm-atlas serve`, or the command line in a subprocess
    engines      an Oxigraph server or Virtuoso started on loopback
    browser      Chromium through Playwright
    reliability  the reliability suite (faults, load, fuzzing)

`quick` marks the unit and app tests the quick loop runs (`pytest -m quick`, README).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from backends import BACKENDS, service_on
from llm_atlas.config import Settings
from llm_atlas.core.checking.reasoning import ReasoningResult, reason
from llm_atlas.core.knowledge.sources import Sources, find_sources
from llm_atlas.namespaces import bind_prefixes
from llm_atlas.web.app import create_app


@pytest.fixture(scope="session")
def sources() -> Sources:
    return find_sources()


@pytest.fixture(scope="session")
def ontology(sources: Sources) -> Graph:
    return sources.ontology_graph()


@pytest.fixture(scope="session")
def annotations(sources: Sources) -> Graph:
    return sources.annotations_graph()


@pytest.fixture(scope="session")
def knowledge(sources: Sources, annotations: Graph) -> Graph:
    """What the store will hold: ontology, alignments, inferred triples and annotations."""
    graph = sources.ontology_graph(alignments=True, inferred=True) + annotations
    bind_prefixes(graph)
    return graph


@pytest.fixture(scope="session")
def reasoned_with_data(ontology: Graph, annotations: Graph) -> ReasoningResult:
    return reason(ontology + annotations)


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory):
    """A read-mostly server on the shipped knowledge (embedded store), shared by the HTTP tests."""
    with service_on("embedded", tmp_path_factory.mktemp("server")) as running:
        yield running


@pytest.fixture(scope="session")
def server(embedded_server):
    """The embedded one; a module whose tests run on every backend overrides this name."""
    return embedded_server


@pytest.fixture(scope="session", params=BACKENDS)
def any_backend_server(request, tmp_path_factory, embedded_server):
    """The service on each backend, for tests that only read: one per backend per session."""
    if request.param == "embedded":
        yield embedded_server
        return
    with service_on(request.param, tmp_path_factory.mktemp(f"{request.param}-read")) as running:
        yield running


@pytest.fixture(scope="session", params=BACKENDS)
def writable_backend_server(request, tmp_path_factory):
    """The service on each backend, for tests that write: one per backend per session, apart
    from the read-only ones so that no submission reaches a golden answer."""
    with service_on(request.param, tmp_path_factory.mktemp(f"{request.param}-write")) as running:
        yield running


@pytest.fixture(scope="session")
def shipped_app():
    """The service on the shipped knowledge, in memory, one for the session: for tests that only
    read (a test that writes builds its own app)."""
    app = create_app(Settings(memory=True))
    try:
        yield app
    finally:
        app.extensions["llm_atlas"].store.close()


@pytest.fixture
def client(shipped_app):
    """A test client of the session's read-only app."""
    return shipped_app.test_client()


# The group of each test module by what it needs; a test with an Oxigraph-server or Virtuoso
# parameter is in "engines" whatever its module's group. A new module must be listed here.
MODULE_GROUPS = {
    "unit": {"test_annotations.py", "test_consistency_gate.py", "test_guard.py",
             "test_guard_differential.py", "test_import_bibtex.py", "test_internal_queries.py",
             "test_knowledge.py", "test_layout.py", "test_linked_data.py", "test_literature.py",
             "test_mappings.py", "test_negotiation.py", "test_paper_turtle.py",
             "test_provenance.py", "test_readme.py", "test_reasoning.py", "test_release.py",
             "test_remote_text.py", "test_results.py", "test_review_sheet.py",
             "test_shapes.py", "test_submission.py", "test_typing.py"},
    "app": {"test_engine_messages.py", "test_result_cache.py", "test_engine_writers.py",
            "test_error_table.py", "test_formats.py", "test_provenance_views.py",
            "test_result_fidelity.py", "test_review_pages.py", "test_slow_clients.py",
            "test_sparql_clients.py",
            "test_store_build.py", "test_store_contract.py", "test_submission_rules.py",
            "test_versions_http.py", "test_web_safety.py"},
    "server": {"test_bench.py", "test_cli_check.py", "test_cli_errors.py",
               "test_endpoint_load.py", "test_endpoint_safety.py", "test_engine_sandbox.py",
               "test_export.py", "test_fresh_clone.py", "test_http_server.py",
               "test_install.py", "test_iri_negotiation.py", "test_iris.py", "test_queries.py",
               "test_review_questions.py", "test_service_http.py", "test_submission_load.py",
               "test_submission_safety.py", "test_submissions_http.py",
               "test_validate_cli.py", "test_validate_http.py", "test_validation_bounds.py",
               "test_w3c_protocol.py"},
    "engines": {"test_engine_dialects.py", "test_remote_store.py", "test_submission_race.py"},
    "browser": {"test_browser.py"},
}
# The quick loop: unit and app modules that take seconds, not minutes (no HermiT over all the
# knowledge, no SHACL of every file, no submissions, no release).
QUICK_MODULES = {"test_annotations.py", "test_result_cache.py", "test_engine_writers.py",
                 "test_guard.py", "test_internal_queries.py", "test_paper_turtle.py",
                 "test_readme.py", "test_remote_text.py", "test_review_sheet.py",
                 "test_engine_messages.py", "test_provenance_views.py",
                 "test_result_fidelity.py", "test_review_pages.py", "test_sparql_clients.py",
                 "test_web_safety.py", "test_store_contract.py", "test_error_table.py",
                 "test_formats.py", "test_negotiation.py", "test_results.py",
                 "test_linked_data.py", "test_submission.py"}
ENGINE_NAMES = {"oxigraph", "virtuoso"}
GROUP_OF_MODULE = {module: group for group, modules in MODULE_GROUPS.items()
                   for module in modules}


def group_of(item: pytest.Item) -> str:
    """The group a collected test belongs to: its module's, or "engines" for an engine param."""
    path = Path(str(item.fspath))
    if "reliability" in path.parts:
        return "reliability"
    if path.name not in GROUP_OF_MODULE:
        raise pytest.UsageError(f"{path.name} is in no group: add it to MODULE_GROUPS in "
                                "tests/conftest.py")
    params = getattr(item, "callspec", None)
    if params and {str(v) for v in params.params.values()} & ENGINE_NAMES:
        return "engines"
    return GROUP_OF_MODULE[path.name]


def pytest_collection_modifyitems(config, items):
    for item in items:
        group = group_of(item)
        item.add_marker(group)
        if group in ("unit", "app") and Path(str(item.fspath)).name in QUICK_MODULES:
            item.add_marker("quick")
