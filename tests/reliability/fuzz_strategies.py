"""Hypothesis strategies for hostile requests: SPARQL-ish token soup, mutated valid documents,
random media types, parameters and methods."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from submissions_kit import solution_annotation

# Derandomized (the same examples on every run), no example database, bounded in number.
FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much])


def fuzz(examples: int) -> settings:
    """The suite's fuzz settings with a budget of examples."""
    return settings(FUZZ, max_examples=examples)

ATLAS = "https://w3id.org/llm-atlas/ontology/"
VALID_QUERIES = [
    f"SELECT ?m WHERE {{ ?m a <{ATLAS}Mechanism> }}",
    f"ASK {{ <{ATLAS}RLHF> <{ATLAS}realizes> ?m }}",
    f"CONSTRUCT {{ ?s <{ATLAS}addresses> ?o }} WHERE {{ ?s <{ATLAS}addresses> ?o }} LIMIT 5",
    "PREFIX atlas: <https://w3id.org/llm-atlas/ontology/>\n"
    "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) LIMIT 3",
    f"DESCRIBE <{ATLAS}MoralHazard>",
    "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 2",
]
PIECES = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "(", ")", "[", "]", "?s",
          "?p", "?o", "$x", ".", ";", ",", "*", "OPTIONAL", "UNION", "MINUS", "FILTER", "BIND",
          "AS", "VALUES", "GRAPH", "SERVICE", "LOAD", "FROM", "NAMED", "PREFIX", "BASE",
          "LIMIT", "OFFSET", "ORDER BY", "GROUP BY", "COUNT(*)", "<urn:a>", f"<{ATLAS}RLHF>",
          "atlas:RLHF", "a", '"x"', '"x"@en', '"1"^^<urn:d>', "1", "-1.5e3", "true", "&&", "||",
          "!", "=", "!=", "<", ">", "+", "/", "|", "^", "#", "\n", "\\u0000", "\x00", "\ud800",
          "INSERT DATA", "DELETE", "CLEAR ALL", "DROP", "<http://127.0.0.1:1/x>"]
SOLUTION_ACCEPTS = ["application/sparql-results+json", "application/sparql-results+xml",
                    "text/csv", "text/tab-separated-values", "application/json"]
GRAPH_ACCEPTS = ["text/turtle", "application/n-triples", "application/rdf+xml",
                 "application/ld+json"]
MEDIA = ["text/html", "*/*", "image/png", "text/*", "application/*;q=0", "", "x/y;q=abc",
         "text/turtle;q=0.1, application/n-triples;q=0.9"]
FORMATS = ["json", "xml", "csv", "tsv", "turtle", "ntriples", "rdfxml", "jsonld", "html",
           "srj", "nope", ""]
RDF_TYPES = ["text/turtle", "application/ld+json", "application/rdf+xml",
             "application/n-triples", "application/trig", "application/n-quads", "text/plain",
             "application/x-www-form-urlencoded", "multipart/form-data", "application/json",
             "", "text/turtle; charset=latin-1"]


def _mutate(text: str, draw) -> str:
    """A few random insertions, deletions and replacements in a text."""
    edits = draw(st.lists(st.tuples(st.integers(0, max(len(text) - 1, 0)),
                                         st.sampled_from(["insert", "delete", "replace"]),
                                         st.text(max_size=3)), max_size=4))
    for at, how, piece in edits:
        if how == "insert":
            text = text[:at] + piece + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + 1:]
        else:
            text = text[:at] + piece + text[at + 1:]
    return text


@st.composite
def query_texts(draw) -> str:
    kind = draw(st.sampled_from(["soup", "mutated", "text", "valid"]))
    if kind == "soup":
        return " ".join(draw(st.lists(st.sampled_from(PIECES), max_size=40)))
    if kind == "mutated":
        return _mutate(draw(st.sampled_from(VALID_QUERIES)), draw)
    if kind == "text":
        return draw(st.text(max_size=200))
    return draw(st.sampled_from(VALID_QUERIES))


@st.composite
def sparql_requests(draw) -> dict:
    """A request to /sparql: method, parameters, headers, body."""
    text = draw(query_texts())
    how = draw(st.sampled_from(["GET", "POST-form", "POST-direct", "POST-other", "PUT",
                                "DELETE", "PATCH"]))
    params: list[tuple[str, str]] = []
    if draw(st.booleans()) or how == "GET":
        params.append(("query", text))
    if draw(st.booleans()):
        params.append(("format", draw(st.sampled_from(FORMATS) | st.text(max_size=10))))
    for key in ("default-graph-uri", "named-graph-uri"):
        params += [(key, g) for g in draw(st.lists(
            st.sampled_from([ATLAS[:-1], "urn:missing", "", "not an iri"]) | st.text(max_size=20),
            max_size=2))]
    accept = draw(st.sampled_from(SOLUTION_ACCEPTS + GRAPH_ACCEPTS + MEDIA) | st.text(max_size=30))
    return {"how": how, "params": params, "accept": accept, "text": text}


@st.composite
def rdf_documents(draw) -> tuple[bytes, str]:
    """(body, Content-Type): a mutated valid annotation, random text or bytes, in some type."""
    kind = draw(st.sampled_from(["mutated", "text", "bytes", "valid"]))
    slug = "fuzz-" + draw(st.text("abcdefghij0123456789", min_size=4, max_size=8))
    if kind == "mutated":
        body = _mutate(solution_annotation(slug), draw).encode("utf-8", "surrogatepass")
    elif kind == "text":
        body = draw(st.text(max_size=300)).encode("utf-8", "surrogatepass")
    elif kind == "bytes":
        body = draw(st.binary(max_size=300))
    else:
        body = solution_annotation(slug).encode()
    ctype = draw(st.sampled_from(RDF_TYPES) | st.text(max_size=20))
    if kind in ("valid", "mutated") and draw(st.booleans()):
        ctype = "text/turtle"
    return body, ctype
