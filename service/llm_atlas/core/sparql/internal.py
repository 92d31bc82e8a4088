"""The service's own fixed queries: `.rq` files in `rq/` beside this module, read one way.

Values enter a query only through its `VALUES ?name { }` markers, filled by `bind_values` with
terms written by pyoxigraph (IRIs parsed and so checked, literals escaped); answers come back
from `select` and `ask` as rdflib terms, whichever store (embedded or remote) answered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

# A marker as the .rq files write it: one variable, an empty block, to be filled by bind_values.
MARKER = re.compile(r"VALUES \?(\w+) \{ \}")

Row = dict[str, Node]  # a solution: variable name -> its term (unbound variables absent)
Value = str | URIRef | Literal | ox.NamedNode | ox.Literal  # a str is an IRI
Values = Value | Sequence[Value]  # one term, or the rows of a one-variable VALUES


class Answers(Protocol):
    """What the readers need of a store: SPARQL answered as bytes (`store/contract.py`)."""

    def query(self, text: str, *, solution_format: str = "json") -> tuple[str, bytes]: ...


@cache
def internal_query(name: str) -> str:
    """The text of the fixed query `rq/NAME.rq`."""
    return files(__package__).joinpath("rq", f"{name}.rq").read_text(encoding="utf-8")


def _written(value: Value) -> str:
    """A term as SPARQL text, written by pyoxigraph: IRIs parsed (which refuses anything that is
    not one), literals escaped."""
    if isinstance(value, ox.NamedNode | ox.Literal):
        return str(value)
    if isinstance(value, Literal):
        if value.language:
            return str(ox.Literal(str(value), language=value.language))
        datatype = ox.NamedNode(str(value.datatype)) if value.datatype else None
        return str(ox.Literal(str(value), datatype=datatype))
    if isinstance(value, str) and not isinstance(value, BNode):  # (a URIRef is a str too)
        return str(ox.NamedNode(str(value)))
    raise TypeError(f"{value!r} cannot be a VALUES term (IRIs and literals only)")


def bind_values(text: str, **values: Values) -> str:
    """Fill each `VALUES ?name { }` of a query with terms: a str is an IRI, and rdflib or
    pyoxigraph IRIs and literals are written as themselves.

    Every marker of the text must be given a value and every value must have a marker (a
    marker left empty would silently answer nothing); a marker may occur more than once (one
    per UNION branch), and each occurrence gets the same terms.
    """
    wanted = set(MARKER.findall(text))
    if set(values) != wanted:
        raise ValueError(f"the query's VALUES are {sorted(wanted)}, given {sorted(values)}")
    filled = {}
    for name, given in values.items():
        terms = [given] if isinstance(given, str | ox.NamedNode | ox.Literal) else given
        filled[name] = f"VALUES ?{name} {{ {' '.join(map(_written, terms))} }}"
    # one pass over the text as written: a literal that holds another marker is not filled in
    return MARKER.sub(lambda found: filled[found.group(1)], text)


def query_text(name: str, **values: Values) -> str:
    """The fixed query `rq/NAME.rq` with its VALUES filled (for the forms that give graphs)."""
    return bind_values(internal_query(name), **values)


def _term(binding: dict) -> Node:
    """An rdflib term from a SPARQL JSON binding."""
    if binding["type"] == "uri":
        return URIRef(binding["value"])
    if binding["type"] == "bnode":
        return BNode(binding["value"])
    return Literal(binding["value"], lang=binding.get("xml:lang"),
                   datatype=binding.get("datatype"))


def solutions(store: Answers, text: str) -> list[Row]:
    """The rows of a SELECT, as rdflib terms by variable."""
    _, body = store.query(text, solution_format="json")
    return [{k: _term(v) for k, v in row.items()}
            for row in json.loads(body)["results"]["bindings"]]


def select(store: Answers, name: str, **values: Values) -> list[Row]:
    """Run the fixed SELECT `rq/NAME.rq` with its VALUES filled; its rows."""
    return solutions(store, query_text(name, **values))


def ask(store: Answers, name: str, **values: Values) -> bool:
    """Run the fixed ASK `rq/NAME.rq` with its VALUES filled; its answer."""
    _, body = store.query(query_text(name, **values), solution_format="json")
    return bool(json.loads(body)["boolean"])
