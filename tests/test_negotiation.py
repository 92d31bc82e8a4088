"""Content negotiation on its own (web/negotiation.py): an Accept table for SELECT/ASK answers
and for graphs in the manner of Oxigraph's server, q-values and specificity (RFC 9110 section
12.5.1), `format=` names, file extensions and the HTML preference. The IRIs' documents, with
real browsers' headers, are in test_iri_negotiation.py."""

from __future__ import annotations

import pytest

from llm_atlas.web import negotiation as neg
from llm_atlas.web.negotiation import NotAcceptable

SOLUTIONS_MEDIA = ("application/sparql-results+json, application/sparql-results+xml, text/csv, "
                   "text/tab-separated-values")
GRAPHS_MEDIA = "text/turtle, application/n-triples, application/rdf+xml, application/ld+json"


def chosen(offered, accept: str | None) -> str | None:
    """The name of the format negotiated, or None for 406."""
    try:
        return neg.choose(offered, accept).name
    except NotAcceptable:
        return None


# Accept header -> (format for SELECT/ASK, format for CONSTRUCT/DESCRIBE); None: 406
TABLE = [
    # no preference: the first registered of each kind
    (None, "json", "turtle"),
    ("", "json", "turtle"),
    ("*/*", "json", "turtle"),
    # exact types, our own and their aliases
    ("application/sparql-results+json", "json", None),
    ("application/json", "json", None),
    ("application/sparql-results+xml", "xml", None),
    ("application/xml", "xml", None),
    ("text/csv", "csv", None),
    ("text/tab-separated-values", "tsv", None),
    ("text/turtle", None, "turtle"),
    ("application/x-turtle", None, "turtle"),
    ("application/turtle", None, "turtle"),
    ("text/n3", None, "turtle"),
    ("application/n-triples", None, "ntriples"),
    ("text/plain", None, "ntriples"),
    ("application/rdf+xml", None, "rdfxml"),
    ("application/ld+json", None, "jsonld"),
    ("text/html", None, None),
    ("image/png", None, None),
    # media types and parameter names are case-insensitive; parameters other than q are ignored
    ("APPLICATION/SPARQL-RESULTS+XML", "xml", None),
    ("Text/Turtle", None, "turtle"),
    ("application/sparql-results+json;charset=utf-8", "json", None),
    ("text/turtle; charset=UTF-8; q=0.5, application/rdf+xml;q=0.4", None, "turtle"),
    ("text/csv;Q=0.2, text/tab-separated-values;q=0.3", "tsv", None),
    ("text/csv ; q = 0.2 , text/tab-separated-values ; q = 0.3", "tsv", None),
    # the highest q wins, whatever the order
    ("text/csv;q=0.5, application/sparql-results+xml", "xml", None),
    ("application/rdf+xml;q=0.5, text/turtle;q=0.9", None, "turtle"),
    ("text/turtle;q=0.2, application/ld+json;q=0.8", None, "jsonld"),
    # ties go to the first registered, not to the header's order
    ("text/tab-separated-values, text/csv", "csv", None),
    ("application/ld+json, application/rdf+xml", None, "rdfxml"),
    ("text/csv;q=0.5, text/tab-separated-values;q=0.5", "csv", None),
    # wildcards: a type's wildcard covers the types we send, not an alias we merely accept
    ("text/*", "csv", "turtle"),
    ("application/*", "json", "ntriples"),
    ("image/*", None, None),
    ("*/*;q=0.1, text/tab-separated-values;q=0.2", "tsv", "turtle"),
    # the most specific range decides: q=0 there excludes a format that a wildcard admits
    ("text/turtle;q=0, */*", "json", "ntriples"),
    ("*/*;q=0.1, text/turtle;q=0", "json", "ntriples"),
    ("text/*;q=0.1, text/csv;q=0", "tsv", "turtle"),
    ("text/*, text/csv;q=0.1", "tsv", "turtle"),
    ("*/*, application/json;q=0.1", "xml", "turtle"),
    # our own type is more specific than its alias
    ("application/json;q=0.9, application/sparql-results+json;q=0.1", "json", None),
    ("application/json;q=0.9, application/sparql-results+json;q=0.1, */*;q=0.5", "xml", "turtle"),
    # q=0 alone: nothing acceptable
    ("*/*;q=0", None, None),
    ("text/csv;q=0", None, None),
    ("text/turtle;q=0.000", None, None),
    # malformed entries are skipped; a header of nothing else counts as absent
    ("garbage", "json", "turtle"),
    (",,,", "json", "turtle"),
    (";q=1", "json", "turtle"),
    ("garbage, text/tab-separated-values", "tsv", None),
    ("text/csv;q=oops, text/tab-separated-values;q=0.1", "tsv", None),
    # a malformed q-value counts as 0, whichever format it is on
    ("text/turtle;q=abc", None, None),
    # out-of-range q-values are clamped to [0, 1]
    ("text/csv;q=7, text/tab-separated-values;q=0.9", "csv", None),
    ("text/csv;q=-1, text/tab-separated-values;q=0.1", "tsv", None),
    ("text/turtle;q=-0.5", None, None),
]


@pytest.mark.parametrize(("accept", "for_solutions", "for_graphs"), TABLE)
def test_the_accept_table(accept, for_solutions, for_graphs):
    assert (chosen(neg.solutions(), accept), chosen(neg.graphs(), accept)) == (
        for_solutions, for_graphs)


@pytest.mark.parametrize(("header", "ranges"), [
    (None, ()),
    ("", ()),
    ("Text/Turtle; charset=UTF-8; q=0.5", (("text/turtle", 0.5),)),
    ("a/b, bad, */*;q=2, c/d;q=-3, e/f;q=x, g/h;level=1;q=0.25",
     (("a/b", 1.0), ("*/*", 1.0), ("c/d", 0.0), ("e/f", 0.0), ("g/h", 0.25))),
    ("x/z;q=inf", (("x/z", 1.0),)),
])
def test_parse_accept_gives_ranges_in_header_order(header, ranges):
    assert neg.parse_accept(header) == ranges


@pytest.mark.parametrize(("accept", "for_solutions", "for_graphs"), [
    ("application/sparql-results+json;q=nan", None, None),
    ("text/turtle;q=nan", None, None),
    ("application/rdf+xml;q=NaN", None, None),
    ("application/sparql-results+json;q=nan, text/csv;q=0.1", "csv", None),
])
def test_a_q_value_of_nan_counts_as_zero_for_every_format(accept, for_solutions, for_graphs):
    # it was kept as NaN, which no comparison ranks: the first format offered was chosen with
    # it, any other refused
    assert neg.parse_accept(accept)[0][1] == 0.0
    assert (chosen(neg.solutions(), accept), chosen(neg.graphs(), accept)) == (
        for_solutions, for_graphs)


def test_a_very_long_header_is_read_whole_and_not_cached():
    # a thousand ranges nobody offers, then the one that decides
    header = ", ".join(f"application/x-junk-{i};q=0.9" for i in range(1000))
    header += ", text/tab-separated-values;q=0.1"
    before = neg._cached_accept.cache_info().currsize
    assert len(neg.parse_accept(header)) == 1001
    assert neg.choose(neg.solutions(), header).name == "tsv"
    assert neg._cached_accept.cache_info().currsize == before


def test_not_acceptable_names_what_is_offered():
    with pytest.raises(NotAcceptable) as refused:
        neg.choose(neg.graphs(), "image/png")
    assert str(refused.value) == ("no acceptable format; this resource is available as "
                                  + GRAPHS_MEDIA)
    assert refused.value.offered == list(neg.graphs())


def test_the_kinds_offer_their_formats_in_registration_order():
    assert [f.media_type for f in neg.solutions()] == SOLUTIONS_MEDIA.split(", ")
    assert [f.media_type for f in neg.graphs()] == GRAPHS_MEDIA.split(", ")
    assert [f.name for f in neg.documents()] == ["turtle", "ntriples", "rdfxml", "jsonld", "html"]


# format= name -> (for SELECT/ASK, for CONSTRUCT/DESCRIBE); None: 406
NAMES = [
    ("json", "json", "jsonld"),
    ("xml", "xml", "rdfxml"),
    ("csv", "csv", None),
    ("tsv", "tsv", None),
    ("srj", "json", None),
    ("srx", "xml", None),
    ("application/sparql-results+json", "json", None),
    ("application/json", "json", None),
    ("turtle", None, "turtle"),
    ("ttl", None, "turtle"),
    ("n3", None, "turtle"),
    ("text/turtle", None, "turtle"),
    ("nt", None, "ntriples"),
    ("n-triples", None, "ntriples"),
    ("rdf", None, "rdfxml"),
    ("rdf/xml", None, "rdfxml"),
    ("jsonld", None, "jsonld"),
    ("json-ld", None, "jsonld"),
    (" TTL ", None, "turtle"),
    ("CSV", "csv", None),
    ("owl", None, None),  # an extension we read, not a name of the format
    ("html", None, None),
    ("bogus", None, None),
    ("", None, None),
]


@pytest.mark.parametrize(("name", "for_solutions", "for_graphs"), NAMES)
def test_by_name(name, for_solutions, for_graphs):
    def named(offered):
        try:
            return neg.by_name(offered, name).name
        except NotAcceptable:
            return None

    assert (named(neg.solutions()), named(neg.graphs())) == (for_solutions, for_graphs)


@pytest.mark.parametrize(("named", "accept", "expected"), [
    ("csv", "application/sparql-results+xml", "csv"),  # format= overrides Accept
    ("csv", "image/png", "csv"),
    (None, "text/tab-separated-values", "tsv"),
    ("", "text/tab-separated-values", "tsv"),  # an empty format= is no format=
    (None, None, "json"),
])
def test_negotiate_prefers_the_format_parameter(named, accept, expected):
    assert neg.negotiate(neg.solutions(), named, accept).name == expected


def test_negotiate_refuses_an_unknown_format_name_whatever_the_accept():
    with pytest.raises(NotAcceptable, match="available as application/sparql-results\\+json"):
        neg.negotiate(neg.solutions(), "turtle", "*/*")


@pytest.mark.parametrize(("extension", "expected"), [
    ("ttl", "turtle"), ("TTL", "turtle"), ("nt", "ntriples"), ("rdf", "rdfxml"),
    ("jsonld", "jsonld"), ("html", "html"),
    # only the first extension of a format names its documents
    ("owl", None), ("json", None), ("xml", None), ("", None), (".ttl", None), ("csv", None),
])
def test_by_extension_names_a_document_exactly(extension, expected):
    found = neg.by_extension(neg.documents(), extension)
    assert (found.name if found else None) == expected


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("application/xhtml+xml", True),
    ("TEXT/HTML", True),
    ("text/html, application/sparql-results+json", True),  # a tie goes to the page
    ("text/turtle;q=0.5, text/html", True),
    ("text/html;q=0.5, text/turtle", False),
    ("text/html;q=0.5, application/sparql-results+json", False),
    ("text/html;q=0", False),
    ("*/*", False),  # curl
    ("text/*", False),  # HTML must be named
    (None, False),
    ("", False),
    ("application/sparql-results+json", False),
])
def test_prefers_html_only_when_html_is_named_and_ranked_first(accept, expected):
    assert neg.prefers_html(accept) is expected
