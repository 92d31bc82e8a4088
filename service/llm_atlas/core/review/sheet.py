"""The literature review's screening sheets (docs/review/*.tsv) and the facts used to code them.

Core module (no Flask). A sheet row is one candidate work with its metadata, its coding (method,
phases, alignment problems or framed concepts) and its screening decision; `review_files` turns
rows into annotation files with statement provenance. The column contract is written down in
docs/review/README.md.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from rdflib import Graph, URIRef

from llm_atlas.errors import SheetError
from llm_atlas.namespaces import ATLAS, ONTOLOGY_IRI, RDF, RDFS

COLUMNS = ("key", "title", "authors", "first_public_year", "venue", "venue_year", "arxiv_id",
           "doi", "other_id", "kind", "method", "phases", "alignment_problems", "concepts",
           "evidence", "decision", "criterion", "search_query", "search_corpus", "checked_urls",
           "check_note")
REVIEW = "https://w3id.org/llm-atlas/resource/review/"
SEARCH_DATE = "2026-12-02"  # the day every verification search of the sheets was run


@dataclass(frozen=True)
class Row:
    """One screened work. Lists are split on ' | '; empty cells are empty strings or tuples."""

    key: str
    title: str
    authors: tuple[str, ...]
    year: int
    venue: str
    venue_year: str
    arxiv_id: str
    doi: str
    other_id: str
    kind: str
    method: str
    phases: tuple[str, ...]
    problems: tuple[str, ...]
    concepts: tuple[str, ...]
    evidence: str
    decision: str
    criterion: str
    search_query: str
    search_corpus: str
    checked_urls: str
    check_note: str
    sheet: str

    @property
    def included(self) -> bool:
        return self.decision == "included"

    @property
    def search_id(self) -> str:
        """A stable local name for the search that confirmed the row (same text, same search)."""
        digest = hashlib.sha1(f"{self.search_corpus}\n{self.search_query}".encode()).hexdigest()
        return f"search-{digest[:12]}"


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split(" | ") if part.strip())


def read_sheet(path: Path) -> list[Row]:
    """Every row of one sheet, checked against the column contract."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise SheetError(f"{path.name}: the header must be exactly {', '.join(COLUMNS)}")
        rows = []
        for raw in reader:
            cells = {k: (raw.get(k) or "").strip() for k in COLUMNS}
            key = cells["key"]
            if cells["decision"] not in ("included", "excluded"):
                raise SheetError(f"{path.name}: {key}: decision must be included or excluded")
            if not cells["first_public_year"].isdigit():
                raise SheetError(f"{path.name}: {key}: first_public_year must be a year")
            rows.append(Row(
                key=key, title=cells["title"], authors=_split(cells["authors"]),
                year=int(cells["first_public_year"]), venue=cells["venue"],
                venue_year=cells["venue_year"], arxiv_id=cells["arxiv_id"], doi=cells["doi"],
                other_id=cells["other_id"], kind=cells["kind"], method=cells["method"],
                phases=_split(cells["phases"]), problems=_split(cells["alignment_problems"]),
                concepts=_split(cells["concepts"]), evidence=cells["evidence"],
                decision=cells["decision"], criterion=cells["criterion"],
                search_query=cells["search_query"], search_corpus=cells["search_corpus"],
                checked_urls=cells["checked_urls"], check_note=cells["check_note"],
                sheet=path.name))
    return rows


def read_sheets(paths: list[Path]) -> tuple[list[Row], list[Row]]:
    """Rows of several sheets, and the searches that found an already-listed work again.

    A key may appear once, except as a later exclusion under E2 (a search of another batch
    returned a work already in the review): that row only adds its search to the work.
    """
    every = [row for path in paths for row in read_sheet(path)]
    by_key: dict[str, list[Row]] = {}
    for row in every:
        by_key.setdefault(row.key, []).append(row)
    rows: list[Row] = []
    again: list[Row] = []
    for key, found in by_key.items():
        first = [r for r in found if r.included or r.criterion != "E2"]
        if len(first) != 1 and len(found) > 1:
            sheets = ", ".join(r.sheet for r in found)
            raise SheetError(f"{key} is in several sheets ({sheets}) and not as one work plus "
                             "exclusions under E2")
        keeper = first[0] if first else found[0]
        rows.append(keeper)
        again += [replace(r, decision=keeper.decision) for r in found if r is not keeper]
    return rows, again


@dataclass
class Facts:
    """What the ontology says about methods, mechanisms, phases and asymmetries."""

    realizes: dict[URIRef, URIRef]
    applicable: dict[URIRef, set[URIRef]]
    mitigates: dict[URIRef, set[URIRef]]
    addresses: dict[URIRef, set[URIRef]]
    causes: dict[URIRef, set[URIRef]]
    stage: dict[URIRef, URIRef]
    kinds: dict[URIRef, URIRef]
    defined: set[URIRef]

    @classmethod
    def of(cls, ontology: Graph) -> Facts:
        def pairs(prop: str) -> dict[URIRef, set[URIRef]]:
            out: dict[URIRef, set[URIRef]] = {}
            for s, o in ontology.subject_objects(ATLAS[prop]):
                if isinstance(s, URIRef) and isinstance(o, URIRef):  # the terms are named
                    out.setdefault(s, set()).add(o)
            return out

        kinds: dict[URIRef, URIRef] = {}
        for kind in ("AlignmentMethod", "Mechanism", "AdoptionPhase", "AgencyProblem",
                     "AlignmentProblem", "InformationAsymmetry"):
            for term in ontology.subjects(RDF.type, ATLAS[kind]):
                if isinstance(term, URIRef):
                    kinds[term] = ATLAS[kind]
        realizes = {s: next(iter(o)) for s, o in pairs("realizes").items()}
        stage = {s: next(iter(o)) for s, o in pairs("stage").items()}
        defined = {s for s in ontology.subjects(RDFS.isDefinedBy, ONTOLOGY_IRI)
                   if isinstance(s, URIRef)}
        return cls(realizes, pairs("applicableIn"), pairs("mitigates"), pairs("addresses"),
                   pairs("causes"), stage, kinds, defined)

    def kind(self, local: str) -> URIRef | None:
        return self.kinds.get(ATLAS[local])

    def problems_at(self, method: URIRef, phase: URIRef) -> list[tuple[URIRef, URIRef]]:
        """(agency problem, asymmetry) pairs the stage rule gives a method in a phase."""
        mechanism = self.realizes[method]
        out = []
        for problem in sorted(self.addresses.get(mechanism, ())):
            for asymmetry in sorted(a for a, ps in self.causes.items() if problem in ps):
                if self.stage.get(asymmetry) == self.stage.get(phase):
                    out.append((problem, asymmetry))
        return out


def check_coding(row: Row, facts: Facts) -> list[str]:
    """What is wrong with a row's coding against the ontology (empty when it can be written)."""
    errors: list[str] = []
    if not row.included:
        return errors
    if row.kind == "solution":
        method = ATLAS[row.method]
        if facts.kind(row.method) != ATLAS.AlignmentMethod or method not in facts.realizes:
            return [f"{row.key}: {row.method!r} is not a method that realizes a mechanism"]
        if not row.phases:
            errors.append(f"{row.key}: a solution needs at least one phase")
        for phase in row.phases:
            if ATLAS[phase] not in facts.applicable.get(method, ()):
                errors.append(f"{row.key}: {row.method} is not applicable in {phase!r}")
        if not any(facts.problems_at(method, ATLAS[p]) for p in row.phases
                   if facts.kind(p) == ATLAS.AdoptionPhase):
            errors.append(f"{row.key}: {row.method} addresses no agency problem in "
                          f"{', '.join(row.phases)} under the stage rule")
    elif row.kind == "framing":
        if not row.concepts:
            errors.append(f"{row.key}: a framing annotation needs concepts")
    else:
        errors.append(f"{row.key}: kind must be solution or framing")
    for term in (*row.problems, *row.concepts):
        if ATLAS[term] not in facts.defined:
            errors.append(f"{row.key}: {term!r} is not a term of the ontology")
    for problem in row.problems:
        if facts.kind(problem) != ATLAS.AlignmentProblem:
            errors.append(f"{row.key}: {problem!r} is not an alignment problem")
    return errors
