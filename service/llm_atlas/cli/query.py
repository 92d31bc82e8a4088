"""`llm-atlas query`: ask the local store or any SPARQL endpoint, print a table or a format."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from llm_atlas import formats
from llm_atlas.core.sparql.guard import analyse
from llm_atlas.core.sparql.queries import bind, load_named_queries
from llm_atlas.errors import AtlasError, QuerySyntaxError
from llm_atlas.namespaces import PREFIXES


class QueryInputError(Exception):
    """The command line names no query, or two, or a bad parameter."""


class EndpointRefused(AtlasError):
    """The endpoint answered the query with an error (its message is kept)."""


def query_text(text: str | None, file: str | None, name: str | None, params: tuple[str, ...],
               queries_dir: Path) -> str:
    """The SPARQL to run, from exactly one of: a string, a file, a named query with params."""
    given = [x for x in (text, file, name) if x]
    if len(given) != 1:
        raise QueryInputError("give exactly one of: a query string, --file F, --name NAME")
    if params and not name:
        raise QueryInputError("--param goes with --name")
    if file:
        return Path(file).read_text(encoding="utf-8")
    if name:
        named = {q.name: q for q in load_named_queries(queries_dir)}
        if name not in named:
            raise QueryInputError(f"no named query {name!r}; known: {', '.join(sorted(named))}")
        values = {}
        for item in params:
            key, sep, value = item.partition("=")
            if not sep:
                raise QueryInputError(f"--param {item!r} must read NAME=VALUE")
            values[key] = value
        return bind(named[name], values, PREFIXES)
    assert text is not None  # exactly one of the three was given
    return text


def _short(term: dict) -> str:
    value = term["value"]
    if term["type"] == "uri":
        for prefix, iri in PREFIXES.items():
            if value.startswith(iri) and prefix:
                return f"{prefix}:{value[len(iri):]}"
        return f"<{value}>"
    if term["type"] == "bnode":
        return f"_:{value}"
    return value + (f"@{term['xml:lang']}" if "xml:lang" in term else "")


def table(body: bytes) -> str:
    """SPARQL JSON results as an aligned text table (or yes/no for ASK)."""
    data = json.loads(body)
    if "boolean" in data:
        return "yes" if data["boolean"] else "no"
    columns = data["head"]["vars"]
    rows = [[_short(b[c]) if c in b else "" for c in columns]
            for b in data["results"]["bindings"]]
    widths = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))  # noqa: E731
    out = [line(columns), line(["-" * w for w in widths])] + [line(r) for r in rows]
    return "\n".join(x.rstrip() for x in out) + f"\n({len(rows)} rows)"


def run_local(store, text: str, fmt: str) -> bytes:
    """Evaluate on the embedded store (the same guard as the endpoint)."""
    analyse(text)  # refuses SERVICE and LOAD here too
    kind = formats.get(fmt).kind
    graph_format = fmt if kind == formats.GRAPH else "turtle"
    solution_format = fmt if kind == formats.SOLUTIONS else "json"
    _kind, body = store.query(text, solution_format=solution_format, graph_format=graph_format)
    return body


def run_remote(endpoint: str, text: str, fmt: str, timeout: float) -> bytes:
    """Evaluate on any SPARQL endpoint through SPARQLWrapper, asking for one media type."""
    from SPARQLWrapper import SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    form = analyse(text).form
    if form is None:
        raise QuerySyntaxError("the text is not a SPARQL query: it has no SELECT, ASK, "
                               "CONSTRUCT or DESCRIBE")
    media = formats.get(fmt).media_type
    wrapper = SPARQLWrapper(endpoint)
    with warnings.catch_warnings():  # its guess of the form is replaced by ours just below
        warnings.simplefilter("ignore", RuntimeWarning)
        wrapper.setQuery(text)
    # SPARQLWrapper guesses the form from keywords anywhere in the text (ADD in "address");
    # our lexer knows it.
    wrapper.queryType = form or wrapper.queryType
    wrapper.setOnlyConneg(True)
    wrapper.addCustomHttpHeader("Accept", media)
    wrapper.setTimeout(int(timeout))
    try:
        return wrapper.query().response.read()
    except SPARQLWrapperException as exc:
        raise EndpointRefused(f"{endpoint} refused the query: {_endpoint_message(exc)}") \
            from None


def _endpoint_message(exc: Exception) -> str:
    """The endpoint's own message when it answered in our error shape, else SPARQLWrapper's.

    SPARQLWrapper keeps the response only inside its message, as a bytes literal (b'...').
    """
    import ast

    text = str(exc)
    _, _, response = text.partition("Response:\n")
    try:
        return json.loads(ast.literal_eval(response.strip()))["error"]["message"]
    except (ValueError, SyntaxError, KeyError, TypeError):
        return text.split("\n", 1)[0]
