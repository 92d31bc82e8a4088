"""The guard against Oxigraph itself: generated texts that hide (or seem to hide) a SERVICE call
or a LOAD among the lexical edges of SPARQL are run on pyoxigraph with a loopback listener as
the endpoint. A text the guard accepts must never make the engine connect.

The texts are built around what differs between readers: comments ending at CR, CR LF or
not at all, escapes and dots in prefixed names, strings holding `#`, quotes or keywords,
keywords in any case and glued to their neighbours, IRIs that the engine reads again as code.
Derandomized and bounded (the same examples on every run, no example database).
"""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_atlas.core.sparql.guard import analyse
from llm_atlas.core.sparql.lexer import iri_text, surely_valid_iri
from llm_atlas.errors import QueryRefused
from service_probe import Probe

BOUNDED = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
GAPS = ["", " ", "\n", "\r", "\r\n", "\t", "#c\n", "#c\r", "# SERVICE <x> {\r", "#\r\n", "#"]
TARGETS = ["<{T}/x>", "t:x", ":x", r"t:x\#", "t:x.y", "t:", "<{T}/x#>", "<x>", "<#x>"]
BEFORE = ["", "?s ?p ?o ", "?s ?p ?o .", "?s ?p true", "?s ?p 1e5", "?s ?p 1", "?s ?p 1.5",
          r"?s ?p e:a\#", r"?s ?p e:a\.", r"?s ?p e:a\-", r"?s ?p e:a\~", "?s ?p e:a%23",
          "?s ?p e:x.y.", "?s ?p e:x.y", "?s ?p h:", '?s ?p "x#y"', "?s ?p 'x#y'", "# hid",
          "FILTER(?o <2#>", "FILTER(?o <2", '?s ?p """', "?s ?p '''", '?s ?p "', "?s ?p <a#>",
          "?s ?p <urn:o>", r"?s ?p e:a\\"]
AFTER = ["", "\n", "\r", '"""', "'''", "#", ") ", '\n"""', "\n#", '\n#"""', '"', "}"]


def any_case(word: str) -> st.SearchStrategy[str]:
    """The word with each letter in either case, as SPARQL keywords may be written."""
    flips = st.lists(st.booleans(), min_size=len(word), max_size=len(word))
    return flips.map(
        lambda up: "".join(c.upper() if u else c for c, u in zip(word, up, strict=True)))


@st.composite
def endpoint(draw) -> str:
    """[SILENT] and the endpoint of a SERVICE or LOAD, with gaps that may be empty."""
    parts = [draw(st.sampled_from(GAPS))]
    if draw(st.booleans()):
        parts += [draw(any_case("silent")), draw(st.sampled_from(GAPS))]
    parts.append(draw(st.sampled_from(TARGETS)))
    return "".join(parts)


@st.composite
def hidden_services(draw) -> str:
    """A query with a SERVICE call after something that might hide it from one reader."""
    call = (draw(any_case("service")) + draw(endpoint()) + draw(st.sampled_from(GAPS))
            + "{ ?a ?b ?c }")
    return ("SELECT * { ?s ?p ?o . " + draw(st.sampled_from(BEFORE))
            + draw(st.sampled_from(GAPS)) + call + draw(st.sampled_from(AFTER)) + " }"
            + draw(st.sampled_from(AFTER)))


@st.composite
def hidden_loads(draw) -> str:
    """An update with a LOAD after something that might hide it."""
    before = draw(st.sampled_from(["", "INSERT DATA { <urn:a> <urn:b> 1 } ;",
                                   "INSERT DATA { <urn:a> <urn:b> 1 }", "# x", "#",
                                   'INSERT DATA { <urn:a> <urn:b> "#" } ;']))
    into = draw(st.sampled_from(["", " INTO GRAPH <urn:g>", " into graph<urn:g>"]))
    return (before + draw(st.sampled_from(GAPS)) + draw(any_case("load")) + draw(endpoint())
            + into + draw(st.sampled_from(AFTER)))


@pytest.fixture(scope="module")
def probe():
    running = Probe()
    yield running
    running.close()


def run_differential(probe: Probe, texts: st.SearchStrategy[str], update: bool,
                     examples: int, with_base: bool = False) -> Counter:
    """Guard and engine on each generated text; fails on a text accepted that connects.

    `with_base`: the engine is given a base IRI (the listener's), as the endpoint gives its
    own URL, and the guard is told so; relative IRIs are then IRIs for both.
    """
    base = probe.target + "/base/" if with_base else None
    tally: Counter = Counter()

    @settings(BOUNDED, max_examples=examples)
    @given(texts)
    def check(body: str) -> None:
        text = probe.prefixes + body.replace("{T}", probe.target)
        try:
            analyse(text, base_given=with_base)
            accepted = True
        except QueryRefused:
            accepted = False
        connected = probe.connects(text, update, base)
        tally[accepted, connected] += 1
        assert not (accepted and connected), f"the guard let through a call: {text!r}"

    check()
    return tally


@pytest.mark.parametrize("with_base", [False, True], ids=["no-base", "endpoint-base"])
def test_no_generated_query_the_guard_accepts_calls_a_service(probe, with_base):
    tally = run_differential(probe, hidden_services(), False, 300, with_base)
    # the generator must really produce calls the guard stops, and texts it lets through
    assert tally[False, True] >= 50, tally
    assert tally[True, False] >= 20, tally


@pytest.mark.parametrize("with_base", [False, True], ids=["no-base", "endpoint-base"])
def test_no_generated_update_the_guard_accepts_loads_a_document(probe, with_base):
    tally = run_differential(probe, hidden_loads(), True, 150, with_base)
    assert tally[False, True] >= 30, tally
    assert tally[True, False] >= 10, tally


SCHEMES = ["http://", "urn:", "http:", "a+b.c-d:", "", "1a:"]
IRI_PIECES = ["//", "/", "a", "1", ":", "@", "?", "#", "%41", "%z", "[", "]",
              "-", ".", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", "_",
              "\u00e9", "\ue000", "\ufff0", "\u2028", "\\u0041", "\\u0020", "x y"]


@settings(BOUNDED, max_examples=300)
@given(st.tuples(st.sampled_from(SCHEMES), st.lists(st.sampled_from(IRI_PIECES), max_size=8))
       .map(lambda parts: parts[0] + "".join(parts[1])))
def test_an_iri_the_guard_takes_for_certain_is_one_oxigraph_accepts(iri):
    text = f"ASK {{ <{iri}> ?p ?o }}"
    if surely_valid_iri(iri_text(f"<{iri}>")):
        ox.Store().query(text)  # a SyntaxError here would fail the test
