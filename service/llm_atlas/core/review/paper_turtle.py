"""A paper's description (paper and creators) as Turtle in the house format, and its slugs.

Pure text in, text out: no Flask, no store. `llm-atlas import-bibtex` writes these files, and the
same `paper_turtle` writes any paper whose metadata is known, so the output is exact and
deterministic (same record, same bytes).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

PREFIX_BLOCK = """\
@prefix atlas:   <https://w3id.org/llm-atlas/ontology/> .
@prefix paper:   <https://w3id.org/llm-atlas/resource/paper/> .
@prefix work:    <https://w3id.org/llm-atlas/resource/work/> .
@prefix person:  <https://w3id.org/llm-atlas/resource/person/> .
@prefix org:     <https://w3id.org/llm-atlas/resource/organization/> .
@prefix ann:     <https://w3id.org/llm-atlas/resource/annotation/> .
@prefix agent:   <https://w3id.org/llm-atlas/resource/agent/> .
@prefix review:  <https://w3id.org/llm-atlas/resource/review/> .
@prefix owl:     <http://www.w3.org/2002/07/owl#> .
@prefix oa:      <http://www.w3.org/ns/oa#> .
@prefix prov:    <http://www.w3.org/ns/prov#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf:    <http://xmlns.com/foaf/0.1/> .
@prefix bibo:    <http://purl.org/ontology/bibo/> .
@prefix skos:    <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:     <http://www.w3.org/2001/XMLSchema#> .
"""

# The identifier patterns of ontology/shapes/annotations.ttl (PaperArxivIdPatternShape,
# PaperDoiPatternShape): a record that passes them passes the shapes.
ARXIV_ID = re.compile(r"^[0-9]{4}\.[0-9]{4,5}(v[0-9]+)?$")
DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")

# Letters that Unicode decomposition does not reduce to ASCII.
_FOLD = str.maketrans({"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe",
                       "Œ": "OE", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D",
                       "þ": "th", "Þ": "Th", "ı": "i"})

# Words a slug skips: they never tell two papers apart.
STOP_WORDS = frozenset("""
a an the of for from with without to in on and or via by at as is are be its their your our
we do does can how what when why which towards toward into over under about beyond using
""".split())

# A middle initial ("George A. Akerlof"): the house slugs leave it out (person:george-akerlof).
_INITIAL = re.compile(r"^[^\W\d_]\.?$")


@dataclass(frozen=True)
class Creator:
    """An author as printed on the paper: a person, or an organization credited as author."""

    name: str
    organization: bool = False

    @property
    def slug(self) -> str:
        """The local name of the creator's IRI (person:{slug} or org:{slug})."""
        return ascii_slug(self.name) if self.organization else person_slug(self.name)

    @property
    def qname(self) -> str:
        """The creator's IRI as a prefixed name of the house prefix block."""
        return f"{'org' if self.organization else 'person'}:{self.slug}"


@dataclass(frozen=True)
class PaperRecord:
    """Everything a paper description says; `creators` is the complete author list in order."""

    slug: str
    title: str
    creators: tuple[Creator, ...]
    issued: int
    venue: str | None = None
    venue_year: int | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    standard_number: str | None = None
    celex_number: str | None = None


def ascii_fold(text: str) -> str:
    """The text without accents or special letters: "Jérémy Kühl Ørsted" -> "Jeremy Kuhl Orsted"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)


def ascii_slug(text: str) -> str:
    """ASCII-folded, lower case, runs of anything but letters and digits as one hyphen."""
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower()).strip("-")


def person_slug(name: str) -> str:
    """The slug of a person: "Jérémy Scheurer" -> jeremy-scheurer; middle initials left out."""
    words = name.split()
    kept = [w for i, w in enumerate(words)
            if i in (0, len(words) - 1) or not _INITIAL.match(w)]
    return ascii_slug(" ".join(kept))


def title_words(title: str) -> list[str]:
    """The significant words of a title, folded to ASCII, in order (stop words dropped)."""
    words = re.findall(r"[a-z0-9]+", ascii_fold(title).lower())
    return [w for w in words if w not in STOP_WORDS]


def paper_slug(first_family: str, year: int, title: str) -> str:
    """{family}-{year}-{first two significant title words}, e.g. bai-2022-constitutional-ai."""
    words = title_words(title)[:2] or ["untitled"]
    return "-".join([ascii_slug(first_family), str(year), *words])


def citation(record: PaperRecord) -> str:
    """ "Name1, Name2 (YEAR). Title. Venue." with every creator in order."""
    names = ", ".join(c.name for c in record.creators)
    # a work excluded before its authors were settled has none: the citation starts at the year
    parts = [f"{names} ({record.issued})." if names else f"({record.issued}).",
             _sentence(record.title)]
    if record.venue:
        parts.append(_sentence(record.venue))
    return " ".join(parts)


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def turtle_string(text: str) -> str:
    """A Turtle short string literal: quotes, backslashes and line breaks escaped."""
    escaped = (text.replace("\\", "\\\\").replace('"', '\\"')
               .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"))
    return f'"{escaped}"'


def _iri(text: str) -> str:
    # Characters an IRIREF may not hold (the DOI pattern allows them) are percent-encoded.
    safe = "".join(f"%{ord(c):02X}" if c in '<>"{}|^`\\' or ord(c) <= 0x20 else c for c in text)
    return f"<{safe}>"


def see_also(record: PaperRecord) -> list[str]:
    """The landing pages of the record's identifiers: arXiv abstract, then DOI resolver."""
    pages = []
    if record.arxiv_id:
        pages.append(f"https://arxiv.org/abs/{record.arxiv_id}")
    if record.doi:
        pages.append(f"https://doi.org/{record.doi}")
    return pages


def paper_lines(record: PaperRecord) -> list[str]:
    """The paper's own statements, one `predicate object` per entry, in the house order."""
    creators = " ,\n        ".join(c.qname for c in record.creators)
    lines = ["a atlas:Paper",
             f"dcterms:title {turtle_string(record.title)}",
             f"dcterms:creator {creators}",
             f"dcterms:bibliographicCitation {turtle_string(citation(record))}",
             f'atlas:authorCount "{len({c.qname for c in record.creators})}"^^xsd:integer',
             f'dcterms:issued "{record.issued:04d}"^^xsd:gYear']
    if record.venue:
        lines.append(f"atlas:venue {turtle_string(record.venue)}")
    if record.venue_year is not None:
        lines.append(f'atlas:venueYear "{record.venue_year:04d}"^^xsd:gYear')
    if record.arxiv_id:
        lines.append(f"atlas:arxivId {turtle_string(record.arxiv_id)}")
    if record.doi:
        lines.append(f"bibo:doi {turtle_string(record.doi)}")
    if record.standard_number:
        lines.append(f"atlas:standardNumber {turtle_string(record.standard_number)}")
    if record.celex_number:
        lines.append(f"atlas:celexNumber {turtle_string(record.celex_number)}")
    if pages := see_also(record):
        lines.append("rdfs:seeAlso " + " , ".join(_iri(p) for p in pages))
    return lines


def paper_turtle(record: PaperRecord) -> str:
    """The paper and its creators as a Turtle document in the house format."""
    if not record.creators:
        raise ValueError(f"paper {record.slug} has no creators")
    if nameless := [c.name for c in record.creators if not c.slug]:
        raise ValueError(f"paper {record.slug}: no IRI can be made of the names {nameless}")
    body = " ;\n    ".join(paper_lines(record))
    out = [PREFIX_BLOCK, f"# Paper and creators: {record.slug}\n",
           f"paper:{record.slug}\n    {body} .\n"]
    seen = set()
    for creator in record.creators:
        if creator.qname in seen:  # a name printed twice is still one creator node
            continue
        seen.add(creator.qname)
        kind = "foaf:Organization" if creator.organization else "foaf:Person"
        out.append(f"{creator.qname} a {kind} ;\n    foaf:name {turtle_string(creator.name)} .\n")
    return "\n".join(out)


# The template of a solution annotation (docs/data-model.md, "Annotations" and "Statement
# provenance"). Upper-case words are placeholders: each is the local name of an ontology term.
_SKELETON = """\
Solution annotation to complete: from `ann:` on, remove the leading "# " of each line, replace each
upper-case placeholder by an ontology term (atlas:METHOD by one atlas:AlignmentMethod, MECHANISM
the atlas:Mechanism it atlas:realizes, AGENCY_PROBLEM each atlas:AgencyProblem the mechanism
atlas:addresses, PHASE each atlas:AdoptionPhase the method is atlas:applicableIn, STAGE the
phase's atlas:stage, ASYMMETRY each atlas:InformationAsymmetry that atlas:causes the problem at
that stage, ALIGNMENT_PROBLEM an atlas:AlignmentProblem the method atlas:mitigates, or drop
those lines), write the evidence and the date, then run `llm-atlas validate` on this file.
See docs/data-model.md, "Annotations" and "Statement provenance".
ann:{slug}
    a atlas:Annotation , atlas:SolutionAnnotation ;
    oa:hasTarget paper:{slug} ;
    oa:motivatedBy oa:classifying ;
    atlas:aboutMethod atlas:METHOD ;
    atlas:aboutMechanism atlas:MECHANISM ;
    atlas:aboutAgencyProblem atlas:AGENCY_PROBLEM ;
    atlas:aboutPhase atlas:PHASE ;
    atlas:aboutAlignmentProblem atlas:ALIGNMENT_PROBLEM ;
    atlas:evidence "{evidence}" ;
    atlas:provenanceStatus atlas:CuratorInference ;
    atlas:rationale "{rationale}"@en ;
    prov:wasAttributedTo agent:llm-atlas-curators ;
    dcterms:created "YYYY-MM-DD"^^xsd:date .
# Statement provenance: one axiom per classification triple above.
[] a owl:Axiom ;
    owl:annotatedSource ann:{slug} ;
    owl:annotatedProperty atlas:aboutMethod ;
    owl:annotatedTarget atlas:METHOD ;
    atlas:provenanceStatus atlas:StatedInAnnotatedPaper ;
    dcterms:source paper:{slug} .
[] a owl:Axiom ;
    owl:annotatedSource ann:{slug} ;
    owl:annotatedProperty atlas:aboutMechanism ;
    owl:annotatedTarget atlas:MECHANISM ;
    atlas:provenanceStatus atlas:InferredByRule ;
    atlas:inferenceRule atlas:AnnotationFromOntologyRule ;
    atlas:premise "<{o}METHOD> <{o}realizes> <{o}MECHANISM>" .
[] a owl:Axiom ;
    owl:annotatedSource ann:{slug} ;
    owl:annotatedProperty atlas:aboutAgencyProblem ;
    owl:annotatedTarget atlas:AGENCY_PROBLEM ;
    atlas:provenanceStatus atlas:InferredByRule ;
    atlas:inferenceRule atlas:AnnotationFromOntologyRule ;
    atlas:premise "<{o}METHOD> <{o}realizes> <{o}MECHANISM>" ,
        "<{o}MECHANISM> <{o}addresses> <{o}AGENCY_PROBLEM>" ,
        "<{o}METHOD> <{o}applicableIn> <{o}PHASE>" ,
        "<{o}PHASE> <{o}stage> <{o}STAGE>" ,
        "<{o}ASYMMETRY> <{o}causes> <{o}AGENCY_PROBLEM>" ,
        "<{o}ASYMMETRY> <{o}stage> <{o}STAGE>" .
[] a owl:Axiom ;
    owl:annotatedSource ann:{slug} ;
    owl:annotatedProperty atlas:aboutPhase ;
    owl:annotatedTarget atlas:PHASE ;
    atlas:provenanceStatus atlas:InferredByRule ;
    atlas:inferenceRule atlas:AnnotationFromOntologyRule ;
    atlas:premise "<{o}METHOD> <{o}applicableIn> <{o}PHASE>" .
[] a owl:Axiom ;
    owl:annotatedSource ann:{slug} ;
    owl:annotatedProperty atlas:aboutAlignmentProblem ;
    owl:annotatedTarget atlas:ALIGNMENT_PROBLEM ;
    atlas:provenanceStatus atlas:InferredByRule ;
    atlas:inferenceRule atlas:AnnotationFromOntologyRule ;
    atlas:premise "<{o}METHOD> <{o}mitigates> <{o}ALIGNMENT_PROBLEM>" .
"""


_EVIDENCE = ("LOCATOR (abstract, Section N): what the paper does, in our own words, "
             "never a quotation.")
_RATIONALE = ("Places the paper in the problem-solution space: the method is the paper's own, "
              "the mechanism, agency problems and phases follow from the ontology's statements "
              "about the method, and the alignment problems are this project's reading; each "
              "statement carries its own provenance.")


def annotation_skeleton(record: PaperRecord) -> str:
    """A solution annotation for the paper to fill in, every line commented out with "# "."""
    text = _SKELETON
    for name, value in (("{evidence}", _EVIDENCE), ("{rationale}", _RATIONALE),
                        ("{o}", "https://w3id.org/llm-atlas/ontology/"), ("{slug}", record.slug)):
        text = text.replace(name, value)
    return "".join(f"# {line}\n" for line in text.splitlines())
