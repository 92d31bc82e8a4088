"""Answers compared by value: SPARQL JSON results as multisets of rows, blank nodes aside.

Two systems agree on a query when the same rows come back the same number of times, whatever
their order, with terms compared by kind, value, datatype and language. Spellings that mean
the same term are made equal first: `typed-literal` (old JSON) is a literal, a literal typed
xsd:string is a plain literal, language tags are case-insensitive. Blank node labels are local
to a response, so every blank node compares as "some blank node".
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class AnswerError(Exception):
    """A response that is not a SPARQL JSON SELECT result."""


def _term(term: dict) -> tuple[str, ...]:
    kind = term.get("type")
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term["value"])
    if kind in ("literal", "typed-literal"):
        lang = term.get("xml:lang") or term.get("lang")
        if lang:
            return ("literal", term["value"], "@" + lang.lower())
        datatype = term.get("datatype")
        return ("literal", term["value"], "" if datatype in (None, XSD_STRING) else datatype)
    if kind == "triple":  # RDF-star quoted triple
        inner = term["value"]
        return ("triple", *(json.dumps(_term(inner[k])) for k in ("subject", "predicate",
                                                                   "object")))
    raise AnswerError(f"unknown term type {kind!r}")


def rows(body: bytes) -> list[str]:
    """The rows of a JSON SELECT result, each as one canonical string, sorted."""
    try:
        doc = json.loads(body)
        bindings = doc["results"]["bindings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise AnswerError(f"not a SPARQL JSON SELECT result: {body[:200]!r}") from exc
    canonical = (json.dumps(sorted((name, _term(t)) for name, t in row.items()))
                 for row in bindings)
    return sorted(canonical)


@dataclass(frozen=True)
class Answer:
    """What is kept of one answer: its row count, a digest of its rows, a few rows to show."""

    count: int
    digest: str
    sample: tuple[str, ...]

    @classmethod
    def of(cls, body: bytes) -> Answer:
        canonical = rows(body)
        digest = hashlib.sha256("\n".join(canonical).encode()).hexdigest()
        return cls(len(canonical), digest, tuple(canonical[:3]))


def agree(a: bytes, b: bytes) -> bool:
    """The two answers hold the same rows the same number of times."""
    return rows(a) == rows(b)
