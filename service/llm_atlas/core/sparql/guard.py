"""What a query or update may do, decided from its tokens before any engine sees it.

The endpoint must never make an outbound request: `SERVICE` and `LOAD` are refused here, and
the dataset IRIs are collected (web_query leaves a graph the store does not hold out of the
dataset: an empty graph). A SPARQL lexer that reads as Oxigraph does (sparql_lexer) finds them,
so the same rule holds whatever engine evaluates the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

from llm_atlas.core.sparql.lexer import Lexer, Token, codepoint_readings, iri_text, tokens
from llm_atlas.errors import QueryRefused

__all__ = ["Analysis", "Token", "add_using", "analyse", "tokens"]


_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
# Engines parse and evaluate by recursion: Oxigraph's process crashes (stack overflow) on a few
# thousand nested groups, or a chain of tens of thousands of operators, so both are bounded
# here, far below where the engine's 256 MiB thread stacks would run out.
MAX_NESTING = 200
MAX_TOKENS = 100_000
_OPENING, _CLOSING = "({[", ")}]"
_SERVICE = ("SERVICE (federated query) is not allowed on this endpoint: it would make the server "
            "fetch from another address. Query the remote endpoint directly.")
_LOAD = ("LOAD is not allowed on this endpoint: it would make the server fetch a remote "
         "document. Send the data in the request body to the Graph Store Protocol instead.")


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


def _read(text: str, base_given: bool) -> tuple[list[Token], Lexer]:
    """Every reading's tokens, refusing as soon as a bound is passed (the rest is not read)."""
    lexer = Lexer(text, overlap=True, base_given=base_given)
    toks: list[Token] = []
    depth = 0
    for tok in lexer:
        toks.append(tok)
        if len(toks) > MAX_TOKENS:
            raise QueryRefused(
                f"the request has more than {MAX_TOKENS} terms and operators, more than this "
                "endpoint evaluates in one request; split it (or send data to /store)")
        if tok.kind == "other":
            if tok.text in _OPENING:
                depth += 1
                if depth > MAX_NESTING:
                    raise QueryRefused(
                        f"the request nests brackets more than {MAX_NESTING} deep; flatten the "
                        "groups, parentheses or blank-node brackets")
            elif tok.text in _CLOSING:
                depth -= 1
    if lexer.ambiguous:
        raise QueryRefused(
            f"{lexer.ambiguous} is not an IRI this endpoint can read with certainty (it could "
            "also be read as code); write an absolute IRI, or declare a BASE for relative ones")
    return toks, lexer


def _following(toks: list[Token], i: int) -> Token | None:
    """The first token after the whole of toks[i] (skipping the inside of an unsure token)."""
    end = toks[i].start + len(toks[i].text)
    return next((t for t in toks[i + 1:] if t.start >= end), None)


def _silent(rest: str) -> tuple[str, ...]:
    return (rest, rest[6:]) if rest.startswith("silent") else (rest,)


def _calls_service(toks: list[Token], i: int) -> bool:
    """Could the engine read SERVICE here? Oxigraph matches keywords by their first letters, so
    `SERVICEs:x {`, `SERVICESILENT<..>` and `trueSERVICE<..>` (after an object) are calls."""
    low = toks[i].text.lower()
    heads = [low] + [low[len(lit):] for lit in ("true", "false") if low.startswith(lit)]
    for head in heads:
        if head.startswith("service"):
            for rest in _silent(head[7:]):
                if rest == "":
                    return True
                if ":" in rest:  # the endpoint is a prefixed name glued on: a group must follow
                    after = _following(toks, i)
                    if after is not None and after.text == "{":
                        return True
    return False


def _loads(toks: list[Token], i: int) -> bool:
    """Could the engine read LOAD here (also glued: `LOADs:x`, `LOADSILENT<..>`)?"""
    low = toks[i].text.lower()
    if not low.startswith("load"):
        return False
    for rest in _silent(low[4:]):
        if rest == "":
            return True
        if ":" in rest and toks[i].depth == 0:
            prev = toks[i - 1] if i else None  # LOAD starts an operation: after ; or a prologue
            if (prev is None or prev.text in (";", ">")
                    or prev.kind in ("iri", "string", "unsure")):
                return True
    return False


def _resolve(tok: Token, prefixes: dict[str, str]) -> str | None:
    if tok.kind == "iri":
        return iri_text(tok.text)
    if tok.kind == "word" and ":" in tok.text:
        prefix, local = tok.text.split(":", 1)
        if prefix in prefixes:
            return prefixes[prefix] + local.replace("\\", "")
    return None


def _graph_clause(toks: list[Token], i: int, prefixes: dict[str, str], analysis: Analysis) -> None:
    """Collect the graph of FROM [NAMED], USING [NAMED] or WITH at toks[i], glued or not."""
    low = toks[i].text.lower()
    keyword = next((k for k in ("from", "using", "with") if low.startswith(k)), None)
    if keyword is None:
        return
    rest = toks[i].text[len(keyword):]
    readings = [(False, rest)]
    if keyword != "with" and rest.lower().startswith("named"):
        readings.append((True, rest[5:]))
    for named, glued in readings:
        if glued == "":
            j = i + 1
            while j < len(toks) and toks[j].start < toks[i].start + len(toks[i].text):
                j += 1
            if not named and j < len(toks) and toks[j].kind == "word":
                named = toks[j].text.lower() == "named"
                j += named
            iri = _resolve(toks[j], prefixes) if j < len(toks) else None
            if iri is None:
                named_by = toks[j].text[:200] if j < len(toks) else "nothing"
                raise QueryRefused(
                    f"{keyword.upper()}: {named_by} is not a valid IRI; name a graph by an "
                    "absolute IRI or a declared prefixed name")
        elif ":" in glued:
            iri = _resolve(Token("word", glued, 0, 0), prefixes)
            if iri is None:
                continue  # not a graph the engine could read either
        else:
            continue
        analysis.dataset_iris.append(iri)
        if keyword == "from":
            analysis.has_dataset_clause = True
            (analysis.from_named_graphs if named else analysis.from_graphs).append(iri)
        else:
            analysis.has_using = True


def _examine(text: str, base_given: bool) -> Analysis:
    toks, lexer = _read(text, base_given)
    analysis = Analysis(bases=lexer.bases)
    for i, tok in enumerate(toks):
        if tok.kind != "word" and tok.kind != "unsure" or tok.text[0] == "<":
            continue
        low = tok.text.lower()
        if "service" in low and _calls_service(toks, i):
            raise QueryRefused(_SERVICE)
        if low.startswith("load") and _loads(toks, i):
            raise QueryRefused(_LOAD)
        if tok.depth == 0:
            if analysis.form is None and tok.kind == "word" and ":" not in tok.text:
                upper = tok.text.upper()
                analysis.form = next((f for f in _FORMS if upper.startswith(f)), None)
            _graph_clause(toks, i, lexer.prefixes, analysis)
    return analysis


def analyse(text: str, base_given: bool = False) -> Analysis:
    """Refuse SERVICE and LOAD and what is too deep or long; collect the dataset IRIs.

    The text is read as Oxigraph reads it, and also as engines that decode \\u escapes
    before parsing do; a call in any reading is refused. `base_given`: the engine is given a
    base IRI, so that it accepts relative IRIs (without one it reads them again as code).

    The analysis of a text depends on nothing else, so that of a recent short text is reused
    (a copy: callers may change theirs); a refused text raises each time (no exception is kept).
    """
    if len(text) > _REUSED_TEXT:
        return _analyse(text, base_given)
    kept = _reused(text, base_given)
    return replace(kept, dataset_iris=list(kept.dataset_iris), from_graphs=list(kept.from_graphs),
                   from_named_graphs=list(kept.from_named_graphs), bases=list(kept.bases))


def _analyse(text: str, base_given: bool) -> Analysis:
    analysis = _examine(text, base_given)
    for reading in codepoint_readings(text):
        other = _examine(reading, base_given)
        analysis.dataset_iris += [i for i in other.dataset_iris if i not in analysis.dataset_iris]
    return analysis


# texts of up to 8,192 characters, 1,024 of them: at most 8 M characters of query text kept
_REUSED_TEXT = 8192
_reused = lru_cache(maxsize=1024)(_analyse)


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
