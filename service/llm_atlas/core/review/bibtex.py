"""A small BibTeX reader: entries with their raw field values, LaTeX to Unicode, author names.

Written for `llm-atlas import-bibtex` instead of a lenient parser that silently drops an entry it
cannot read: here a syntax error stops the whole file with its line number (BibSyntaxError), and
everything wrong with one entry is that entry's problem, reported by the importer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from llm_atlas.errors import BibSyntaxError, LatexError

MONTHS = {m: m for m in "jan feb mar apr may jun jul aug sep oct nov dec".split()}


@dataclass
class BibEntry:
    """One `@type{key, name = value, ...}`: values without their outer delimiters."""

    kind: str
    key: str
    line: int
    fields: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text, self.pos, self.macros = text, 0, dict(MONTHS)

    def fail(self, what: str) -> BibSyntaxError:
        line = self.text.count("\n", 0, self.pos) + 1
        return BibSyntaxError(f"line {line}: {what}")

    def skip_space(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip_space()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def expect(self, chars: str, what: str) -> str:
        char = self.peek()
        if not char or char not in chars:
            raise self.fail(f"expected {what}, found {char!r}" if char else f"{what} missing")
        self.pos += 1
        return char

    def name(self, what: str) -> str:
        self.skip_space()
        match = re.compile(r"[^\s\"#%'(),={}]+").match(self.text, self.pos)
        if not match:
            raise self.fail(f"expected {what}")
        self.pos = match.end()
        return match.group()

    def braced(self) -> str:
        """The text of a `{...}` group starting at pos, without its outer braces."""
        depth, start = 0, self.pos
        for index in range(self.pos, len(self.text)):
            char = self.text[index]
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth == 0:
                self.pos = index + 1
                return self.text[start + 1:index]
        raise self.fail("a '{' is never closed")

    def quoted(self) -> str:
        depth, start = 0, self.pos
        for index in range(self.pos + 1, len(self.text)):
            char = self.text[index]
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == '"' and depth == 0:
                self.pos = index + 1
                return self.text[start + 1:index]
        raise self.fail('a \'"\' is never closed')

    def value(self, problems: list[str], field_name: str) -> str:
        """A field value: parts joined by `#`, each braced, quoted, a number or a @string."""
        parts = []
        while True:
            char = self.peek()
            if char == "{":
                parts.append(self.braced())
            elif char == '"':
                parts.append(self.quoted())
            else:
                word = self.name(f"a value for {field_name}")
                if word.isdigit():
                    parts.append(word)
                elif word.lower() in self.macros:
                    parts.append(self.macros[word.lower()])
                else:
                    problems.append(f"{field_name} uses the undefined @string {word}: "
                                    "define it or write the value in braces")
            if self.peek() != "#":
                return "".join(parts)
            self.pos += 1

    def entries(self) -> list[BibEntry]:
        found = []
        while (at := self._next_at()) >= 0:
            self.pos = at + 1
            line = self.text.count("\n", 0, at) + 1
            kind = self.name("an entry type after '@'").lower()
            if kind == "comment":
                continue  # BibTeX ignores what follows; the next '@' starts over
            close = {"{": "}", "(": ")"}[self.expect("{(", f"'{{' after @{kind}")]
            if kind == "preamble":
                self.value([], "@preamble")
            elif kind == "string":
                macro = self.name("a @string name").lower()
                self.expect("=", "'=' in @string")
                self.macros[macro] = self.value([], "@string")
            else:
                found.append(self._entry(kind, line, close))
                continue
            self.expect(close, f"'{close}' closing @{kind}")
        return found

    def _next_at(self) -> int:
        # Outside entries everything is a comment; a '%' line may even hold an '@'.
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "@":
                return self.pos
            if char == "%":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            self.pos += 1
        return -1

    def _entry(self, kind: str, line: int, close: str) -> BibEntry:
        entry = BibEntry(kind, self.name(f"a citation key for @{kind}"), line)
        while True:
            if not self.peek():
                raise self.fail(f"entry {entry.key} (line {line}) never ends: "
                                "a '{' or '\"' in it is not closed")
            char = self.expect("," + close, f"',' or '{close}' in entry {entry.key}")
            if char == close or self.peek() == close:
                if char != close:
                    self.pos += 1
                return entry
            name = self.name(f"a field name in entry {entry.key}").lower()
            self.expect("=", f"'=' after {name} in entry {entry.key}")
            value = self.value(entry.problems, name)
            if name in entry.fields:
                entry.problems.append(f"{name} is given twice: keep one")
            entry.fields[name] = value


def read_bibtex(text: str) -> list[BibEntry]:
    """Every entry of a BibTeX text, in order; @string, @preamble and @comment are applied."""
    return _Reader(text).entries()


_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
            "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
            "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331"}
_LETTERS = {"o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "ss": "ß", "ae": "æ", "AE": "Æ",
            "oe": "œ", "OE": "Œ", "aa": "å", "AA": "Å", "i": "ı", "j": "ȷ"}
_ESCAPES = {"&": "&", "%": "%", "$": "$", "_": "_", "#": "#", "{": "\ue000", "}": "\ue001"}
_STYLE = re.compile(r"\\(?:textit|textbf|textsc|texttt|textrm|textsf|emph|mathrm|mbox|text)"
                    r"\s*(?=\{)")
_BASE = r"(?:\{\s*(\\[ij]|[A-Za-z])\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"
_SYMBOL_ACCENT = re.compile(r"\\([\'`^\"~=.])\s*" + _BASE)
_WORD_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\[ij]|[A-Za-z])\s*\}|\s+([A-Za-z]))")
_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|o|O|l|L|i|j)(?![A-Za-z])(?:\{\}|[ \t]?)")


def _accent(match: re.Match) -> str:
    base = match.group(2) or match.group(3)
    base = base[1] if base.startswith("\\") else base  # \'{\i} is í, not a dotless í
    return unicodedata.normalize("NFC", base + _ACCENTS[match.group(1)])


def latex_to_text(value: str) -> str:
    """Plain Unicode text of a BibTeX value: accents, special letters, braces and dashes."""
    text = _STYLE.sub("", value)
    text = _SYMBOL_ACCENT.sub(_accent, text)
    text = _WORD_ACCENT.sub(_accent, text)
    text = _LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = re.sub(r"\\([&%$_#{}])", lambda m: _ESCAPES[m.group(1)], text)
    if command := re.search(r"\\[A-Za-z]+|\\.", text):
        raise LatexError(f"unsupported LaTeX {command.group()}: write the character "
                         "itself, or remove the command")
    text = text.replace("$", "").replace("{", "").replace("}", "")
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("~", " ")
    text = text.replace("``", '"').replace("''", '"')
    text = text.replace("\ue000", "{").replace("\ue001", "}")
    return " ".join(text.split())


def split_top(text: str, separator: re.Pattern) -> list[str]:
    """Split where `separator` matches outside braces (BibTeX's `and` and name commas)."""
    parts, depth, start, index = [], 0, 0, 0
    while index < len(text):
        char = text[index]
        if char in "{}":
            depth += 1 if char == "{" else -1
        elif depth == 0 and (match := separator.match(text, index)):
            parts.append(text[start:index])
            start = index = match.end()
            continue
        index += 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


AND = re.compile(r"\s+and\s+", re.I)
COMMA = re.compile(r"\s*,\s*")
