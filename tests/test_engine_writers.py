"""SPARQL JSON written by Oxigraph itself equals what our writer wrote, and the row limit holds.

The engine hands SELECT answers in SPARQL JSON to Oxigraph's own writer (Rust) and keeps ours for
the other formats. Here both write every named question, the benchmark's probes and a set of
awkward terms, compared parsed (blank nodes by label: one store, one evaluation order); then the
row limit is checked at its edges, including an answer whose body is past the bound the Rust
path stops at while its rows are within the limit.
"""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from llm_atlas.core.sparql.queries import bind, load_named_queries
from llm_atlas.errors import ResultTooLarge
from llm_atlas.namespaces import PREFIXES
from llm_atlas.store.embedded.engine import Engine
from llm_atlas.store.results import encode_result, solutions_in_engine, written_by_engine

AWKWARD = ('INSERT DATA { GRAPH <urn:x-writers:g> { <urn:x-writers:s> <urn:x-writers:p> '
           '"tab\\there"@en, "ltr"@en--ltr, "7"^^<http://www.w3.org/2001/XMLSchema#integer>, '
           '_:b, "line\\r\\nbreak \\u2028 </script> \\"q\\"", <<( <urn:a> <urn:b> "c"@ar--rtl )>>,'
           ' "\\u0001" } }')


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Engine:
    engine = Engine(str(tmp_path_factory.mktemp("writers") / "store"))
    engine.build()
    engine.update(AWKWARD)
    return engine


def texts() -> list[tuple[str, str]]:
    named = [(q.name, bind(q, {}, PREFIXES)) for q in load_named_queries()]
    return named + [
        ("awkward terms", "SELECT ?s ?o ?unbound WHERE { GRAPH ?g { ?s <urn:x-writers:p> ?o } }"),
        ("no variables", "SELECT * {}"),
        ("one unbound row", "SELECT ?x { VALUES ?x { UNDEF } }"),
        ("graphs", "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"),
    ]


@pytest.mark.parametrize(("name", "text"), texts(), ids=[n for n, _ in texts()])
def test_oxigraphs_json_equals_ours(engine, name, text):
    kind, body = engine.query(text, solution_format="json")
    _, ours = encode_result(engine.store.query(text, use_default_graph_as_union=True), "json",
                            "turtle", 100_000)
    assert kind == "solutions"
    assert json.loads(body) == json.loads(ours), name
    assert body != ours  # the engine's own (compact) bytes, not ours: the Rust path was taken


def test_only_json_is_written_by_the_engine():
    assert written_by_engine("json")
    assert not any(written_by_engine(f) for f in ("xml", "csv", "tsv"))


ROWS = "SELECT ?n { VALUES ?n { %s } }"


@pytest.mark.parametrize("rows", [1, 9, 10])
def test_an_answer_within_the_limit_is_whole(engine, rows):
    text = ROWS % " ".join(str(i) for i in range(rows))
    _, body = engine.query(text, max_rows=10)
    assert [int(b["n"]["value"]) for b in json.loads(body)["results"]["bindings"]] == list(
        range(rows))


def test_one_row_past_the_limit_is_refused_not_cut(engine):
    with pytest.raises(ResultTooLarge):
        engine.query(ROWS % " ".join(str(i) for i in range(11)), max_rows=10)


def test_a_long_answer_within_the_limit_is_counted_and_whole(engine):
    """Ten rows of 200 characters: far past the 29 bytes that prove ten rows at most, so the Rust
    path stops, and the query is evaluated again and counted row by row."""
    text = ROWS % " ".join(f'"{i}{"x" * 200}"' for i in range(10))
    result = engine.store.query(text)
    assert solutions_in_engine(result, 10) is None
    _, body = engine.query(text, max_rows=10)
    assert len(json.loads(body)["results"]["bindings"]) == 10


def test_the_rust_path_stops_at_its_bound(engine):
    result = engine.store.query(ROWS % " ".join(str(i) for i in range(50)))
    assert isinstance(result, ox.QuerySolutions)
    assert solutions_in_engine(result, 10) is None
