"""Finding resources by name: the search page's ranking and the 404 page's closest names."""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib.namespace import RDFS, SKOS

from llm_atlas.core.sparql.internal import select

PRIMARY = (str(RDFS.label), str(SKOS.prefLabel))


@dataclass
class Entry:
    """One named resource as search sees it."""

    iri: str
    names: set[str] = field(default_factory=set)  # labels, titles, names, the local name
    label: str = ""
    definition: str = ""
    types: set[str] = field(default_factory=set)


def entries(store, base_iri: str) -> list[Entry]:
    """Every labelled resource under the base IRI, one entry each."""
    found: dict[str, Entry] = {}
    labels: dict[str, dict[str, str]] = defaultdict(dict)
    for row in select(store, "iri_search", base=ox.Literal(base_iri)):
        iri = str(row["resource"])
        entry = found.setdefault(iri, Entry(iri))
        label, prop = str(row["label"]), str(row["labelProperty"])
        entry.names.add(label)
        labels[iri][prop] = min(labels[iri].get(prop, label), label)
        if "definition" in row:
            entry.definition = min(entry.definition or str(row["definition"]),
                                   str(row["definition"]))
        if "type" in row:
            entry.types.add(str(row["type"]))
    for iri, entry in found.items():
        by_prop = labels[iri]
        entry.label = next((by_prop[p] for p in PRIMARY if p in by_prop),
                           min(by_prop.values()))
        entry.names.add(_local(iri))
    return sorted(found.values(), key=lambda e: (e.label.lower(), e.iri))


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _words(text: str) -> str:
    """Lower case, CamelCase and hyphens split into words: `MoralHazard` -> `moral hazard`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    return " ".join(re.split(r"[\s_\-]+", spaced.lower())).strip()


def score(entry: Entry, query: str) -> float:
    """How well an entry matches a query: exact name 100, prefix 80, word 60, substring 50,
    definition 20, a near spelling up to 15; 0 is no match."""
    wanted = _words(query)
    if not wanted:
        return 0.0
    names = {_words(n) for n in entry.names}
    if wanted in names:
        return 100.0
    if any(n.startswith(wanted) for n in names):
        return 80.0
    if any(f" {wanted}" in f" {n}" for n in names):
        return 60.0
    if any(wanted in n for n in names):
        return 50.0
    if wanted in _words(entry.definition):
        return 20.0
    near = max((difflib.SequenceMatcher(None, wanted, n).ratio() for n in names), default=0)
    return 15.0 * near if near >= 0.75 else 0.0


def search(all_entries: list[Entry], query: str, limit: int = 50) -> list[Entry]:
    """The entries that match a query, best first (then by label)."""
    scored = [(score(e, query), e) for e in all_entries]
    hits = [(s, e) for s, e in scored if s > 0]
    hits.sort(key=lambda se: (-se[0], se[1].label.lower(), se[1].iri))
    return [e for _, e in hits[:limit]]


def closest(iri: str, candidates: list[str], n: int = 5) -> list[str]:
    """The defined IRIs whose last segment is spelled most like that of an unknown IRI,
    preferring those in the same folder (`/ontology/MoralHazzard` -> `/ontology/MoralHazard`)."""
    parent, _, name = iri.rstrip("/").rpartition("/")
    siblings = [c for c in candidates if c.rpartition("/")[0] == parent] or candidates
    by_name: dict[str, list[str]] = defaultdict(list)
    for c in siblings:
        by_name[_local(c).lower()].append(c)
    names = difflib.get_close_matches(name.lower(), list(by_name), n=n, cutoff=0.5)
    names += sorted(k for k in by_name if name.lower() and name.lower() in k and k not in names)
    return [c for k in names[:n] for c in sorted(by_name[k])][:n]
