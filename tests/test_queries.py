"""Competency questions: valid headers, golden answers, the web API, OpenAPI, CLI, matrix."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from live import request
from llm_atlas.core.sparql.queries import load_named_queries, parse_named_query
from llm_atlas.errors import QueryHeaderError
from llm_atlas.namespaces import PREFIXES

GOLDEN = Path(__file__).parent / "golden"
ATLAS = PREFIXES["atlas"]
QUERIES = load_named_queries()
NAMES = [q.name for q in QUERIES]


@pytest.fixture(scope="module")
def server(any_backend_server):
    """Every test here that asks the service runs on each backend (tests/backends.py)."""
    return any_backend_server


def rows_of(body: bytes) -> list[dict]:
    data = json.loads(body)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


def ask_named(server, name: str, accept="application/sparql-results+json", **params):
    qs = urlencode(params)
    return request(f"{server.url}/queries/{name}" + (f"?{qs}" if qs else ""),
                   headers={"Accept": accept})


def test_there_are_at_least_twelve_questions_each_with_a_golden_answer():
    assert len(QUERIES) >= 12
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_named_query_gives_its_golden_answer(server, name):
    golden = json.loads((GOLDEN / f"{name}.json").read_text())
    reply = ask_named(server, name)
    assert reply.status == 200
    assert reply.content_type == "application/sparql-results+json"
    assert json.loads(reply.body)["head"]["vars"] == golden["vars"]
    assert rows_of(reply.body) == golden["rows"]


def test_every_golden_is_what_rdflib_computes_from_the_files():
    """The goldens come from tests/golden_answers.py (rdflib, its own graph split and parameter
    binding); the test above asks the service on Oxigraph, so the two engines must agree."""
    from golden_answers import answer, dataset

    data = dataset()
    for name in NAMES:
        assert answer(data, name) == json.loads((GOLDEN / f"{name}.json").read_text()), name


def test_moral_hazard_in_deployment_is_monitoring_with_its_methods_and_papers(server):
    rows = rows_of(ask_named(server, "mechanisms-for-problem-in-phase",
                             problem="atlas:MoralHazard", phase="atlas:Deployment").body)
    pairs = {(r["mechanism"].removeprefix(ATLAS), r["method"].removeprefix(ATLAS),
              r.get("paper", "").rsplit("/", 1)[-1]) for r in rows}
    # the seed's monitoring papers and the review's prompt-injection defences coded at deployment
    # (pinned on purpose: the exact rows are the golden's business)
    assert {("Monitoring", "GuardModel", "inan-2023-llama-guard"),
            ("Monitoring", "ModelDrivenSupervision", "kaltenpoth-2025-llm-atlas"),
            ("Monitoring", "Guardrails", "rebedea-2023-nemo-guardrails"),
            ("Monitoring", "LLMAsJudge", "zheng-2023-llm-judge"),
            ("IncentiveAlignment", "PromptInjectionDefense", "chen-2024-struq"),
            ("IncentiveAlignment", "PromptInjectionDefense", "hines-2024-spotlighting")} <= pairs
    # ex post: no mechanism against adverse selection or hold-up answers moral hazard here
    assert {m for m, _, _ in pairs} == {"Monitoring", "IncentiveAlignment"}
    # a method coded only at model adaptation has no deployment paper
    assert ("IncentiveAlignment", "PromptInjectionDefense",
            "wallace-2024-instruction-hierarchy") not in pairs


def test_parameters_as_curie_or_full_iri_give_the_same_answer(server):
    curie = ask_named(server, "asymmetry-behind-problem", problem="atlas:MoralHazard")
    full = ask_named(server, "asymmetry-behind-problem", problem=ATLAS + "MoralHazard")
    assert rows_of(curie.body) == rows_of(full.body)
    assert {r["asymmetry"] for r in rows_of(full.body)} == {
        ATLAS + "HiddenAction", ATLAS + "HiddenInformation"}


@pytest.mark.parametrize(("params", "message"), [
    ({"nope": "x"}, "unknown parameter `nope`"),
    ({"problem": "not an iri"}, "parameter `problem`"),
    ({"problem": "zz:Thing"}, "parameter `problem`"),
    ({"problem": "atlas:X> } ; DROP ALL #"}, "parameter `problem`"),
    ({"problem": "http://x/a>{"}, "parameter `problem`"),
])
def test_bad_parameters_get_400_naming_the_parameter(server, params, message):
    reply = ask_named(server, "asymmetry-behind-problem", **params)
    assert reply.status == 400
    assert message in json.loads(reply.body)["error"]["message"]


def test_unknown_query_is_404(server):
    assert ask_named(server, "no-such-question").status == 404


@pytest.mark.parametrize(("accept", "media"), [
    ("application/sparql-results+xml", "application/sparql-results+xml; charset=utf-8"),
    ("text/csv", "text/csv; charset=utf-8"),
    ("text/tab-separated-values", "text/tab-separated-values; charset=utf-8"),
])
def test_named_queries_answer_in_every_result_format(server, accept, media):
    reply = ask_named(server, "phases-in-order", accept=accept)
    assert reply.status == 200 and reply.content_type == media
    if accept == "text/csv":
        rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
        golden = json.loads((GOLDEN / "phases-in-order.json").read_text())["rows"]
        assert rows == golden
    via_param = request(f"{server.url}/queries/phases-in-order?format=csv")
    assert via_param.content_type == "text/csv; charset=utf-8"


def test_the_list_and_the_openapi_document_name_every_query(server):
    listed = json.loads(request(server.url + "/queries").body)["queries"]
    assert [q["name"] for q in listed] == NAMES
    doc = json.loads(request(server.url + "/queries/openapi.json").body)
    assert doc["openapi"].startswith("3.")
    assert sorted(doc["paths"]) == sorted(f"/queries/{n}" for n in NAMES)
    for query in QUERIES:
        operation = doc["paths"][f"/queries/{query.name}"]["get"]
        assert operation["summary"] == query.title
        names = [p["name"] for p in operation["parameters"]]
        assert names == [p.name for p in query.params] + ["format"]
    page = request(server.url + "/queries", headers={"Accept": "text/html"}).body.decode()
    assert all(f'data-name="{n}"' in page for n in NAMES)


def test_a_query_without_a_header_fails(tmp_path):
    bare = tmp_path / "bare.rq"
    bare.write_text("SELECT * { ?s ?p ?o }\n")
    with pytest.raises(QueryHeaderError, match="lacks title, question"):
        parse_named_query(bare)
    typed = tmp_path / "typed.rq"
    typed.write_text("# title: t\n# question: q\n# param: x float 1\nSELECT * {}\n")
    with pytest.raises(QueryHeaderError, match="TYPE one of"):
        parse_named_query(typed)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "llm_atlas", "query", *args],
                          capture_output=True, text=True, timeout=300)


def test_cli_answers_alike_on_the_local_store_and_through_the_endpoint(any_backend_server):
    args = ["--name", "mechanisms-for-problem-in-phase", "--param", "phase=atlas:Operation",
            "--format", "json"]
    local = cli("--memory", *args)
    remote = cli("--endpoint", any_backend_server.url + "/sparql", *args)
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    assert rows_of(local.stdout.encode()) == rows_of(remote.stdout.encode())
    # the methods the ontology makes applicable in operation that address moral hazard there
    # (pinned on purpose; release 0.2.0 added the seven after ModelDrivenSupervision)
    assert {r["method"].removeprefix(ATLAS) for r in rows_of(local.stdout.encode())} == {
        "LLMAsJudge", "MLOpsMonitoring", "ScalableOversight", "ModelDrivenSupervision",
        "AIControl", "ChainOfThoughtMonitoring", "HallucinationDetection",
        "InterpretabilityProbing", "RiskManagementFramework", "UncertaintyEstimation",
        "Watermarking"}


def test_cli_prints_a_table_and_refuses_bad_input():
    table = cli("--memory", "--name", "phases-in-order")
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["phase", "label", "order", "stage"]
    assert lines[2].split()[0] == "atlas:ModelSelection" and lines[-1] == "(4 rows)"
    assert cli("--memory").returncode == 2
    bad = cli("--memory", "--name", "phases-in-order", "--param", "x=1")
    assert bad.returncode == 2 and "unknown parameter `x`" in bad.stderr


# -- the matrix ----------------------------------------------------------------------------

DIRECT = """
SELECT ?phase ?problem ?mechanism ?method ?paper ?status WHERE {
  ?phase a atlas:AdoptionPhase . ?problem a atlas:AgencyProblem .
  ?mechanism atlas:addresses ?problem ; a atlas:Mechanism .
  ?method atlas:realizes ?mechanism ; atlas:applicableIn ?phase ; atlas:addresses ?problem .
  ?phase atlas:stage ?stage .
  FILTER EXISTS { ?asymmetry atlas:causes ?problem ; atlas:stage ?stage }
  OPTIONAL { ?a atlas:aboutMethod ?method ; atlas:aboutPhase ?phase ;
                atlas:aboutAgencyProblem ?problem ; a atlas:SolutionAnnotation ;
                oa:hasTarget ?paper ; atlas:provenanceStatus ?status }
}"""


def direct_matrix(knowledge) -> tuple[set, set]:
    """(claims, cells with a paper) computed by rdflib with the test's own query."""
    claims, supported = set(), set()
    for r in knowledge.query(DIRECT, initNs=PREFIXES):
        claims.add(tuple(str(x) if x is not None else "" for x in r))
        if r.paper is not None:
            supported.add((str(r.phase), str(r.problem)))
    return claims, supported


def test_matrix_json_equals_the_matrix_computed_directly(server, knowledge):
    claims, supported = direct_matrix(knowledge)
    reply = request(server.url + "/matrix", headers={"Accept": "application/json"})
    assert reply.status == 200 and reply.content_type == "application/json"
    matrix = json.loads(reply.body)
    assert len(matrix["cells"]) == 12
    got = set()
    for cell in matrix["cells"]:
        assert cell["gap"] == ((cell["phase"], cell["problem"]) not in supported)
        for mech in cell["mechanisms"]:
            for method in mech["methods"]:
                papers = method["papers"] or [{"iri": "", "status": ""}]
                for paper in papers:
                    got.add((cell["phase"], cell["problem"], mech["iri"], method["iri"],
                             paper["iri"], paper["status"] or ""))
    assert got == claims


def test_matrix_csv_equals_the_matrix_computed_directly(server, knowledge):
    claims, _ = direct_matrix(knowledge)
    reply = request(server.url + "/matrix.csv")
    assert reply.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    # one row per claim: a paper's claims name the paper, a method's and mechanism's do not
    with_paper = {(r["phase"], r["problem"], r["mechanism"], r["method"]) for r in rows
                  if r["paper"]}
    got = {(r["phase"], r["problem"], r["mechanism"], r["method"], r["paper"], r["status"])
           for r in rows if r["method"] and (r["paper"] or (
               r["phase"], r["problem"], r["mechanism"], r["method"]) not in with_paper)}
    assert got == claims
    # a cell with no claim at all is one row without a mechanism (computed, since the
    # review's papers moved model selection x hold-up out of this set)
    cells = {(r["phase"], r["problem"]) for r in rows}
    empty = {(r["phase"], r["problem"]) for r in rows if not r["mechanism"]}
    assert len(cells) == 12
    assert empty == cells - {(c[0], c[1]) for c in claims}
    assert (ATLAS + "ModelSelection", ATLAS + "MoralHazard") in empty


def test_matrix_page_marks_paper_claims_and_curation(server):
    page = request(server.url + "/matrix", headers={"Accept": "text/html"}).body.decode()
    assert "[realizes: LLM ATLAS, " in page and "[applicableIn: curation]" in page
    assert "gap: no supporting paper" in page
    assert 'href="/resource/paper/inan-2023-llama-guard"' in page
