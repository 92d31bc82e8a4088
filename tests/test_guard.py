"""The query guard: it reads SPARQL as the engine does, so no call can hide from it.

Each bypass found is a case here, run twice: Oxigraph (pyoxigraph) must really connect to a
loopback listener for it, and the guard must refuse it. Legitimate texts that look alike are
accepted. The lexer's terminals are checked one by one, and the bounds stop the reading early.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_atlas.core.sparql import guard
from llm_atlas.core.sparql.guard import add_using, analyse
from llm_atlas.core.sparql.lexer import surely_valid_iri, tokens
from llm_atlas.errors import QueryRefused
from service_probe import Probe

QUERIES = sorted((Path(__file__).parent.parent / "queries").glob("*.rq"))
CALL = "<{target}/x> { ?a ?b ?c }"


@pytest.fixture(scope="module")
def probe():
    running = Probe()
    yield running
    running.close()


# (name, text after the prefixes, is it an update); {call} is a SERVICE endpoint and its group.
# All but the escaped `.` and `%23` passed the guard before it read SPARQL as Oxigraph does.
BYPASSES = [
    ("a comment ends at CR", "SELECT * { ?s ?p ?o # note\rSERVICE {call} }", False),
    ("an escaped # inside a prefixed name", r"SELECT * { ?s ?p e:a\# . SERVICE {call} }", False),
    ("an escaped . inside a prefixed name", r"SELECT * { ?s ?p e:a\. . SERVICE {call} }", False),
    ("a percent escape inside a prefixed name",
     "SELECT * { ?s ?p e:a%23 . SERVICE {call} }", False),
    ("a keyword glued to a prefixed name", "SELECT * { ?s ?p ?o SERVICEt:x { ?a ?b ?c } }", False),
    ("a keyword glued to the empty prefix", "SELECT * { ?s ?p ?o service:x { ?a ?b ?c } }", False),
    ("SILENT glued to SERVICE", "SELECT * { ?s ?p ?o SeRvIcEsIlEnT{call} }", False),
    ("SERVICE glued to a boolean object", "SELECT * { ?s ?p trueSERVICE{call} }", False),
    ("SERVICE glued to a double object", "SELECT * { ?s ?p 1e5SERVICE{call} }", False),
    ("a local name takes one run of dots", "SELECT * { ?s ?p e:x.y.SERVICE{call} }", False),
    ("an invalid relative IRI read again as `<` and a comment",
     'SELECT * { ?s ?p ?o FILTER(?o <2#> """\n) SERVICE {call} }\n#"""', False),
    ("a prefixed name whose IRI is invalid read again as its prefix",
     r"SELECT * { ?s ?p h:SERVICEt:x\# { ?a ?b ?c } }", False),
    ("LOAD glued to a prefixed name", "LOADt:x", True),
    ("LOAD glued to SILENT", "LOADSILENT<{target}/x>", True),
    ("LOAD after a comment that ends at CR",
     "INSERT DATA { <urn:a> <urn:b> 1 } # x\r;LOAD <{target}/x>", True),
]


@pytest.mark.parametrize(("name", "body", "update"), BYPASSES, ids=[b[0] for b in BYPASSES])
def test_a_call_that_oxigraph_makes_is_refused(probe, name, body, update):
    call = CALL.replace("{target}", probe.target)
    text = probe.prefixes + body.replace("{call}", call).replace("{target}", probe.target)
    assert probe.connects(text, update), "not a call for Oxigraph: the case proves nothing"
    with pytest.raises(QueryRefused, match="LOAD" if update else "SERVICE|IRI"):
        analyse(text)


def test_a_call_written_with_codepoint_escapes_is_refused():
    # Oxigraph 0.5 leaves \u escapes outside strings alone, engines that follow SPARQL 1.1's
    # section 19.2 (Jena) decode them first: there this is SERVICE after a line break
    text = r"SELECT * { ?s ?p ?o # \u000A\u0053ERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }"
    with pytest.raises(QueryRefused, match="SERVICE"):
        analyse(text)


@pytest.mark.parametrize("text", [
    'SELECT ?x { BIND("SERVICE <http://x/>" AS ?x) FILTER(?x != <http://example.org/SERVICE>) }',
    "SELECT * { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> { }",
    "SELECT * { ?s ?p '''it's # not a comment\nSERVICE <http://127.0.0.1:9/> {}''' }",
    "PREFIX services: <urn:s/> SELECT * { ?s services:p ?o . ?o services:q 'x#y' }",
    r"PREFIX e: <urn:e/> SELECT * { ?s ?p e:a\#b, e:load\.x, e:%41 }",
    "PREFIX loader: <urn:l/> INSERT DATA { loader:a loader:b loader:c }",
    "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
    "BASE <http://example.org/> SELECT * { <#me> <knows> <service/a> }",
], ids=["string-and-iri", "comment", "long-string", "prefix-named-services", "escapes",
        "prefix-named-loader", "less-than", "relative-iris-with-base"])
def test_look_alikes_are_accepted(text):
    analyse(text)


@pytest.mark.parametrize("path", QUERIES, ids=[p.stem for p in QUERIES])
def test_the_named_questions_pass(path):
    assert analyse(path.read_text(encoding="utf-8")).form in ("SELECT", "ASK", "CONSTRUCT")


@pytest.mark.parametrize(("text", "form"), [
    ("SELECT * {}", "SELECT"),
    ("select ?select { ?select ?ask ?o }", "SELECT"),
    ("ASK {}", "ASK"),
    ("PREFIX e: <urn:e/> BASE <http://b/> construct { ?s ?p ?o } WHERE {}", "CONSTRUCT"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
    ("DESCRIBE <urn:x>", "DESCRIBE"),
    ("# SELECT in a comment\nASK {}", "ASK"),
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", None),
    ("DELETE WHERE { ?s ?p ?o }", None),
    ("", None),
])
def test_the_form_is_the_first_query_keyword(text, form):
    assert analyse(text).form == form


# text -> (from_graphs, from_named_graphs, dataset_iris, has_dataset_clause, has_using)
DATASETS = [
    ("SELECT * { GRAPH <urn:g> { ?s ?p ?o } }", ([], [], [], False, False)),
    ("SELECT * FROM NAMED <urn:n> {}", ([], ["urn:n"], ["urn:n"], True, False)),
    ("SELECT * FROM <urn:a> FROM <urn:a> {}", (["urn:a", "urn:a"], [], ["urn:a", "urn:a"], True,
                                               False)),
    ("SELECT * { ?s ?p <urn:from> } # FROM <urn:x>", ([], [], [], False, False)),
    ("WITH <urn:w> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", ([], [], ["urn:w"], False, True)),
    ("DELETE { ?s ?p ?o } USING NAMED <urn:n> WHERE { ?s ?p ?o }",
     ([], [], ["urn:n"], False, True)),
    ("INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }", ([], [], [], False, False)),
]


@pytest.mark.parametrize(("text", "expected"), DATASETS, ids=[d[0][:40] for d in DATASETS])
def test_dataset_clauses_are_told_apart(text, expected):
    found = analyse(text)
    assert (found.from_graphs, found.from_named_graphs, found.dataset_iris,
            found.has_dataset_clause, found.has_using) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", guard._SERVICE),
    ("SELECT * { SERVICE SILENT <http://example.org/sparql> { ?s ?p ?o } }", guard._SERVICE),
    ("SELECT * { ?s ?p ?o { service ?endpoint { ?a ?b ?c } } }", guard._SERVICE),
    ("LOAD <http://example.org/data.ttl>", guard._LOAD),
    ("load silent <http://example.org/data.ttl> INTO GRAPH <urn:g>", guard._LOAD),
    ("INSERT DATA { <urn:a> <urn:b> 1 } ; LOAD <http://example.org/x>", guard._LOAD),
])
def test_service_and_load_are_refused_with_their_message(text, message):
    with pytest.raises(QueryRefused) as refused:
        analyse(text)
    assert str(refused.value) == message


def test_dataset_graphs_are_collected_however_written():
    analysis = analyse("PREFIX e: <urn:e/> SELECT * FROMe:g FROM NAMED <urn:n> fromNAMEDe:m {}")
    assert analysis.from_graphs == ["urn:e/g"]
    assert analysis.from_named_graphs == ["urn:n", "urn:e/m"]
    assert analysis.form == "SELECT"
    assert analyse("WITH <urn:w> DELETE { ?s ?p ?o } USING <urn:u> WHERE { ?s ?p ?o }"
                   ).dataset_iris == ["urn:w", "urn:u"]


@pytest.mark.parametrize(("text", "named"), [("SELECT * FROM ?x {}", "?x"),
                                             ("SELECT * FROM <rel> {}", "<rel>"),
                                             ("SELECT * FROM nope:g {}", "nope:g")])
def test_a_dataset_clause_that_names_no_certain_graph_is_refused(text, named):
    with pytest.raises(QueryRefused) as refused:
        analyse(text)
    assert str(refused.value).startswith(f"FROM: {named} is not a valid IRI; name a graph")


def test_an_iri_the_engine_might_read_as_code_is_refused():
    with pytest.raises(QueryRefused, match=r"<a#b> is not an IRI"):
        analyse("SELECT * { ?s ?p <a#b> }")


def test_relative_iris_are_iris_when_the_engine_is_given_a_base():
    # the endpoint gives the engine its own URL as base: `<a#b>` is then an IRI for Oxigraph
    analysis = analyse("BASE <b/> SELECT * FROM <g> { ?s ?p <a#b> }", base_given=True)
    assert (analysis.from_graphs, analysis.bases) == (["g"], ["b/"])


def test_add_using_still_finds_each_where():
    update = "DELETE { ?s ?p ?o } # c\rWHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }"
    assert add_using(update, ["urn:g"], []) == (
        "DELETE { ?s ?p ?o } # c\rUSING <urn:g> WHERE { ?s ?p ?o } ; DELETE WHERE { ?s ?p ?o }")


# -- the lexer's terminals --------------------------------------------------------------------

def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("# a\rSERVICE", [("word", "SERVICE")]),
    ("# a\r\nx # b\ny", [("word", "x"), ("word", "y")]),
    (r"e:a\#b c", [("word", r"e:a\#b"), ("word", "c")]),
    (r"e:a%2Fb\~", [("word", r"e:a%2Fb\~")]),
    ("e:x.y.z", [("word", "e:x.y"), ("other", "."), ("word", "z")]),
    ("e:a. ", [("word", "e:a"), ("other", ".")]),
    ("e:a:b :c e:", [("word", "e:a:b"), ("word", ":c"), ("word", "e:")]),
    ('"a#b" \'c\' """d\n"e""" \'\'\'f\'\'g\'\'\'', [("string", '"a#b"'), ("string", "'c'"),
                                                 ("string", '"""d\n"e"""'),
                                                 ("string", "'''f''g'''")]),
    ('"a\nb"', [("other", '"'), ("word", "a"), ("word", "b"), ("other", '"')]),
    (r'"\"#" x', [("string", r'"\"#"'), ("word", "x")]),
    ("<a b> <a:b>", [("other", "<"), ("word", "a"), ("word", "b"), ("other", ">"),
                     ("iri", "<a:b>")]),
    (r"<a\u0041>", [("iri", r"<a\u0041>")]),
    ("?x $y _:b.c _:d. @en-GB", [("var", "?x"), ("var", "$y"), ("bnode", "_:b.c"),
                                 ("bnode", "_:d"), ("other", "."), ("lang", "@en-GB")]),
    ("1e5SERVICE .5 1. 2", [("number", "1e5"), ("word", "SERVICE"), ("number", ".5"),
                            ("number", "1"), ("other", "."), ("number", "2")]),
    (r"\#x", [("other", r"\#"), ("word", "x")]),
])
def test_terminals_split_as_the_engine_splits_them(text, expected):
    assert kinds(text) == expected


def test_surely_valid_iris_are_ones_oxigraph_accepts():
    assert surely_valid_iri("http://example.org/a?b#c")
    assert surely_valid_iri("urn:isbn:1")
    for doubtful in ["rel", "http://a:b/", "http://a/#b#c", "http://a/%zz", "1:x", "a b:c",
                     "http://[::1]/"]:
        assert not surely_valid_iri(doubtful), doubtful
    assert surely_valid_iri("x/y#z", has_base=True)


# -- bounds: the reading stops as soon as one is passed ----------------------------------------

@pytest.fixture()
def produced(monkeypatch):
    """Every token the guard's lexer hands over."""
    seen = []

    class Counting(guard.Lexer):
        def __iter__(self):
            for tok in super().__iter__():
                seen.append(tok)
                yield tok

    monkeypatch.setattr(guard, "Lexer", Counting)
    return seen


def test_nesting_past_the_bound_is_refused_after_reading_just_past_it(produced):
    with pytest.raises(QueryRefused, match=f"more than {guard.MAX_NESTING} deep"):
        analyse("SELECT * WHERE " + "(" * 1_000_000)
    assert len(produced) == 3 + guard.MAX_NESTING + 1


def test_a_text_past_the_token_bound_is_refused_after_reading_just_past_it(produced):
    with pytest.raises(QueryRefused, match=f"more than {guard.MAX_TOKENS} terms"):
        analyse("SELECT * { " + "?x " * (3 * guard.MAX_TOKENS))
    assert len(produced) == guard.MAX_TOKENS + 1


def test_a_repeated_text_gets_an_equal_analysis_of_its_own():
    text = "SELECT * FROM <http://example.org/a> FROM NAMED <http://example.org/b> { ?s ?p ?o }"
    first = analyse(text, base_given=True)
    first.dataset_iris.append("http://example.org/changed")
    first.from_graphs.clear()
    again = analyse(text, base_given=True)
    assert again.dataset_iris == ["http://example.org/a", "http://example.org/b"]
    assert again.from_graphs == ["http://example.org/a"] and again is not first
    assert again == analyse(text + " ", base_given=True)  # the same as a fresh analysis


def test_a_refused_text_is_refused_every_time():
    text = "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    for _ in range(3):
        with pytest.raises(QueryRefused, match="SERVICE"):
            analyse(text, base_given=True)


def test_a_long_text_is_analysed_afresh_and_alike():
    text = "SELECT * { ?s ?p ?o } # " + "x" * 10_000
    assert analyse(text) == analyse(text) and analyse(text).form == "SELECT"
