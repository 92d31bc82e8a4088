"""What a query or update may do, decided from its tokens before any engine sees it.

The endpoint must never make an outbound request: `SERVICE` and `LOAD` are refused here, and
the dataset IRIs are collected (web_query leaves a graph the store does not hold out of the
dataset: an empty graph). A small SPARQL lexer (strings, IRIs, comments and
brackets understood) finds them, so the same rule holds whatever engine evaluates the query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from .errors import AtlasError


class QueryRefused(AtlasError):
    """The request asks for something this endpoint does not do (a client error)."""


_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
  | (?P<word>[A-Za-z_\u00C0-\uFFFF][\w\-.\u00B7-\uFFFF]*(?::[\w\-.:%\\\u00B7-\uFFFF]*)?
             |:[\w\-.:%\\\u00B7-\uFFFF]*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)


class Token(NamedTuple):  # a tuple: every query is tokenized, so it must be cheap to make
    kind: str
    text: str
    start: int
    depth: int  # brace depth at the token


def tokens(text: str) -> list[Token]:
    """The meaningful tokens of a SPARQL text (no white space, no comments)."""
    out, depth = [], 0
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        value = match.group()
        if kind in ("ws", "comment"):
            continue
        if kind == "other" and value == "}":
            depth -= 1
        out.append(Token(kind, value, match.start(), depth))
        if kind == "other" and value == "{":
            depth += 1
    return out


_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Engines parse and evaluate by recursion: Oxigraph's process crashes (stack overflow) on a few
# thousand nested groups, or a chain of tens of thousands of operators, so both are bounded
# here, far below where the engine's 256 MiB thread stacks would run out.
MAX_NESTING = 200
MAX_TOKENS = 100_000
_OPENING, _CLOSING = "({[", ")}]"


@dataclass
class Analysis:
    """What a request names that the guard cares about."""

    dataset_iris: list[str] = field(default_factory=list)  # FROM, FROM NAMED, USING, WITH
    from_graphs: list[str] = field(default_factory=list)  # a query's FROM
    from_named_graphs: list[str] = field(default_factory=list)  # a query's FROM NAMED
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE for a query
    has_dataset_clause: bool = False
    has_using: bool = False
    bases: list[str] = field(default_factory=list)  # the prologue's BASE IRIs, in order


def _prefixes(toks: list[Token]) -> dict[str, str]:
    found = {}
    for i, tok in enumerate(toks[:-2]):
        if tok.kind == "word" and tok.text.upper() == "PREFIX" and toks[i + 2].kind == "iri":
            found[toks[i + 1].text.rstrip(":")] = toks[i + 2].text[1:-1]
    return found


def _resolve(tok: Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return tok.text[1:-1]
    if tok.kind == "word" and ":" in tok.text:
        prefix, local = tok.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local
    return None


def _deepest(toks: list[Token]) -> int:
    """How deep brackets of any kind nest."""
    depth = deepest = 0
    for tok in toks:
        if tok.kind == "other":
            if tok.text in _OPENING:
                depth += 1
                deepest = max(deepest, depth)
            elif tok.text in _CLOSING:
                depth -= 1
    return deepest


def _refuse_too_complex(toks: list[Token]) -> None:
    count = len(toks)
    if count > MAX_TOKENS:
        raise QueryRefused(
            f"the request has more than {MAX_TOKENS} terms and operators, more than this "
            "endpoint evaluates in one request; split it (or send data to /store)")
    # nesting deeper than the bound needs more tokens than the bound: short texts skip the count
    if count > MAX_NESTING and _deepest(toks) > MAX_NESTING:
        raise QueryRefused(
            f"the request nests brackets more than {MAX_NESTING} deep; flatten the groups, "
            "parentheses or blank-node brackets")


def analyse(text: str) -> Analysis:
    """Refuse SERVICE and LOAD and what is too deep or long; collect the dataset IRIs."""
    toks = tokens(text)
    _refuse_too_complex(toks)
    prefixes = _prefixes(toks)
    analysis = Analysis()
    for i, tok in enumerate(toks):
        if tok.kind != "word":
            continue
        keyword = tok.text.upper()
        if analysis.form is None and tok.depth == 0 and keyword in _FORMS:
            analysis.form = keyword
        if keyword == "BASE" and tok.depth == 0 and i + 1 < len(toks) and toks[i + 1].kind == "iri":
            analysis.bases.append(toks[i + 1].text[1:-1])
        if keyword == "SERVICE":
            raise QueryRefused(
                "SERVICE (federated query) is not allowed on this endpoint: it would make the "
                "server fetch from another address. Query the remote endpoint directly."
            )
        if keyword == "LOAD":
            raise QueryRefused(
                "LOAD is not allowed on this endpoint: it would make the server fetch a remote "
                "document. Send the data in the request body to the Graph Store Protocol instead."
            )
        if keyword in ("FROM", "USING", "WITH") and tok.depth == 0:
            j = i + 1
            named = j < len(toks) and toks[j].kind == "word" and toks[j].text.upper() == "NAMED"
            j += named
            if j < len(toks):
                iri = _resolve(toks[j], prefixes)
                if iri is not None:
                    analysis.dataset_iris.append(iri)
                    if keyword == "FROM":
                        (analysis.from_named_graphs if named else analysis.from_graphs).append(iri)
            analysis.has_dataset_clause |= keyword == "FROM"
            analysis.has_using |= keyword in ("USING", "WITH")
    return analysis


def add_using(update: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """Apply the protocol's using-graph-uri / using-named-graph-uri to each operation's WHERE.

    The protocol gives them the meaning of USING / USING NAMED clauses; an operation that has
    its own USING or WITH conflicts with them (SPARQL 1.1 Protocol, section 2.2.3).
    """
    if not default_graphs and not named_graphs:
        return update
    if analyse(update).has_using:
        raise QueryRefused(
            "using-graph-uri / using-named-graph-uri cannot be combined with USING or WITH in "
            "the update itself; give the dataset in one place only"
        )
    clauses = " ".join([f"USING <{g}>" for g in default_graphs]
                       + [f"USING NAMED <{g}>" for g in named_graphs])
    toks = tokens(update)
    out, last = [], 0
    for i, tok in enumerate(toks):
        if tok.kind == "word" and tok.text.upper() == "WHERE" and tok.depth == 0:
            previous = toks[i - 1] if i else None
            if previous and previous.kind == "word" and previous.text.upper() == "DELETE":
                continue  # DELETE WHERE takes no USING clause
            out.append(update[last:tok.start])
            out.append(clauses + " ")
            last = tok.start
    out.append(update[last:])
    return "".join(out)
