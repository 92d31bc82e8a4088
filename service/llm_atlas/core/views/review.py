"""The literature review as pages show it: how a work came to be in the graph (or not), what a
search returned, what a criterion decided, and the protocol's summary with its counts.

Core module (no Flask): every answer comes from the store through the `review_*.rq` files under
`sparql/`, filled with VALUES. Resources come out as {"iri", "label"} dicts; the web layer adds
links. The authors' order is the citation's (dcterms:creator is a set).
"""

from __future__ import annotations

import re
import unicodedata

from rdflib.term import Node

from llm_atlas.core.sparql.internal import select
from llm_atlas.core.views.linked_data import labels
from llm_atlas.namespaces import ATLAS

PAPER, WORK = str(ATLAS.Paper), str(ATLAS.CandidateWork)
SEARCH, PROTOCOL = str(ATLAS.LiteratureSearch), str(ATLAS.ReviewProtocol)
CRITERIA = {str(ATLAS.EligibilityCriterion), str(ATLAS.InclusionCriterion),
            str(ATLAS.ExclusionCriterion)}
DECISIONS = {str(ATLAS.Included): "included", str(ATLAS.Excluded): "excluded"}
# the citation's author list ends where the year in brackets starts: "A, B (2024). Title."
_AUTHORS = re.compile(r"^(?P<names>.*?)\s*\((?P<year>[^)]*)\)\.\s")


def _text(row: dict[str, Node], name: str) -> str | None:
    value = row.get(name)
    return str(value) if value is not None else None


def _number(value: Node) -> int:
    """A count: the integer its lexical form says (what int() reads of a Literal, a str)."""
    return int(str(value))


def _named(iri: str | None, names: dict[str, str]) -> dict | None:
    if iri is None:
        return None
    return {"iri": iri, "label": names.get(iri) or iri.rstrip("/").rsplit("/", 1)[-1]}


def _labels_of(store, rows: list[dict[str, Node]], *columns: str) -> dict[str, str]:
    iris = sorted({str(r[c]) for r in rows for c in columns if r.get(c) is not None})
    return labels(store, iris) if iris else {}


def _name_key(name: str) -> tuple[str, ...]:
    """A name reduced to its words: no accents, dots or hyphens, lower case."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return tuple(plain.lower().replace(".", " ").replace("-", " ").split())


def _same_person(full: str, cited: str, level: int) -> bool:
    """Level 0: the same text; 1: the same words; 2: the same first and last word."""
    if level == 0:
        return full == cited
    a, b = _name_key(full), _name_key(cited)
    if level == 1:
        return a == b
    return bool(a and b) and (a[0], a[-1]) == (b[0], b[-1])


def authors_in_order(citation: str | None, creators: dict[str, str]) -> list[dict]:
    """The authors as the citation lists them, each matched to its creator IRI where one fits.

    A creator's foaf:name may be spelled more fully than the citation ("Paul F. Christiano" for
    "Paul Christiano"), so a name matches exactly, then by its words, then by first and last
    word. Creators the citation does not name follow, sorted by name.
    """
    match = _AUTHORS.match(citation or "")
    names = [n.strip() for n in match.group("names").split(",")] if match else []
    names = [n for n in names if n]
    free = dict(creators)
    out = []
    for name in names:
        found = next((iri for level in range(3) for iri, n in sorted(free.items())
                      if _same_person(n, name, level)), None)
        if found is not None:
            del free[found]
        out.append({"name": name, "iri": found})
    out += [{"name": n, "iri": iri} for iri, n in sorted(free.items(), key=lambda kv: kv[1])]
    return out


def screening(store, iri: str) -> list[dict]:
    """The screening records of a work: decision, criterion, searches, screener, date, note."""
    rows = select(store, "review_screening", iri=iri)
    names = _labels_of(store, rows, "decision", "criterion", "source", "agent")
    records: dict[str, dict] = {}
    for row in rows:
        record = records.setdefault(str(row["record"]), {
            "iri": str(row["record"]),
            "decision": _named(_text(row, "decision"), names),
            "criterion": _named(_text(row, "criterion"), names),
            "code": _text(row, "code"),
            "searches": [], "screenedBy": _named(_text(row, "agent"), names),
            "date": _text(row, "date"), "verification": _text(row, "verification")})
        search = _text(row, "search")
        if search is not None and search not in {s["iri"] for s in record["searches"]}:
            record["searches"].append({
                "iri": search, "searchString": _text(row, "searchString"),
                "source": _named(_text(row, "source"), names), "date": _text(row, "searchDate")})
    return list(records.values())


def bibliography(store, iri: str) -> dict | None:
    """Venue, venue year, author count and the authors in citation order; None without any."""
    rows = select(store, "review_bibliography", iri=iri)
    if not rows:
        return None
    first = rows[0]
    creators = {str(r["creator"]): _text(r, "name") or str(r["creator"]) for r in rows
                if r.get("creator") is not None}
    count = first.get("authorCount")
    out = {"venue": _text(first, "venue"), "venueYear": _text(first, "venueYear"),
           "authorCount": _number(count) if count is not None else None,
           "citation": _text(first, "citation"),
           "authors": authors_in_order(_text(first, "citation"), creators)}
    return out if any(v for v in out.values()) else None


def _works(store, rows: list[dict[str, Node]]) -> list[dict]:
    names = _labels_of(store, rows, "decision", "criterion")
    out: dict[str, dict] = {}
    for row in rows:
        work = str(row["work"])
        out.setdefault(work, {"iri": work, "title": _text(row, "title") or work,
                              "year": _text(row, "issued"),
                              "decision": _named(_text(row, "decision"), names),
                              "criterion": _named(_text(row, "criterion"), names),
                              "code": _text(row, "code")})
    return list(out.values())


def returned(store, iri: str) -> list[dict]:
    """The works a literature search returned, each with its screening decision."""
    return _works(store, select(store, "review_returned", iri=iri))


def decided(store, iri: str) -> list[dict]:
    """The works whose screening decision rests on a criterion."""
    return _works(store, select(store, "review_decided", iri=iri))


def protocols(store) -> list[dict]:
    """The review protocols the store holds (label, description, date)."""
    out: dict[str, dict] = {}
    for row in select(store, "review_protocols"):
        out.setdefault(str(row["protocol"]), {
            "iri": str(row["protocol"]), "label": _text(row, "label") or str(row["protocol"]),
            "description": _text(row, "description"), "date": _text(row, "date")})
    return list(out.values())


def _counts(store, protocol: str) -> dict[str, int]:
    counts = {"included": 0, "excluded": 0, "searches": 0}
    for row in select(store, "review_counts", protocol=protocol):
        if row.get("decision") is not None:
            decision = DECISIONS.get(str(row["decision"]), str(row["decision"]))
            counts[decision] = _number(row["works"])
        elif row.get("searches") is not None:
            counts["searches"] = _number(row["searches"])
    counts["screened"] = sum(v for k, v in counts.items() if k != "searches")
    return counts


def _criteria(store, protocol: str) -> list[dict]:
    out: dict[str, dict] = {}
    for row in select(store, "review_criteria", protocol=protocol):
        kind = _text(row, "kind")
        out.setdefault(str(row["criterion"]), {
            "iri": str(row["criterion"]), "code": _text(row, "code"),
            "label": _text(row, "label") or str(row["criterion"]),
            "definition": _text(row, "definition"),
            "kind": {str(ATLAS.InclusionCriterion): "inclusion",
                     str(ATLAS.ExclusionCriterion): "exclusion"}.get(kind or ""),
            "works": _number(row["works"])})
    # inclusion before exclusion, then by code: the order a protocol is read in
    order = {"inclusion": 0, "exclusion": 1}
    return sorted(out.values(), key=lambda c: (order.get(c["kind"] or "", 2), c["code"] or "",
                                               c["iri"]))


def _excluded(store, protocol: str) -> list[dict]:
    rows = select(store, "review_excluded", protocol=protocol)
    names = _labels_of(store, rows, "criterion")
    out: dict[str, dict] = {}
    for row in rows:
        work = out.setdefault(str(row["work"]), {
            "iri": str(row["work"]), "title": _text(row, "title") or str(row["work"]),
            "citation": _text(row, "citation"),
            "criterion": _named(_text(row, "criterion"), names), "code": _text(row, "code"),
            "reason": _text(row, "verification"), "searches": []})
        if row.get("search") is not None and str(row["search"]) not in work["searches"]:
            work["searches"].append(str(row["search"]))
    return list(out.values())


def protocol_summary(store, protocol: str) -> dict:
    """A protocol's counts, criteria (with works per criterion), sources (with searches per
    source), coding dimensions, included works per topic area and excluded works with why."""
    sources = select(store, "review_sources", protocol=protocol)
    schemes = select(store, "review_dimensions", protocol=protocol)
    names = _labels_of(store, schemes, "scheme")
    return {
        "counts": _counts(store, protocol),
        "criteria": _criteria(store, protocol),
        "sources": [{"iri": str(r["source"]), "label": _text(r, "label") or str(r["source"]),
                     "searches": _number(r["searches"])} for r in sources],
        "codingDimensions": sorted((_named(str(r["scheme"]), names) for r in schemes),
                                   key=lambda d: d["label"].lower()),
        "topicAreas": [{"topic": str(r["topic"]), "works": _number(r["works"])}
                       for r in select(store, "review_topics", protocol=protocol)],
        "excluded": _excluded(store, protocol),
    }


def review_sections(store, iri: str, types: set[str]) -> dict:
    """What the review says about the resource a page is about, by its kind (empty: nothing)."""
    out: dict = {}
    if types & {PAPER, WORK}:
        out["screening"] = screening(store, iri)
        out["bibliography"] = bibliography(store, iri)
        out["paper"] = PAPER in types
    if SEARCH in types:
        out["returned"] = returned(store, iri)
    if types & CRITERIA:
        out["decided"] = decided(store, iri)
    if PROTOCOL in types:
        out["summary"] = protocol_summary(store, iri)
    return out
