"""SPARQL text split into tokens as the engine's grammar splits it, for the query guard.

The terminals follow the SPARQL 1.1 grammar (section 19.8) as Oxigraph 0.5 implements it, and
where the two differ the lexer takes the reading that splits more (a keyword can only come into
view by splitting, never by joining): comments end at CR or LF; a local name takes one run of
dots only; names use the Basic Multilingual Plane only; `\\#` and the other PN_LOCAL_ESC escapes
stay inside a prefixed name and are never the start of a comment or string elsewhere.

Oxigraph parses by backtracking: an IRI in angle brackets that is not a valid IRI is read again
as the operator `<` followed by code, and so is the local part of a prefixed name whose IRI is
not valid. With `overlap=True` such doubtful tokens come as kind "unsure" and are followed by
the tokens of their inside, so that the guard sees both readings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C\u200D"
         "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD")
_U = _BASE + "_"
_CHARS = _U + r"\-0-9\u00B7\u0300-\u036F\u203F\u2040"
_HEX = "[0-9A-Fa-f]"
# \u and \U escapes that name a Unicode scalar value: others make the string or IRI fail
_UCHAR = (rf"\\u(?![dD][89a-fA-F]){_HEX}{{4}}"
          rf"|\\U(?:0000(?![dD][89a-fA-F]){_HEX}{{4}}|000[1-9A-Fa-f]{_HEX}{{4}}|0010{_HEX}{{4}})")
_ECHAR = r"""\\[tbnrf"'\\]"""
_PLX = rf"%{_HEX}{{2}}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_BASE}][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+"
_PN_LOCAL = rf"(?:[{_U}:0-9]|{_PLX})(?:[{_CHARS}:]|{_PLX})*+(?:\.++(?:[{_CHARS}:]|{_PLX})++)?+"
_VARNAME = rf"[{_U}0-9][{_U}0-9\u00B7\u0300-\u036F\u203F\u2040]*+"

_TOKEN = re.compile(
    rf"""
    (?:[ \t\r\n]++|\#[^\r\n]*+)*+  # white space and comments, skipped
    (?:(?P<word>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?|[A-Za-z][A-Za-z0-9_]*+)
  | (?P<var>[?$]{_VARNAME})
  | (?P<string>(?=['"])(?:'''(?:(?:''|')?+(?:[^'\\]|{_ECHAR}|{_UCHAR}))*+'''
             |\"\"\"(?:(?:\"\"|\")?+(?:[^"\\]|{_ECHAR}|{_UCHAR}))*+\"\"\"
             |'(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*+'
             |"(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*+"))
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|{_UCHAR})*+>)
  | (?P<number>(?>[0-9]++\.[0-9]*+|\.[0-9]++|[0-9]++)[eE][+-]?[0-9]++
             |[0-9]*+\.[0-9]++|[0-9]++)
  | (?P<lang>@[a-zA-Z]++(?:-[a-zA-Z0-9]++)*+(?:--[a-zA-Z]++)?+)
  | (?P<bnode>_:[{_U}0-9][{_CHARS}]*+(?:\.++[{_CHARS}]++)*+)
  | (?P<other>\\[_~.\-!$&'()*+,;=/?#@%]|.)
  | (?P<end>\Z))
    """,
    re.VERBOSE | re.DOTALL,
)

# What Oxigraph's IRI parser surely accepts (a strict subset of RFC 3987): anything else may be
# refused by it, and then the text is parsed again as code.
_PCT = rf"%{_HEX}{{2}}"
_UCS = "\u00A0-\uD7FF\uF900-\uFDCF\uFDF0-\uFFEF"
_PCHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@{_UCS}]|{_PCT})"
_TAIL = rf"(?:\?(?:{_PCHAR}|[/?])*+)?(?:\#(?:{_PCHAR}|[/?])*+)?"
_AUTHORITY = (rf"//(?:(?:[A-Za-z0-9\-._~!$&'()*+,;=:{_UCS}]|{_PCT})*+@)?"
              rf"(?:[A-Za-z0-9\-._~!$&'()*+,;={_UCS}]|{_PCT})*+(?::[0-9]*+)?(?:/{_PCHAR}*+)*+")
_ABSOLUTE = re.compile(
    rf"[A-Za-z][A-Za-z0-9+\-.]*+:(?:{_AUTHORITY}|(?!//)(?:/|{_PCHAR})*+){_TAIL}")
_RELATIVE = re.compile(  # a relative reference's first segment has no colon
    rf"(?:{_AUTHORITY}|(?!//)(?:[A-Za-z0-9\-._~!$&'()*+,;=@{_UCS}]|{_PCT})*+(?!:)(?:/|{_PCHAR})*+)"
    rf"{_TAIL}")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class Token(NamedTuple):  # a tuple: every query is tokenized, so it must be cheap to make
    kind: str
    text: str
    start: int
    depth: int  # brace depth at the token


def surely_valid_iri(iri: str, has_base: bool = False) -> bool:
    """True when Oxigraph is certain to accept `iri` (escapes already decoded)."""
    if _ABSOLUTE.fullmatch(iri):
        return True
    return has_base and _RELATIVE.fullmatch(iri) is not None


def iri_text(token: str) -> str:
    """The IRI an IRIREF token writes, its \\u escapes decoded."""
    inner = token[1:-1]
    if "\\" not in inner:
        return inner
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), inner)


class Lexer:
    """Tokens of one text; remembers the PREFIX and BASE declarations it has passed."""

    def __init__(self, text: str, overlap: bool = False, base_given: bool = False):
        self.text = text
        self.overlap = overlap
        self.prefixes: dict[str, str] = {}
        self.bases: list[str] = []  # the BASE declarations' IRIs, in order
        self.has_base = base_given  # the engine resolves relative IRIs
        self.ambiguous: str | None = None  # an IRI whose two readings lex differently

    def _declare(self, iri: Token, prev: Token, prev2: Token | None) -> None:
        """Record `PREFIX p: <iri>` (also written `PREFIXp:<iri>`) and `BASE <iri>`."""
        value = iri_text(iri.text)
        lowered = prev.text.lower()
        if lowered == "base":
            self.bases.append(value)
            self.has_base |= surely_valid_iri(value, self.has_base)
        elif prev.text.endswith(":") and surely_valid_iri(value, self.has_base):
            if prev2 is not None and prev2.kind == "word" and prev2.text.lower() == "prefix":
                self.prefixes[prev.text[:-1]] = value
            elif lowered.startswith("prefix"):
                self.prefixes[prev.text[6:-1]] = value

    def _doubtful(self, kind: str, text: str) -> bool:
        """Might the engine refuse this IRI or prefixed name and read its inside as code?"""
        if kind == "iri":
            return not surely_valid_iri(iri_text(text), self.has_base)
        prefix, _, local = text.partition(":")
        if not local:
            return False
        base = self.prefixes.get(prefix)
        return base is None or not surely_valid_iri(base + local.replace("\\", ""), self.has_base)

    def __iter__(self) -> Iterator[Token]:
        text, match, overlap = self.text, _TOKEN.match, self.overlap
        doubtful: dict[str, bool] = {}  # per text; emptied when a declaration changes the answer
        depth = pos = 0
        prev = prev2 = None
        while True:
            found = match(text, pos)
            # `.` or `\Z` matches anywhere, and every alternative is a named group
            assert found is not None and found.lastgroup is not None
            kind = found.lastgroup
            if kind == "end":
                return
            pos, after = found.span(kind)
            value = text[pos:after]
            if kind == "other":
                if value == "}":
                    depth -= 1
            elif kind == "iri" or (kind == "word" and ":" in value):
                unsure = doubtful.get(value)
                if unsure is None:
                    unsure = doubtful[value] = self._doubtful(kind, value)
                if unsure:
                    if kind == "iri" and ("#" in value or "'" in value):
                        self.ambiguous = self.ambiguous or value
                    if overlap:  # read the inside again, as the engine may
                        after = pos + (1 if kind == "iri" else value.index(":") + 1)
                        kind = "unsure"
            token = Token(kind, value, pos, depth)
            yield token
            if kind == "iri" and prev is not None and prev.kind == "word":
                self._declare(token, prev, prev2)
                doubtful.clear()
            elif kind == "other" and value == "{":
                depth += 1
            prev2, prev = prev, token
            pos = after


def tokens(text: str) -> list[Token]:
    """The meaningful tokens of a SPARQL text (no white space, no comments)."""
    return list(Lexer(text))


def codepoint_readings(text: str) -> list[str]:
    """The text as engines that decode \\u escapes before parsing read it (SPARQL 1.1, 19.2).

    Some decode every escape, others (Java's rule) only those after an even run of backslashes.
    """
    if "\\u" not in text and "\\U" not in text:
        return []
    def decode(m: re.Match) -> str:
        return m.group(1) + chr(int(m.group(2) or m.group(3), 16))
    every = re.sub(r"()\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))", _safe(decode), text)
    even = re.sub(r"(?<!\\)((?:\\\\)*)\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))", _safe(decode),
                  text)
    return [reading for reading in {every, even} if reading != text]


def _safe(decode):
    """A decoder that leaves an escape naming no character (a surrogate, past U+10FFFF) as is."""
    def replace(m: re.Match) -> str:
        try:
            return decode(m)
        except (ValueError, OverflowError):
            return m.group()
    return replace
