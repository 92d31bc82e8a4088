"""Turtle for one screened work: paper, creators, screening record and annotation with provenance.

Core module (no Flask). The text follows the house layout of annotations/*.ttl (docs/data-model.md)
so that generated and hand-written files read alike; every classification triple gets its
owl:Axiom with status and source, as the statement-provenance shapes require.
"""

from __future__ import annotations

from rdflib import URIRef

from llm_atlas.core.review.paper_turtle import PREFIX_BLOCK, Creator, PaperRecord, paper_lines
from llm_atlas.core.review.sheet import REVIEW, Facts, Row
from llm_atlas.namespaces import ATLAS

PREFIXES = PREFIX_BLOCK  # one prefix block for every file the project writes
CURATORS = "agent:llm-atlas-curators"
SOLUTION_RATIONALE = (
    "Places the paper in the problem-solution space: the method is the paper's own, the mechanism "
    "and agency problems follow from the ontology's statements about the method, the phases and "
    "alignment problems are this project's coding from the literature review; each statement "
    "carries its own provenance.")
FRAMING_RATIONALE = ("The paper's subject is its own; reading it in agency-theory terms is this "
                     "project's curation.")
assert REVIEW.endswith("/review/")


def lit(text: str) -> str:
    """A Turtle string literal (quotes and backslashes escaped; sheets hold no newlines)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def record(row: Row) -> PaperRecord:
    """The row as the house writer's record (a name listed twice counts once)."""
    names = dict.fromkeys(row.authors)
    creators = tuple(Creator(name[4:].strip(), True) if name.startswith("org:") else Creator(name)
                     for name in names)
    other = row.other_id
    return PaperRecord(
        slug=row.key, title=row.title, creators=creators, issued=row.year,
        venue=row.venue or None,
        venue_year=int(row.venue_year) if row.venue_year.isdigit() else None,
        arxiv_id=row.arxiv_id or None, doi=row.doi or None,
        standard_number=other if other and not other.startswith("CELEX:") else None,
        celex_number=other[6:] if other.startswith("CELEX:") else None)


def canonical_names(rows: list[Row]) -> dict[str, str]:
    """One foaf:name per creator IRI across all papers: the fullest spelling seen.

    Papers print one person differently ("Paul Christiano", "Paul F. Christiano"); the IRI is
    the same and each paper's citation keeps its own spelling.
    """
    names: dict[str, str] = {}
    for row in rows:
        for creator in record(row).creators:
            if len(creator.name) > len(names.get(creator.qname, "")):
                names[creator.qname] = creator.name
    return names


def paper_block(row: Row, names: dict[str, str] | None = None) -> str:
    """The paper (or, when excluded, the candidate work) and its creators, via paper_turtle."""
    rec = record(row)
    lines = paper_lines(rec)
    if not rec.creators:  # an excluded rediscovery may carry no checked author list
        lines = [line for line in lines if not line.startswith(("dcterms:creator",
                                                                "atlas:authorCount"))]
    subject = f"paper:{row.key}"
    if not row.included:
        subject, lines[0] = f"work:{row.key}", "a atlas:CandidateWork"
    out = [f"{subject}\n    " + " ;\n    ".join(lines) + " ."]
    seen = set()
    for creator in rec.creators:
        if creator.qname not in seen:
            seen.add(creator.qname)
            kind = "foaf:Organization" if creator.organization else "foaf:Person"
            name = (names or {}).get(creator.qname, creator.name)
            out.append(f"{creator.qname} a {kind} ;\n    foaf:name {lit(name)} .")
    return "\n\n".join(out)


def screening_block(row: Row, date: str) -> str:
    """The screening record: decision, criterion, the search behind it and the metadata check."""
    subject = f"paper:{row.key}" if row.included else f"work:{row.key}"
    decision = "atlas:Included" if row.included else "atlas:Excluded"
    check = row.check_note
    if row.checked_urls:
        check = f"{check.rstrip('.')}. Pages checked: {row.checked_urls}".lstrip(". ")
    return "\n".join([
        f"review:screening-{row.key} a atlas:ScreeningRecord ;",
        f"    atlas:screened {subject} ;",
        f"    atlas:decision {decision} ;",
        f"    atlas:byCriterion review:criterion-{row.criterion} ;",
        f"    atlas:identifiedBy review:{row.search_id} ;",
        "    atlas:followsProtocol review:protocol ;",
        f"    atlas:verification {lit(check or 'No check recorded.')} ;",
        f"    prov:wasAssociatedWith {CURATORS} ;",
        f"    dcterms:date \"{date}\"^^xsd:date ."])


def _key(s: URIRef, p: URIRef, o: URIRef) -> str:
    return lit(f"<{s}> <{p}> <{o}>")


def _axiom(annotation: str, prop: str, target: str, body: list[str]) -> str:
    head = (f"[] a owl:Axiom ; owl:annotatedSource ann:{annotation} ; "
            f"owl:annotatedProperty {prop} ; owl:annotatedTarget {target} ;")
    return head + "\n" + " ;\n".join("    " + b for b in body) + " ."


def _inferred(premises: list[str]) -> list[str]:
    return ["atlas:provenanceStatus atlas:InferredByRule",
            "atlas:inferenceRule atlas:AnnotationFromOntologyRule",
            "atlas:premise " + " ,\n        ".join(premises)]


def _stated(key: str) -> list[str]:
    return ["atlas:provenanceStatus atlas:StatedInAnnotatedPaper", f"dcterms:source paper:{key}"]


def _curated(reason: str) -> list[str]:
    return ["atlas:provenanceStatus atlas:CuratorInference", f"atlas:rationale {lit(reason)}@en"]


def solution_annotation(row: Row, facts: Facts, created: str) -> str:
    """A solution annotation whose mechanism, problems and phases follow from its method."""
    method = ATLAS[row.method]
    mechanism = facts.realizes[method]
    phases = [ATLAS[p] for p in row.phases]
    problems: dict[URIRef, list[str]] = {}
    for phase in phases:
        for problem, asymmetry in facts.problems_at(method, phase):
            premises = problems.setdefault(problem, [])
            for triple in ((method, ATLAS.realizes, mechanism),
                           (mechanism, ATLAS.addresses, problem),
                           (method, ATLAS.applicableIn, phase),
                           (phase, ATLAS.stage, facts.stage[phase]),
                           (asymmetry, ATLAS.causes, problem),
                           (asymmetry, ATLAS.stage, facts.stage[asymmetry])):
                text = _key(*triple)
                if text not in premises:
                    premises.append(text)
    name = row.key
    local = {ATLAS[x]: f"atlas:{x}" for x in (row.method, *row.phases, *row.problems)}
    local.update({p: "atlas:" + p.split("/")[-1] for p in problems})
    local[mechanism] = "atlas:" + mechanism.split("/")[-1]
    lines = [f"ann:{name}",
             "    a atlas:Annotation , atlas:SolutionAnnotation ;",
             f"    oa:hasTarget paper:{name} ;",
             "    oa:motivatedBy oa:classifying ;",
             f"    atlas:aboutMethod atlas:{row.method} ;",
             f"    atlas:aboutMechanism {local[mechanism]} ;",
             "    atlas:aboutAgencyProblem "
             + " , ".join(local[p] for p in sorted(problems)) + " ;",
             "    atlas:aboutPhase " + " , ".join(f"atlas:{p}" for p in row.phases) + " ;"]
    if row.problems:
        lines.append("    atlas:aboutAlignmentProblem "
                     + " , ".join(f"atlas:{p}" for p in row.problems) + " ;")
    lines += [f"    atlas:evidence {lit(row.evidence)} ;",
              "    atlas:provenanceStatus atlas:CuratorInference ;",
              f"    atlas:rationale {lit(SOLUTION_RATIONALE)}@en ;",
              f"    prov:wasAttributedTo {CURATORS} ;",
              f"    dcterms:created \"{created}\"^^xsd:date ."]
    axioms = [_axiom(name, "atlas:aboutMethod", f"atlas:{row.method}", _stated(name)),
              _axiom(name, "atlas:aboutMechanism", local[mechanism],
                     _inferred([_key(method, ATLAS.realizes, mechanism)]))]
    for problem in sorted(problems):
        axioms.append(_axiom(name, "atlas:aboutAgencyProblem", local[problem],
                             _inferred(problems[problem])))
    for phase in phases:
        axioms.append(_axiom(name, "atlas:aboutPhase", local[phase],
                             _inferred([_key(method, ATLAS.applicableIn, phase)])))
    for alignment_problem in row.problems:
        iri = ATLAS[alignment_problem]
        body = (_inferred([_key(method, ATLAS.mitigates, iri)])
                if iri in facts.mitigates.get(method, ()) else _stated(name))
        axioms.append(_axiom(name, "atlas:aboutAlignmentProblem", f"atlas:{alignment_problem}",
                             body))
    return "\n".join(lines) + "\n\n" + "\n\n".join(axioms)


_AGENCY_KINDS = {ATLAS.Mechanism, ATLAS.AgencyProblem, ATLAS.InformationAsymmetry,
                 ATLAS.AdoptionPhase}


def framing_annotation(row: Row, facts: Facts, created: str) -> str:
    """A framing annotation; agency concepts on a work that is not agency theory are curation."""
    theory = row.criterion == "I3"
    bodies = []
    for concept in row.concepts:
        if facts.kind(concept) in _AGENCY_KINDS and not theory:
            bodies.append((concept, _curated(
                "This project reads the problem the paper documents as an instance of this "
                "agency-theory concept.")))
        else:
            bodies.append((concept, _stated(row.key)))
    stated = all(body[0].endswith("StatedInAnnotatedPaper") for _, body in bodies)
    lines = [f"ann:{row.key}",
             "    a atlas:Annotation , atlas:FramingAnnotation ;",
             f"    oa:hasTarget paper:{row.key} ;",
             "    oa:motivatedBy oa:classifying ;",
             "    atlas:aboutConcept " + " ,\n        ".join(f"atlas:{c}" for c in row.concepts)
             + " ;",
             f"    atlas:evidence {lit(row.evidence)} ;"]
    if stated:
        lines += ["    atlas:provenanceStatus atlas:StatedInAnnotatedPaper ;",
                  f"    prov:wasDerivedFrom paper:{row.key} ;"]
    else:
        lines += ["    atlas:provenanceStatus atlas:CuratorInference ;",
                  f"    atlas:rationale {lit(FRAMING_RATIONALE)}@en ;"]
    lines += [f"    prov:wasAttributedTo {CURATORS} ;",
              f"    dcterms:created \"{created}\"^^xsd:date ."]
    axioms = [_axiom(row.key, "atlas:aboutConcept", f"atlas:{c}", body) for c, body in bodies]
    return "\n".join(lines) + "\n\n" + "\n\n".join(axioms)


def work_file(row: Row, facts: Facts, created: str, names: dict[str, str]) -> str:
    """The whole annotation file of an included work."""
    annotation = (solution_annotation(row, facts, created) if row.kind == "solution"
                  else framing_annotation(row, facts, created))
    return "\n\n".join([
        PREFIXES.rstrip("\n"),
        f"# Paper, creators, screening record and annotation: {row.key}",
        paper_block(row, names),
        screening_block(row, created),
        annotation]) + "\n"
