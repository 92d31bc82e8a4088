"""Statement provenance as pages and the matrix show it: each claim's status, source and reason.

Core module (no Flask). A statement's provenance is its `owl:Axiom` node (docs/data-model.md,
"Statement provenance"); the `statement_provenance` and `iri_provenance` queries under
`sparql/` read those nodes, and this module turns their rows into claim records.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.term import Node

from llm_atlas.core.views.iris import is_web_iri
from llm_atlas.errors import UnknownStatusFilter
from llm_atlas.namespaces import ATLAS

# the `status=` filter names of /matrix, one per status a statement can have
STATUS_FILTERS: dict[str, URIRef] = {
    "llm-atlas": ATLAS.StatedInLLMAtlas,
    "annotated-paper": ATLAS.StatedInAnnotatedPaper,
    "agency-theory": ATLAS.StandardAgencyTheory,
    "curation": ATLAS.CuratorInference,
    "inferred": ATLAS.InferredByRule,
}
# every status of the scheme, the unspecific one included (annotations may still carry it)
ALL_STATUSES: list[URIRef] = [*STATUS_FILTERS.values(), ATLAS.StatedInSource]
# the short marker people see beside a claim
MARKERS: dict[str, str] = {
    str(ATLAS.StatedInLLMAtlas): "LLM ATLAS", str(ATLAS.StatedInAnnotatedPaper): "paper",
    str(ATLAS.StandardAgencyTheory): "theory", str(ATLAS.CuratorInference): "curation",
    str(ATLAS.InferredByRule): "inferred", str(ATLAS.StatedInSource): "source",
}

Key = tuple[str, str, str]


def status_filter(name: str | None) -> URIRef | None:
    """The status a filter name stands for (None: no filter); unknown names raise."""
    if name is None:
        return None
    if name not in STATUS_FILTERS:
        allowed = ", ".join(STATUS_FILTERS)
        raise UnknownStatusFilter(f"unknown status filter {name!r}; use one of: {allowed}")
    return STATUS_FILTERS[name]


def is_web_link(iri: str | None) -> bool:
    """Whether an IRI may become a link on a page (http or https only, iris' one policy)."""
    return iri is not None and is_web_iri(iri)


def _text(node: Node | None) -> str | None:
    return None if node is None else str(node)


def claims_from_rows(rows: list[dict[str, Node]], labels: dict[str, str]) -> dict[Key, dict]:
    """One claim record per annotated statement, keyed by (subject, predicate, object).

    A statement has one axiom (a test holds the data to it); when an axiom names several
    sources the first in IRI order is `source` and all are in `sources`.
    """
    claims: dict[Key, dict] = {}
    for row in sorted(rows, key=lambda r: str(r.get("source", ""))):
        key = (str(row["subject"]), str(row["predicate"]), str(row["object"]))
        status = str(row["status"])
        claim = claims.setdefault(key, {
            "subject": key[0], "predicate": key[1], "object": key[2],
            "status": status, "statusLabel": labels.get(status, status.rsplit("/", 1)[-1]),
            "marker": MARKERS.get(status, "other"), "source": None, "sources": [],
            "citation": _text(row.get("citation")), "rationale": _text(row.get("rationale")),
            "rule": _text(row.get("rule")),
        })
        source = row.get("source")
        if source is not None and str(source) not in claim["sources"]:
            claim["sources"].append(str(source))
            claim["source"] = claim["sources"][0]
    return claims

