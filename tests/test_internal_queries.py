"""The service's own queries live in core/sparql/rq/ and nowhere else: each parses, says what it
asks, and takes its values only through the binder, which writes IRIs checked and literals
escaped."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Literal, URIRef
from rdflib.plugins.sparql import prepareQuery

from llm_atlas.core.sparql.internal import MARKER, bind_values, internal_query, solutions

PACKAGE = Path(__file__).resolve().parents[1] / "service" / "llm_atlas"
RQ = sorted((PACKAGE / "core" / "sparql" / "rq").glob("*.rq"))

# A string constant that begins like SPARQL text: a form keyword followed by what can follow it
# in a query or update (a bare keyword is a name, as in the guard's keyword tables).
SPARQL_TEXT = re.compile(r"\s*(SELECT|ASK|CONSTRUCT|DESCRIBE|INSERT|DELETE)"
                         r"(\s+(\{|\(|\?|\$|\*|<|DATA\b|WHERE\b|DISTINCT\b|REDUCED\b)|\s*$)")
DATA_UPDATE = ("SPARQL Update carrying data: triples written as N-Triples by pyoxigraph, IRIs "
               "checked; INSERT DATA takes no VALUES, so it cannot be a fixed .rq text")
# (module under llm_atlas/, enclosing function) -> why its SPARQL-like text is not a fixed query
JUSTIFIED = {
    ("store/embedded/engine.py", "write_graph"): DATA_UPDATE,
    ("store/embedded/engine.py", "commit"): DATA_UPDATE,
    ("store/embedded/engine.py", "build"): DATA_UPDATE,
    ("store/remote/build.py", "build_into"): DATA_UPDATE,
    ("store/remote/text.py", "insert_operations"): DATA_UPDATE,
    ("store/remote/commit.py", "claim_text"): DATA_UPDATE,
    ("store/remote/commit.py", "write_text"): DATA_UPDATE + " (its conditions vary per write)",
    ("web/pages.py", "query_page"): "the example the query form shows; run only when sent",
    ("web/annotations.py", "retract"): "the HTTP request line recorded with a retraction",
}


def _dummy_bound(text: str) -> str:
    return bind_values(text, **{name: "https://example.org/x" for name in MARKER.findall(text)})


def test_there_are_internal_queries():
    assert len(RQ) >= 40


@pytest.mark.parametrize("path", RQ, ids=lambda p: p.name)
def test_each_internal_query_has_a_header_parses_and_is_filled_by_the_binder(path):
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# ") and len(first) > 20, f"{path.name} needs a header comment"
    assert internal_query(path.stem) == text
    bound = _dummy_bound(text)
    assert MARKER.findall(bound) == []
    prepareQuery(bound)  # rdflib's parser
    ox.Store().query(bound)  # and Oxigraph's (on an empty store)


def _sparql_text_in(path: Path) -> list[tuple[str | None, int, str]]:
    """(enclosing function, line, start) of each string constant that begins like SPARQL."""
    found = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, child.name)
                continue
            if (isinstance(child, ast.Constant) and isinstance(child.value, str)
                    and SPARQL_TEXT.match(child.value) and child.value not in
                    ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "INSERT", "DELETE")):
                found.append((function, child.lineno, child.value[:40]))
            visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8")), None)
    return found


def test_no_module_holds_sparql_text_but_the_justified_few():
    seen, unjustified = set(), []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        for function, line, start in _sparql_text_in(path):
            if (module, function) in JUSTIFIED:
                seen.add((module, function))
            else:
                unjustified.append(f"{module}:{line} ({function}): {start!r}")
    assert unjustified == [], "move these queries to core/sparql/rq/ and bind their values"
    assert seen == set(JUSTIFIED), "an exception no longer needed: remove it from JUSTIFIED"


def test_the_scan_sees_sparql_text_in_plain_and_formatted_strings(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('def f(g):\n    a = "ASK { }"\n    return f"SELECT ?s WHERE {{ GRAPH <{g}> '
                      '{{ ?s ?p ?o }} }}", "DELETE needs a graph", "SELECT"\n')
    assert [(f, line) for f, line, _ in _sparql_text_in(module)] == [("f", 2), ("f", 3)]


SELF = "SELECT ?v WHERE { VALUES ?v { } }"


@pytest.mark.parametrize("value", [
    Literal('say "hi" \\ and\nnew line\ttab'),
    Literal('"}} } UNION { ?s ?p ?o }', lang="en"),
    Literal("3", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
    Literal("plain"),
    ox.Literal('">> }', language="de"),
    URIRef("https://example.org/a?b=c#d"),
    ox.NamedNode("urn:x:y"),
    "https://example.org/é",
], ids=repr)
def test_the_binder_writes_each_term_as_itself(value):
    """The term comes back from the engine as it went in: quotes and brackets cannot escape."""
    class Store:
        def query(self, text, *, solution_format="json"):
            return "solutions", ox.Store().query(text).serialize(
                format=ox.QueryResultsFormat.JSON)

    expected = value if isinstance(value, URIRef | Literal) else _rdflib(value)
    assert solutions(Store(), bind_values(SELF, v=value)) == [{"v": expected}]


def _rdflib(value: ox.NamedNode | ox.Literal | str) -> URIRef | Literal:
    if isinstance(value, ox.Literal):
        return Literal(value.value, lang=value.language)
    return URIRef(value.value if isinstance(value, ox.NamedNode) else value)


@pytest.mark.parametrize("bad", ["https://example.org/a>b", "https://example.org/a b",
                                 'https://example.org/"', "not an iri", "relative/path",
                                 "https://example.org/{x}"])
def test_the_binder_refuses_what_is_not_an_iri(bad):
    with pytest.raises(ValueError):
        bind_values(SELF, v=bad)
    with pytest.raises(ValueError):
        bind_values(SELF, v=URIRef(bad))


def test_the_binder_refuses_blank_nodes():
    with pytest.raises(TypeError):
        bind_values(SELF, v=BNode())


def test_the_binder_fills_every_marker_and_only_markers():
    with pytest.raises(ValueError, match="given"):
        bind_values(SELF)  # a marker left empty would silently answer nothing
    with pytest.raises(ValueError, match="given"):
        bind_values(SELF, v="urn:a", w="urn:b")
    twice = "SELECT * { { VALUES ?v { } } UNION { VALUES ?v { } } }"
    assert bind_values(twice, v=["urn:a", "urn:b"]) == (
        "SELECT * { { VALUES ?v { <urn:a> <urn:b> } } UNION { VALUES ?v { <urn:a> <urn:b> } } }")
    assert bind_values(SELF, v=[]) == "SELECT ?v WHERE { VALUES ?v {  } }"
