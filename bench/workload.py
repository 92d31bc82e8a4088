"""What every system is asked: the 13 named questions and four probes, as final query texts.

The named questions are bound with their default parameters exactly as `/queries/{name}` binds
them (llm_atlas.core.sparql.queries.bind), so the text each system evaluates is the one our web
API runs.
The probes (bench/queries/*.rq) are a subject lookup, a join, an aggregate and a full count.
Every text is checked before it is sent anywhere: a SELECT with no SERVICE, LOAD or FROM, so
no engine (rdflib fetches such IRIs) is ever asked to reach the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox

from llm_atlas.core.sparql.guard import analyse, tokens
from llm_atlas.core.sparql.queries import NamedQuery, bind, load_named_queries
from llm_atlas.namespaces import PREFIXES

HERE = Path(__file__).resolve().parent
PROBES = ("lookup", "join", "aggregate", "count-all")
THROUGHPUT = ("lookup", "aggregate")  # the cheap lookup (subject varied) and the aggregate
# the name of a throughput row whose every request sends a new query text ("lookup-unique"); a
# row without it sends the pool's texts over and over ("repeated")
UNIQUE = "-unique"


@dataclass(frozen=True)
class Question:
    """One query of the workload: its name, where it comes from, and its final text."""

    name: str
    origin: str  # "probe" or "named"
    text: str


def checked(text: str) -> str:
    """The text itself, once it is known to be a SELECT that names no remote resource."""
    analysis = analyse(text)  # raises QueryRefused on SERVICE or LOAD
    if analysis.form != "SELECT" or analysis.has_dataset_clause or analysis.dataset_iris:
        raise ValueError(f"benchmark queries are plain SELECTs without FROM: {text[:80]!r}")
    return text


def probes() -> dict[str, NamedQuery]:
    """The probe queries of bench/queries/ by name."""
    return {q.name: q for q in load_named_queries(HERE / "queries")}


def questions() -> list[Question]:
    """The probes, then the named questions with their default parameters."""
    probes_by_name = probes()
    default = PREFIXES["atlas"] + "MoralHazard"
    out = [Question("lookup", "probe", lookup_text(default))]
    out += [Question(name, "probe", checked(bind(probes_by_name[name], {}, PREFIXES)))
            for name in PROBES[1:]]
    out += [Question(q.name, "named", checked(bind(q, {}, PREFIXES)))
            for q in load_named_queries()]
    return out


def substitute(query: NamedQuery, name: str, iri: str) -> str:
    """The query with the variable `name` replaced by an IRI, token by token.

    The IRI is parsed first (pyoxigraph refuses anything that is not one), so only an IRI
    term can land in the text. The lookup probe uses this rather than `bind`: a VALUES block
    is joined after the pattern by rdflib, which then scans every triple, and a lookup must
    be an index lookup for every system.
    """
    term = str(ox.NamedNode(iri))
    text = query.text
    for tok in reversed(tokens(text)):
        if tok.kind == "var" and tok.text[1:] == name:
            text = text[:tok.start] + term + text[tok.start + len(tok.text):]
    return text


def lookup_text(iri: str) -> str:
    """The lookup probe about one subject."""
    return checked(substitute(probes()["lookup"], "subject", iri))


def lookup_texts(subjects: Iterable[str]) -> list[str]:
    """The lookup probe about each subject in turn (the throughput pool)."""
    lookup = probes()["lookup"]
    return [checked(substitute(lookup, "subject", iri)) for iri in subjects]


def request_targets(path: str, texts: Iterable[str]) -> list[str]:
    """GET request targets (path and query string) for each query text."""
    return [f"{path}?{urlencode({'query': text})}" for text in texts]
