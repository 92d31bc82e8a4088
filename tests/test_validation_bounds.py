"""/validate is public, so checking a document is bounded: no schema, a deadline, its own places.

Documents are parsed, validated and reasoned over in sandboxed checker processes (checker.py),
under a deadline, with a few places of their own that never take a query slot. Schema triples
(a 300-link rdfs:subClassOf chain cost 98 s of SHACL; 1,200 links were a 500) are refused before
any checking, and nothing a document says makes the server, a checker or the CLI fetch a URL.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from live import CountingListener, live_processes
from llm_atlas.cli import main
from llm_atlas.config import Settings
from llm_atlas.core.checking.checker import CheckerPool
from llm_atlas.core.checking.worker import Worker, _answer
from llm_atlas.errors import CheckTimeout
from llm_atlas.web.app import create_app
from llm_atlas.web.reports import EXTENSION
from submissions_kit import RES, solution_annotation

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the checkers' sandbox is Linux's")

TURTLE = {"Content-Type": "text/turtle"}
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
TOKEN = "bounds-token"


def _with_creators(slug: str, creators: int, person_type: str, extra: list[str]) -> bytes:
    """A conforming annotation whose paper has `creators` creators of the given type."""
    lines = [solution_annotation(slug), *extra]
    for j in range(creators):
        lines.append(f"<{RES}paper/{slug}> <http://purl.org/dc/terms/creator> "
                     f"<{RES}person/{slug}-{j}> .")
        lines.append(f"<{RES}person/{slug}-{j}> a {person_type} ; "
                     f"<http://xmlns.com/foaf/0.1/name> \"P {j}\" .")
    return "\n".join(lines).encode()


def chain_bomb(links: int, creators: int = 300, slug: str = "bomb") -> bytes:
    """An annotation whose paper's creators are typed through an rdfs:subClassOf chain."""
    chain = [f"<urn:c:{i}> {SUBCLASS} "
             + ("<http://xmlns.com/foaf/0.1/Person>" if i == links - 1 else f"<urn:c:{i + 1}>")
             + " ." for i in range(links)]
    return _with_creators(slug, creators, "<urn:c:0>", chain)


def heavy(slug: str, creators: int = 1000) -> bytes:
    """A conforming annotation whose paper has many creators: valid, and slow to validate."""
    return _with_creators(slug, creators, "<http://xmlns.com/foaf/0.1/Person>", [])


def imports(slug: str, url: str) -> bytes:
    """A conforming annotation that also asks a reasoner to import a URL, three ways.

    owlready2 fetched the first (an import added to the core ontology) for `llm-atlas check`.
    """
    owl = "http://www.w3.org/2002/07/owl#"
    return (solution_annotation(slug)
            + f"\n<https://w3id.org/llm-atlas/ontology> <{owl}imports> <{url}> .\n"
            + f"<urn:x:ontology> a <{owl}Ontology> ; <{owl}imports> <{url}> .\n"
            + f"<{RES}annotation/{slug}> <{owl}imports> <{url}> .\n").encode()


def make_app(**settings):
    return create_app(Settings(memory=True, token=TOKEN, **settings))


def close(app) -> None:
    app.extensions[EXTENSION].checker.close()
    app.extensions["llm_atlas"].store.close()


@pytest.fixture(scope="module")
def app():
    """One checker, three waiting places, one query slot that a validation must never take."""
    built = make_app(checkers=1, checker_queue=3, max_concurrent_queries=1, queue_wait=1.0)
    yield built
    close(built)


def pool(app) -> CheckerPool:
    return app.extensions[EXTENSION].checker


def post(app, path: str, body: bytes, headers: dict | None = None):
    return app.test_client().post(path, data=body, headers={**TURTLE, **(headers or {})})


def error_message(reply, status: int) -> str:
    assert reply.status_code == status, reply.data[:500]
    assert reply.mimetype == "application/json"
    return reply.get_json()["error"]["message"]


def test_the_300_link_chain_is_refused_at_once_naming_its_first_schema_triple(app):
    message = error_message(post(app, "/validate", chain_bomb(300)), 400)
    assert f"refused the triple <urn:c:0> {SUBCLASS} <urn:c:1>" in message
    assert "hold data only" in message


def test_a_1200_link_chain_is_a_400_not_a_500(app):
    message = error_message(post(app, "/validate", chain_bomb(1200)), 400)
    assert "rdfs:subClassOf" in message or "subClassOf" in message


@pytest.mark.parametrize(("triple", "named"), [
    ("<urn:p> <http://www.w3.org/2000/01/rdf-schema#domain> <urn:c> .", "rdf-schema#domain"),
    ("<urn:p> <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> <urn:q> .", "subPropertyOf"),
    ("<urn:x> a <http://www.w3.org/2002/07/owl#Class> .", "owl#Class"),
    ("<urn:x> a <http://www.w3.org/ns/shacl#NodeShape> .", "shacl#NodeShape"),
    ("<urn:x> a <http://www.w3.org/2000/01/rdf-schema#Class> .", "rdf-schema#Class"),
    (f"<{RES}person/a> <http://www.w3.org/2002/07/owl#sameAs> <{RES}person/b> .", "sameAs"),
    ("<urn:x> <http://www.w3.org/ns/shacl#targetClass> <urn:c> .", "shacl#targetClass"),
    # the provenance form is allowed on a blank node only
    ("<urn:x> a <http://www.w3.org/2002/07/owl#Axiom> .", "owl#Axiom"),
    ("<urn:x> <http://www.w3.org/2002/07/owl#annotatedSource> <urn:y> .", "annotatedSource"),
])
def test_each_kind_of_schema_triple_is_refused_by_validate_and_submission(app, triple, named):
    body = (solution_annotation("schema") + "\n" + triple + "\n").encode()
    assert named in error_message(post(app, "/validate", body), 400)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert named in error_message(post(app, "/annotations", body, auth), 400)


def test_statement_provenance_on_a_blank_node_is_data():
    from rdflib import BNode, URIRef
    from rdflib.namespace import OWL, RDF

    from llm_atlas.core.knowledge.rdfsafety import schema_triple

    node = BNode()
    for triple in [(node, RDF.type, OWL.Axiom), (node, OWL.annotatedSource, URIRef("urn:s")),
                   (node, OWL.annotatedProperty, URIRef("urn:p")),
                   (node, OWL.annotatedTarget, URIRef("urn:o"))]:
        assert schema_triple(triple) is None
    assert schema_triple((node, OWL.sameAs, URIRef("urn:o"))) is not None
    assert schema_triple((node, RDF.type, OWL.Class)) is not None


def test_every_shipped_annotation_file_passes_the_schema_rule(app, sources):
    """Each file on its own conforms, except the cells: a supported cell's support is in the
    papers' files, so on its own every supported cell is reported (and nothing else is);
    `llm-atlas check` validates the cells together with the papers."""
    files = sources.annotation_files()
    cells = sources.annotations_dir / "review" / "cells.ttl"
    assert cells in files
    for path in files:
        reply = post(app, "/validate", path.read_bytes())
        assert reply.status_code == 200, (path.name, reply.data[:300])
        if path != cells:
            assert reply.get_json()["conforms"] is True, (path.name, reply.get_json())
    alone = post(app, "/validate", cells.read_bytes(), {"Accept": "application/json"}).get_json()
    graph = Graph().parse(cells)
    atlas = "https://w3id.org/llm-atlas/ontology/"
    supported = {str(c) for c in graph.subjects(RDF.type, URIRef(atlas + "ProblemSolutionCell"))
                 if graph.value(c, URIRef(atlas + "gapReason")) is None}
    assert len(supported) == 5
    assert {r["focus"] for r in alone["results"]} == supported


def test_a_recursion_in_a_checker_is_a_client_error_even_past_the_schema_rule(ontology):
    """The chain sent straight to validation (the parse step's rule bypassed): 400, not a crash."""
    worker = Worker(None)
    bomb = Graph().parse(data=chain_bomb(1200, creators=3), format="turtle")
    answer = _answer(worker, ("validate", bomb.serialize(format="nt", encoding="utf-8"), b"",
                              "ontology", ontology.serialize(format="nt", encoding="utf-8")))
    assert answer["error"] == "InputTooLarge"
    assert "nests too deeply" in answer["message"]


def expected_label(ontology: Graph) -> str:
    return str(ontology.value(URIRef("https://w3id.org/llm-atlas/ontology/MoralHazard"),
                              RDFS.label))


def test_sparql_answers_while_validations_run_and_a_full_queue_is_a_503(app, ontology):
    """Four slow validations at once: one checking, three waiting, none holding the one query
    slot; a fifth finds no place. Meanwhile /sparql answers every lookup, correctly."""
    query = ("SELECT ?label WHERE { <https://w3id.org/llm-atlas/ontology/MoralHazard> "
             "<http://www.w3.org/2000/01/rdf-schema#label> ?label }")
    bodies = [heavy(f"slow-{i}") for i in range(5)]
    with ThreadPoolExecutor(5) as executor:
        started = [executor.submit(post, app, "/validate", body) for body in bodies]
        lookups = []
        while not all(f.done() for f in started) and len(lookups) < 20:
            reply = app.test_client().get(
                "/sparql", query_string={"query": query},
                headers={"Accept": "application/sparql-results+json"})
            lookups.append(reply)
            time.sleep(0.2)
        replies = [f.result(timeout=600) for f in started]
    assert len(lookups) >= 3
    for reply in lookups:
        assert reply.status_code == 200, reply.data[:300]
        assert reply.mimetype == "application/sparql-results+json"
        labels = [b["label"]["value"] for b in reply.get_json()["results"]["bindings"]]
        assert labels == [expected_label(ontology)]
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 200, 200, 200, 503]
    busy = next(r for r in replies if r.status_code == 503)
    assert "send the document again" in error_message(busy, 503)
    assert busy.headers["Retry-After"] == "1"
    assert all(r.get_json()["conforms"] for r in replies if r.status_code == 200)


def test_a_validation_past_its_deadline_is_422_and_its_checker_is_replaced():
    deadline = make_app(checkers=1, check_timeout=0.5)
    try:
        checker = pool(deadline)
        checker.timeout = 120.0  # the first request starts the checker; not what is timed
        assert post(deadline, "/validate", solution_annotation("warm").encode()).status_code == 200
        [first] = checker.pids()
        checker.timeout = 0.5
        message = error_message(post(deadline, "/validate", heavy("too-slow", 3000)), 422)
        assert "took longer than 0.5 s" in message and "nothing was stored" in message
        [second] = checker.pids()
        assert second != first
        assert first not in {pid for pid, _, _ in live_processes()}
        checker.timeout = 120.0
        again = post(deadline, "/validate", solution_annotation("after").encode())
        assert again.status_code == 200 and again.get_json()["conforms"] is True
        assert checker.pids() == [second]
    finally:
        close(deadline)


def test_hermit_past_its_deadline_is_stopped_with_its_jvm(ontology):
    checker = CheckerPool(workers=1, timeout=120.0)
    try:
        assert checker.consistent(ontology) is True  # warm: owlready2 imported in the checker
        [worker] = checker.pids()
        seen: set[int] = set()
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                seen.update(pid for pid, parent, _ in live_processes() if parent == worker)
                time.sleep(0.02)

        watcher = threading.Thread(target=watch)
        watcher.start()
        checker.timeout = 1.0
        try:
            with pytest.raises(CheckTimeout, match="HermiT consistency check took longer"):
                checker.consistent(ontology + Graph().add(
                    (URIRef(RES + "x"), RDFS.label, Literal("x"))))
        finally:
            done.set()
            watcher.join()
        assert seen, "HermiT's JVM never started: raise the deadline of this test"
        running = {pid for pid, _, _ in live_processes()}
        assert not (seen | {worker}) & running
    finally:
        checker.close()


def test_a_checker_process_cannot_open_an_internet_socket(app):
    post(app, "/validate", solution_annotation("sealed").encode())
    pids = pool(app).pids()
    assert pids
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        assert "\nNoNewPrivs:\t1" in status
        assert "\nSeccomp:\t2" in status  # a filter: sandbox.deny_network's


@pytest.fixture
def listener():
    counting = CountingListener()
    yield counting
    counting.close()


def test_owl_imports_sent_to_validate_or_annotations_fetch_nothing(app, listener):
    body = imports("imports", listener.url)
    assert "owl#imports" in error_message(post(app, "/validate", body), 400)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    assert "owl#imports" in error_message(post(app, "/annotations", body, auth), 400)
    time.sleep(0.5)
    assert listener.connections == 0


@pytest.fixture
def sources_with_imports(sources, tmp_path, listener):
    """A copy of the knowledge with one annotation file that imports the listener's URL."""
    root = tmp_path / "knowledge"
    shutil.copytree(sources.root / "ontology", root / "ontology")
    shutil.copytree(sources.root / "annotations", root / "annotations")
    target = root / "annotations" / "zz-imports.ttl"
    target.write_bytes(imports("imports-cli", listener.url))
    return root, target


def test_llm_atlas_check_and_validate_on_a_file_with_owl_imports_fetch_nothing(
        sources_with_imports, listener):
    root, target = sources_with_imports
    checked = subprocess.run([sys.executable, "-m", "llm_atlas", "check", "--sources", str(root)],
                             capture_output=True, text=True, timeout=600)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    files = len(list((root / "annotations").rglob("*.ttl")))
    assert f"checked {files} annotation files" in checked.stdout
    validated = CliRunner().invoke(main, ["validate", str(target), "--report", "json"])
    assert validated.exit_code == 0, validated.output
    assert json.loads(validated.output)["conforms"] is True
    time.sleep(0.5)
    assert listener.connections == 0
