"""The review protocol, its searches, the excluded works and the matrix cells, as Turtle.

Core module (no Flask). The protocol's criteria, sources and gap reasons are this project's
decisions and are written here once; searches and excluded works come from the screening sheets.
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from llm_atlas.core.knowledge.sources import load_graph
from llm_atlas.core.review.sheet import SEARCH_DATE, Facts, Row, check_coding
from llm_atlas.core.review.turtle import (
    PREFIXES,
    canonical_names,
    lit,
    paper_block,
    screening_block,
    work_file,
)
from llm_atlas.namespaces import ATLAS, RDF

CRITERIA = {
    "I1": ("inclusion", "proposes, evaluates or critiques an alignment method",
           "The work proposes, evaluates or critiques a method by which a provider or an adopting "
           "organization can align a large language model or foundation model."),
    "I2": ("inclusion", "documents an alignment problem",
           "The work documents an alignment problem of large language models or an LLM instance "
           "of an information asymmetry."),
    "I3": ("inclusion", "agency theory or a principal-agent view of AI",
           "The work is a source of agency theory the mechanisms rest on, or reads AI alignment "
           "as a principal-agent problem."),
    "I4": ("inclusion", "governance framework or regulation",
           "The work is a governance framework, standard or law that organizations adopt for AI."),
    "I5": ("inclusion", "survey, taxonomy or adoption study",
           "The work surveys or classifies the field, or studies how organizations adopt "
           "generative AI."),
    "E1": ("exclusion", "no verifiable identifier",
           "No arXiv identifier, DOI, standard number or CELEX number of the work could be "
           "confirmed."),
    "E2": ("exclusion", "duplicate or later version",
           "The work duplicates, or is a later version of, a work already included."),
    "E3": ("exclusion", "outside the period",
           "The work first became public after 2025."),
    "E4": ("exclusion", "out of scope",
           "The work concerns neither large language models or foundation models nor agency "
           "theory."),
    "E5": ("exclusion", "conflicting metadata",
           "The sources checked disagree on the work's title, authors or identifiers and the "
           "conflict could not be resolved."),
}
SOURCES = {
    "pages": "stored public web pages of the search tool",
    "docs": "documentation pages of the search tool",
    "code": "public source files of the search tool",
    "issues": "issue threads of the search tool",
    "find_string": "exact-string index of public source and documentation files",
}
SCHEMES = ("AdoptionPhaseScheme", "InformationAsymmetryScheme", "AgencyProblemScheme",
           "MechanismScheme", "AlignmentMethodScheme", "AlignmentProblemScheme")
PHASES = ("ModelSelection", "ModelAdaptation", "Deployment", "Operation")
PROBLEMS = ("AdverseSelection", "MoralHazard", "HoldUp")
# Why a cell may stay empty: reasons of theory under the stage rule (docs/data-model.md).
THEORY_GAPS = {
    "AdverseSelection": "Adverse selection comes from hidden characteristics, which matter before "
                        "the contract: once the model is chosen the adopter no longer selects, so "
                        "under the stage rule no mechanism addresses adverse selection in this "
                        "ex post phase.",
    "MoralHazard": "Moral hazard comes from hidden action and hidden information after the "
                   "contract; model selection is ex ante, so under the stage rule no mechanism "
                   "addresses moral hazard here.",
    "HoldUp": "Hold-up comes from hidden intention, which the adopter can only guard against "
              "before committing (bonding at selection); once locked in, the remedies (switching "
              "providers, renegotiating) are not alignment methods the reviewed literature "
              "offers, so under the stage rule no mechanism addresses hold-up in this phase.",
}


def protocol_turtle(rows: list[Row], again: list[Row]) -> str:
    """The protocol, its sources and criteria, and one node per search the sheets record."""
    parts = [PREFIXES.rstrip("\n"), "# The literature review of release 0.2.0 as data"]
    parts.append("\n".join([
        "review:protocol a atlas:ReviewProtocol ;",
        '    rdfs:label "LLM ATLAS knowledge graph literature review, release 0.2.0"@en ;',
        "    dcterms:description " + lit(
            "Coverage plan: the topic areas of issue 15 (methods per mechanism, LLM instances of "
            "each asymmetry, governance frameworks, taxonomies). Candidates were nominated per "
            "area by the curators and each one was then looked up by a known-item search that "
            "confirmed its title, complete author list and identifiers; a candidate was included "
            "when it met an inclusion criterion and no exclusion criterion, and coded by phase, "
            "asymmetry, agency problem, mechanism and method.") + "@en ;",
        "    atlas:hasCriterion " + " , ".join(f"review:criterion-{c}" for c in CRITERIA) + " ;",
        "    atlas:hasSource " + " , ".join(f"review:source-{s.replace('_', '-')}"
                                          for s in SOURCES) + " ;",
        "    atlas:codingDimension " + " , ".join(f"atlas:{s}" for s in SCHEMES) + " ;",
        "    prov:wasAttributedTo agent:llm-atlas-curators ;",
        f'    dcterms:date "{SEARCH_DATE}"^^xsd:date .']))
    for code, (kind, label, text) in CRITERIA.items():
        cls = "atlas:InclusionCriterion" if kind == "inclusion" else "atlas:ExclusionCriterion"
        parts.append(f"review:criterion-{code} a {cls} ;\n    atlas:criterionCode {lit(code)} ;\n"
                     f"    rdfs:label {lit(f'{code}: {label}')}@en ;\n"
                     f"    skos:definition {lit(text)}@en .")
    for name, label in SOURCES.items():
        parts.append(f"review:source-{name.replace('_', '-')} a atlas:BibliographicSource ;\n"
                     f"    rdfs:label {lit(label)}@en .")
    searches: dict[str, list[Row]] = {}
    # a duplicate found again without a search of its own (its sheet records no query) adds
    # no search: the work stays returned by the search that first found it
    for row in [*rows, *(r for r in again if r.search_query)]:
        searches.setdefault(row.search_id, []).append(row)
    for search_id, found in sorted(searches.items()):
        first = found[0]
        source = (first.search_corpus or "pages").replace("_", "-")
        works = " , ".join(dict.fromkeys(f"paper:{r.key}" if r.included else f"work:{r.key}"
                                           for r in found))
        parts.append("\n".join([
            f"review:{search_id} a atlas:LiteratureSearch ;",
            f"    atlas:searchString {lit(first.search_query or 'no query recorded')} ;",
            f"    atlas:searchedSource review:source-{source} ;",
            "    atlas:followsProtocol review:protocol ;",
            f"    atlas:returned {works} ;",
            "    prov:wasAssociatedWith agent:llm-atlas-curators ;",
            f'    dcterms:date "{SEARCH_DATE}"^^xsd:date .']))
    return "\n\n".join(parts) + "\n"


def excluded_turtle(rows: list[Row]) -> str:
    """Every excluded work, with its screening record."""
    parts = [PREFIXES.rstrip("\n"), "# Works the literature review excluded, and why"]
    for row in rows:
        if not row.included:
            parts += [paper_block(row, canonical_names(rows)), screening_block(row, SEARCH_DATE)]
    return "\n\n".join(parts) + "\n"


def cells_turtle(supported: set[tuple[str, str]]) -> str:
    """The twelve cells; those no annotation supports carry the reason they are a gap."""
    parts = [PREFIXES.rstrip("\n"), "# The cells of the problem-solution space (phase x agency "
             "problem); a cell without supporting papers says why"]
    for phase in PHASES:
        for problem in PROBLEMS:
            lines = [f"review:cell-{phase}-{problem} a atlas:ProblemSolutionCell ;",
                     f'    rdfs:label "{phase} x {problem}"@en ;',
                     f"    atlas:cellPhase atlas:{phase} ;",
                     f"    atlas:cellProblem atlas:{problem} ;"]
            if (phase, problem) not in supported:
                lines.append(f"    atlas:gapReason {lit(THEORY_GAPS[problem])}@en ;")
            lines.append("    prov:wasAttributedTo agent:llm-atlas-curators .")
            parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def supported_cells(annotations: Graph, facts: Facts) -> set[tuple[str, str]]:
    """(phase, agency problem) cells a written solution annotation supports, as /matrix counts.

    An annotation about several phases and problems supports only the pairs the stage rule joins
    (the problem's asymmetry at the phase's contract stage, the method applicable there), not
    every pair of its phases and problems: a routing paper coded at Model Selection and
    Deployment against adverse selection supports Model Selection x Adverse Selection only.
    """
    out = set()
    for annotation in annotations.subjects(RDF.type, ATLAS.SolutionAnnotation):
        method = annotations.value(annotation, ATLAS.aboutMethod)
        # The facts hold IRIs only, so a term that is no IRI is in none of them.
        if not isinstance(method, URIRef) or method not in facts.realizes:
            continue
        problems = set(annotations.objects(annotation, ATLAS.aboutAgencyProblem))
        for phase in annotations.objects(annotation, ATLAS.aboutPhase):
            if not isinstance(phase, URIRef) or phase not in facts.applicable.get(method, ()):
                continue
            for problem, _ in facts.problems_at(method, phase):
                if problem in problems:
                    out.add((str(phase).split("/")[-1], str(problem).split("/")[-1]))
    return out


def _created(text: str) -> str:
    """The creation date of the first annotation in a hand-written file."""
    marker = 'dcterms:created "'
    at = text.find(marker, text.find("\nann:"))
    return text[at + len(marker): at + len(marker) + 10] if at >= 0 else SEARCH_DATE


def renew_metadata(row: Row, text: str, names: dict[str, str]) -> str:
    """A hand-written file with its paper block and screening record written anew.

    Everything from the first annotation on (the curated coding and its provenance) is kept.
    """
    at = text.find("\nann:")
    if at < 0:
        raise ValueError(f"{row.key}: the file holds no annotation")
    return "\n\n".join([
        PREFIXES.rstrip("\n"),
        f"# Paper, creators, screening record and annotations: {row.key}",
        paper_block(row, names), screening_block(row, _created(text)),
        text[at + 1:].rstrip("\n")]) + "\n"


def write_review(rows: list[Row], again: list[Row], ontology: Graph, out: Path,
                 keep: set[str]) -> list[str]:
    """Write one file per included work and the review files; return coding errors.

    Rows of a sheet named in `keep` whose file exists keep their annotations (renew_metadata).
    """
    facts = Facts.of(ontology)
    errors = [e for row in rows if row.sheet not in keep for e in check_coding(row, facts)]
    if errors:
        return errors
    names = canonical_names(rows)
    for row in rows:
        if not row.included:
            continue
        path = out / f"{row.key}.ttl"
        if row.sheet in keep and path.exists():
            path.write_text(renew_metadata(row, path.read_text(encoding="utf-8"), names),
                            encoding="utf-8")
        else:
            path.write_text(work_file(row, facts, SEARCH_DATE, names), encoding="utf-8")
    review = out / "review"
    review.mkdir(exist_ok=True)
    (review / "protocol.ttl").write_text(protocol_turtle(rows, again), encoding="utf-8")
    (review / "excluded.ttl").write_text(excluded_turtle(rows), encoding="utf-8")
    written = load_graph(sorted(out.glob("*.ttl")))
    cells = cells_turtle(supported_cells(written, facts))
    (review / "cells.ttl").write_text(cells, encoding="utf-8")
    return []
