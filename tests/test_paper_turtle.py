"""paper_turtle: slugs, the exact house Turtle of a paper, and the annotation skeleton."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, XSD

from llm_atlas.cli.validate import validate_files
from llm_atlas.core.review.paper_turtle import (
    Creator,
    PaperRecord,
    annotation_skeleton,
    citation,
    paper_slug,
    paper_turtle,
    person_slug,
)
from llm_atlas.namespaces import ATLAS, BIBO

PAPER = Namespace("https://w3id.org/llm-atlas/resource/paper/")
PERSON = Namespace("https://w3id.org/llm-atlas/resource/person/")
ORG = Namespace("https://w3id.org/llm-atlas/resource/organization/")
REPO = Path(__file__).resolve().parents[1]


def assert_isomorphic(actual: Graph, expected: Graph) -> None:
    """Equal graphs, and if not, the triples each has that the other lacks."""
    if not isomorphic(actual, expected):
        _, only_actual, only_expected = graph_diff(to_isomorphic(actual), to_isomorphic(expected))
        pytest.fail(f"only produced:\n{only_actual.serialize(format='nt')}\n"
                    f"only expected:\n{only_expected.serialize(format='nt')}")


@pytest.mark.parametrize(("name", "slug"), [
    ("Jérémy Scheurer", "jeremy-scheurer"),
    ("George A. Akerlof", "george-akerlof"),          # middle initials left out, as the house
    ("Christopher D. Manning", "christopher-manning"),
    ("Inioluwa Deborah Raji", "inioluwa-deborah-raji"),
    ("Hal Daumé III", "hal-daume-iii"),
    ("Wil van der Aalst", "wil-van-der-aalst"),
    ("Dylan Hadfield-Menell", "dylan-hadfield-menell"),
    ("Søren Kierkegaard", "soren-kierkegaard"),
    ("Łukasz Kaiser", "lukasz-kaiser"),
    ("J. Zico Kolter", "j-zico-kolter"),             # a leading initial stays
])
def test_person_slug_folds_accents_and_drops_middle_initials(name, slug):
    assert person_slug(name) == slug


@pytest.mark.parametrize(("family", "year", "title", "slug"), [
    ("Bai", 2022, "Constitutional AI: Harmlessness from AI Feedback",
     "bai-2022-constitutional-ai"),
    ("Mitchell", 2019, "Model Cards for Model Reporting", "mitchell-2019-model-cards"),
    ("Jensen", 1976, "Theory of the firm: Managerial behavior", "jensen-1976-theory-firm"),
    ("Hadfield-Menell", 2019, "Incomplete Contracting and AI Alignment",
     "hadfield-menell-2019-incomplete-contracting"),
    ("van der Aalst", 2016, "Process Mining", "van-der-aalst-2016-process-mining"),
    ("Müller", 2020, "The Über-Model", "muller-2020-uber-model"),
    ("Smith", 2021, "On Lemons", "smith-2021-lemons"),          # one significant word
])
def test_paper_slug_is_family_year_and_two_significant_title_words(family, year, title, slug):
    assert paper_slug(family, year, title) == slug


MINIMAL = PaperRecord("akerlof-1970-lemons", 'The Market for "Lemons"',
                      (Creator("George A. Akerlof"),), 1970, doi="10.2307/1879431")

MINIMAL_TURTLE = '''\
# Paper and creators: akerlof-1970-lemons

paper:akerlof-1970-lemons
    a atlas:Paper ;
    dcterms:title "The Market for \\"Lemons\\"" ;
    dcterms:creator person:george-akerlof ;
    dcterms:bibliographicCitation "George A. Akerlof (1970). The Market for \\"Lemons\\"." ;
    atlas:authorCount "1"^^xsd:integer ;
    dcterms:issued "1970"^^xsd:gYear ;
    bibo:doi "10.2307/1879431" ;
    rdfs:seeAlso <https://doi.org/10.2307/1879431> .

person:george-akerlof a foaf:Person ;
    foaf:name "George A. Akerlof" .
'''


def test_paper_turtle_is_the_exact_house_text():
    text = paper_turtle(MINIMAL)
    prefixes, _, body = text.partition("\n# Paper")
    assert "# Paper" + body == MINIMAL_TURTLE
    house = (REPO / "annotations" / "akerlof-1970-lemons.ttl").read_text(encoding="utf-8")
    assert house.startswith(prefixes + "\n")  # the annotation files' prefix block, verbatim


FULL = PaperRecord(
    slug="doe-2024-every-field",
    title='Every Field: "Quotes", a \\ backslash and ünïcödé?',
    creators=(Creator("Jane Q. Doe"), Creator("OpenAI", organization=True),
              Creator("Jérémy Scheurer")),
    issued=2024, venue="Proceedings of Everything", venue_year=2025,
    arxiv_id="2401.00001", doi="10.1234/x{1}", standard_number="ISO/IEC 42001:2023",
    celex_number="32024R1689")


def expected_full() -> Graph:
    graph = Graph()
    paper = PAPER["doe-2024-every-field"]
    people = [(PERSON["jane-doe"], FOAF.Person, "Jane Q. Doe"),
              (ORG["openai"], FOAF.Organization, "OpenAI"),
              (PERSON["jeremy-scheurer"], FOAF.Person, "Jérémy Scheurer")]
    for iri, kind, name in people:
        graph += [(paper, DCTERMS.creator, iri), (iri, RDF.type, kind), (iri, FOAF.name,
                                                                          Literal(name))]
    graph += [
        (paper, RDF.type, ATLAS.Paper),
        (paper, DCTERMS.title, Literal('Every Field: "Quotes", a \\ backslash and ünïcödé?')),
        (paper, DCTERMS.bibliographicCitation, Literal(
            'Jane Q. Doe, OpenAI, Jérémy Scheurer (2024). Every Field: "Quotes", a \\ '
            "backslash and ünïcödé? Proceedings of Everything.")),
        (paper, ATLAS.authorCount, Literal("3", datatype=XSD.integer)),
        (paper, DCTERMS.issued, Literal("2024", datatype=XSD.gYear)),
        (paper, ATLAS.venue, Literal("Proceedings of Everything")),
        (paper, ATLAS.venueYear, Literal("2025", datatype=XSD.gYear)),
        (paper, ATLAS.arxivId, Literal("2401.00001")),
        (paper, BIBO.doi, Literal("10.1234/x{1}")),
        (paper, ATLAS.standardNumber, Literal("ISO/IEC 42001:2023")),
        (paper, ATLAS.celexNumber, Literal("32024R1689")),
        (paper, RDFS.seeAlso, URIRef("https://arxiv.org/abs/2401.00001")),
        (paper, RDFS.seeAlso, URIRef("https://doi.org/10.1234/x%7B1%7D")),
    ]
    return graph


def test_every_field_round_trips_through_rdflib():
    text = paper_turtle(FULL)
    assert_isomorphic(Graph().parse(data=text, format="turtle"), expected_full())
    assert paper_turtle(FULL) == text  # deterministic


def test_citation_keeps_every_creator_in_order_and_no_double_full_stop():
    assert citation(FULL).startswith("Jane Q. Doe, OpenAI, Jérémy Scheurer (2024). ")
    assert citation(MINIMAL).endswith('"Lemons".')
    assert citation(PaperRecord("x", "Why?", (Creator("A B"),), 2020, venue="Venue.")) == \
        "A B (2020). Why? Venue."


def test_the_citation_of_a_work_without_creators_starts_at_its_year():
    # excluded works whose author lists were never settled are written without creators
    assert citation(PaperRecord("x", "SycEval", (), 2025)) == "(2025). SycEval."


def test_a_paper_without_creators_or_with_a_nameless_one_is_refused():
    with pytest.raises(ValueError, match="no creators"):
        paper_turtle(PaperRecord("x-2020-y", "Y", (), 2020, arxiv_id="2001.00001"))
    with pytest.raises(ValueError, match="no IRI can be made"):
        paper_turtle(PaperRecord("x-2020-y", "Y", (Creator("---"),), 2020, arxiv_id="2001.00001"))


def test_the_skeleton_is_all_comment_and_adds_no_triple(tmp_path, sources):
    skeleton = annotation_skeleton(MINIMAL)
    assert skeleton.endswith("\n")
    assert all(line.startswith("# ") for line in skeleton.splitlines())
    document = paper_turtle(MINIMAL) + "\n" + skeleton
    assert_isomorphic(Graph().parse(data=document, format="turtle"),
                      Graph().parse(data=paper_turtle(MINIMAL), format="turtle"))
    path = tmp_path / "akerlof.ttl"
    path.write_text(document, encoding="utf-8")
    outcome = validate_files([path], sources)
    assert outcome.conforms, outcome.files[0].report.results


BAI_TERMS = {"METHOD": "ConstitutionalAI", "MECHANISM": "Bonding", "AGENCY_PROBLEM": "MoralHazard",
             "PHASE": "ModelAdaptation", "STAGE": "ExPost", "ASYMMETRY": "HiddenAction",
             "ALIGNMENT_PROBLEM": "HarmfulContent", "YYYY-MM-DD": "2026-11-26"}


def test_the_skeleton_filled_in_as_it_says_is_a_valid_annotation(tmp_path, sources):
    record = PaperRecord("bai-2022-constitutional-ai",
                         "Constitutional AI: Harmlessness from AI Feedback",
                         (Creator("Yuntao Bai"),), 2022, arxiv_id="2212.08073")
    lines = annotation_skeleton(record).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# ann:"))
    body = "\n".join(line[2:] for line in lines[start:])
    for placeholder, term in BAI_TERMS.items():
        body = body.replace(placeholder, term)
    path = tmp_path / "bai.ttl"
    path.write_text(paper_turtle(record) + "\n" + body + "\n", encoding="utf-8")
    outcome = validate_files([path], sources)
    assert outcome.files[0].triples > 50
    assert outcome.conforms, outcome.files[0].report.results
