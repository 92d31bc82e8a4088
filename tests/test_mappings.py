"""The SSSOM mapping set: valid SSSOM, verified objects, our subjects, served and stored."""

from __future__ import annotations

import csv
import json
import re
import warnings
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from llm_atlas.config import Settings
from llm_atlas.core.knowledge.layout import shipped_graphs
from llm_atlas.core.knowledge.mappings import (
    MAPPINGS_GRAPH,
    PAV,
    SSSOM,
    read_mapping_set,
)
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.core.views.document import Renderer, mapping_rows
from llm_atlas.core.views.iris import href
from llm_atlas.errors import MappingSetError
from llm_atlas.namespaces import ATLAS, BASE_IRI
from llm_atlas.web.app import create_app
from pages import parse_page

SOURCES = find_sources()
TSV = SOURCES.mappings_file
EXTERNAL = Path(__file__).parent / "data" / "external-terms.tsv"
RDF_FORMATS = [  # Accept, exact Content-Type, rdflib parser
    ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml; charset=utf-8", "xml"),
]


@pytest.fixture(scope="module")
def sssom_set():
    """The file as SSSOM's reference implementation reads it (its imports warn; not ours)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.parsers import parse_sssom_table

        return parse_sssom_table(str(TSV))


@pytest.fixture(scope="module")
def ours():
    return read_mapping_set(TSV)


@pytest.fixture(scope="module")
def external() -> dict[str, dict[str, str]]:
    with EXTERNAL.open(encoding="utf-8", newline="") as handle:
        return {row["object_id"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(memory=True))


def _triples(mapping_set) -> list[tuple[str, str, str]]:
    return sorted(tuple(mapping_set.expand(row[c]) for c in
                        ("subject_id", "predicate_id", "object_id")) for row in mapping_set.rows)


def test_the_set_parses_and_validates_with_sssom(sssom_set):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from sssom.constants import SchemaValidationType
        from sssom.validators import validate

        report = validate(sssom_set, [SchemaValidationType.JsonSchema,
                                      SchemaValidationType.PrefixMapCompleteness],
                          fail_on_error=False)
    assert {kind.name: list(r.results) for kind, r in report.items()} == {
        "JsonSchema": [], "PrefixMapCompleteness": []}
    assert sssom_set.metadata["mapping_set_id"] == (
        "https://w3id.org/llm-atlas/mappings/llm-atlas.sssom.tsv")
    assert sssom_set.metadata["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert len(sssom_set.df) >= 40


def test_our_reader_reads_the_mappings_sssom_reads(sssom_set, ours):
    expand = sssom_set.converter.expand
    theirs = sorted((expand(r.subject_id), expand(r.predicate_id), expand(r.object_id))
                    for r in sssom_set.df.itertuples())
    assert _triples(ours) == theirs
    assert ours.curie_map == {k: v for k, v in sssom_set.prefix_map.items() if k in ours.curie_map}


def test_every_object_is_a_verified_external_term(ours, external):
    unverified = {row["object_id"] for row in ours.rows
                  if ours.expand(row["object_id"]) not in external}
    unverified |= {row["object_source"] for row in ours.rows if "object_source" in row
                   and ours.expand(row["object_source"]) not in external}
    assert unverified == set()
    wrong_labels = [(row["object_id"], row["object_label"]) for row in ours.rows
                    if external[ours.expand(row["object_id"])]["object_label"]
                    != row["object_label"]]
    assert wrong_labels == []
    for row in external.values():  # each one says where it was seen defined
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", row["repository"]), row
        assert row["path"] and re.fullmatch(r"[0-9a-f]{40}", row["commit"]), row


def test_every_subject_is_defined_in_the_ontology(ours):
    defined = {str(s) for s in SOURCES.ontology_graph().subjects(RDF.type, None)}
    assert {r["subject_id"] for r in ours.rows if ours.expand(r["subject_id"]) not in defined} \
        == set()


def test_each_mapping_is_a_manual_curation_with_its_own_one_line_reason(ours):
    assert all(r["mapping_justification"] == "semapv:ManualMappingCuration" for r in ours.rows)
    assert all(ours.expand(r["author_id"]) == BASE_IRI + "resource/agent/llm-atlas-curators"
               for r in ours.rows)
    comments = [r.get("comment", "") for r in ours.rows]
    assert all(20 <= len(c) <= 200 and "\n" not in c for c in comments)
    assert len(set(comments)) == len(comments)
    pairs = [(r["subject_id"], r["object_id"]) for r in ours.rows]
    assert len(set(pairs)) == len(pairs)  # one predicate, one reason per pair


def test_every_alignment_problem_and_phase_has_a_mapping(ours):
    ontology = SOURCES.ontology_graph()
    wanted = {str(s) for cls in (ATLAS.AlignmentProblem, ATLAS.AdoptionPhase)
              for s in ontology.subjects(RDF.type, cls)}
    assert wanted - {ours.expand(r["subject_id"]) for r in ours.rows} == set()
    assert {r["predicate_id"] for r in ours.rows} <= {
        f"skos:{p}" for p in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                              "relatedMatch")}


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace("#license: https://creativecommons.org/licenses/by/4.0/\n", ""),
     "the metadata block lacks license"),
    (lambda t: t.replace("\tmapping_justification\t", "\tjustification\t"),
     "the table lacks the columns mapping_justification"),
    (lambda t: t.replace("#  vair: https://w3id.org/vair#\n", ""),
     "table row 10, object_id: 'vair:DiscriminatoryTreatment' has no prefix declared"),
    (lambda t: t.replace("\tsemapv:ManualMappingCuration\t", "\t\t", 1),
     "table row 2 has no mapping_justification"),
])
def test_the_reader_says_what_breaks_the_sssom_form(tmp_path, change, message):
    broken = change(TSV.read_text(encoding="utf-8"))
    assert broken != TSV.read_text(encoding="utf-8")
    path = tmp_path / "broken.sssom.tsv"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(MappingSetError, match=re.escape(message)):
        read_mapping_set(path)


def expected_graph(sssom_set) -> Graph:
    """SSSOM's RDF form built from the reference reader's rows and metadata, not from ours."""
    header = next(line for line in TSV.read_text(encoding="utf-8").splitlines()
                  if not line.startswith("#")).split("\t")
    expand = sssom_set.converter.expand
    meta = sssom_set.metadata
    graph = Graph()
    mapping_set = URIRef(meta["mapping_set_id"])
    graph.add((mapping_set, RDF.type, SSSOM.MappingSet))
    graph.add((mapping_set, DCTERMS.license, URIRef(meta["license"])))
    for key, prop in (("mapping_set_title", DCTERMS.title), ("mapping_date", DCTERMS.created),
                      ("mapping_set_description", DCTERMS.description),
                      ("mapping_set_version", OWL.versionInfo)):
        # sssom-py moves a set-wide mapping_date onto every row when it reads the file
        value = meta[key] if key in meta else sssom_set.df[key].iloc[0]
        graph.add((mapping_set, prop, Literal(str(value))))
    for creator in meta["creator_id"]:
        graph.add((mapping_set, DCTERMS.creator, URIRef(expand(creator))))
    slots = {"subject_id": OWL.annotatedSource, "predicate_id": OWL.annotatedProperty,
             "object_id": OWL.annotatedTarget, "author_id": PAV.authoredBy,
             "mapping_justification": SSSOM.mapping_justification,
             "object_source": SSSOM.object_source}
    for row in sssom_set.df.to_dict(orient="records"):
        axiom = BNode()
        graph.add((mapping_set, SSSOM.mappings, axiom))
        graph.add((axiom, RDF.type, OWL.Axiom))
        for column in header:
            value = row.get(column)
            value = value[0] if isinstance(value, list) else value
            if not isinstance(value, str) or not value:
                continue
            if column in slots:
                graph.add((axiom, slots[column], URIRef(expand(value))))
            else:
                prop = {"comment": RDFS.comment, "object_label": SSSOM.object_label}[column]
                graph.add((axiom, prop, Literal(value)))
        graph.add(tuple(URIRef(expand(row[c])) for c in ("subject_id", "predicate_id",
                                                          "object_id")))
    return graph


def test_get_mappings_gives_the_tsv_by_default(app):
    reply = app.test_client().get("/mappings")
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/tab-separated-values; charset=utf-8"
    assert reply.data == TSV.read_bytes()
    reply = app.test_client().get("/mappings", headers={"Accept": "text/tab-separated-values"})
    assert reply.data == TSV.read_bytes() and reply.headers["Vary"] == "Accept"


@pytest.mark.parametrize(("accept", "content_type", "parser"), RDF_FORMATS)
def test_get_mappings_gives_sssom_rdf_by_accept(app, sssom_set, accept, content_type, parser):
    reply = app.test_client().get("/mappings", headers={"Accept": accept})
    assert reply.status_code == 200 and reply.headers["Content-Type"] == content_type
    served = Graph().parse(data=reply.data, format=parser)
    assert isomorphic(served, expected_graph(sssom_set))


def test_the_sets_iri_dereferences_to_the_set(app, sssom_set):
    path = "/mappings/llm-atlas.sssom.tsv"
    reply = app.test_client().get(path, headers={"Accept": "text/turtle"})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert isomorphic(Graph().parse(data=reply.data, format="turtle"), expected_graph(sssom_set))
    assert app.test_client().get(path).data == TSV.read_bytes()


@pytest.mark.parametrize(("path", "expected"), [
    ("/graph/mappings.ttl", lambda g: g),  # the store's graph: the whole set
    # the set's own IRI as a described resource: its axioms, without the plain match triples
    ("/mappings/llm-atlas.sssom.tsv.ttl",
     lambda g: g - Graph().parse(data="\n".join(
         f"<{s}> <{p}> <{o}> ." for s, p, o in g if str(p).startswith(str(SKOS))),
         format="nt")),
])
def test_the_graph_and_the_set_are_documents_like_our_other_iris(app, sssom_set, path, expected):
    reply = app.test_client().get(path)
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/turtle; charset=utf-8"
    assert isomorphic(Graph().parse(data=reply.data, format="turtle"),
                      expected(expected_graph(sssom_set)))
    page = app.test_client().get(path.replace(".ttl", ".html"))
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")


def test_get_mappings_refuses_a_format_it_does_not_have(app):
    reply = app.test_client().get("/mappings", headers={"Accept": "image/png"})
    assert reply.status_code == 406
    assert "text/tab-separated-values" in reply.get_data(as_text=True)
    assert "text/turtle" in reply.get_data(as_text=True)


def test_the_store_holds_the_mappings_as_their_own_graph(app):
    part = next(p for p in shipped_graphs(SOURCES) if p.iri == MAPPINGS_GRAPH)
    assert part.source == "llm-atlas.sssom.tsv" and len(part.triples) > 500
    store = app.extensions["llm_atlas"].store
    assert store.graph_exists(MAPPINGS_GRAPH)
    # "what does the MIT AI Risk Repository call hallucination?" asked over the whole dataset
    _, body = store.query("""
        PREFIX atlas: <https://w3id.org/llm-atlas/ontology/>
        PREFIX sssom: <https://w3id.org/sssom/>
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        SELECT ?match ?term ?label WHERE {
          ?axiom owl:annotatedSource atlas:Hallucination ; owl:annotatedProperty ?match ;
                 owl:annotatedTarget ?term ; sssom:object_label ?label ;
                 sssom:object_source <https://w3id.org/ai-atlas-nexus/mit-ai-risk-repository> .
          atlas:Hallucination ?match ?term .
        }""", solution_format="json")
    rows = [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]
    assert rows == [{"match": str(SKOS.broadMatch),
                     "term": "https://w3id.org/ai-atlas-nexus/mit-ai-risk-subdomain-3.1",
                     "label": "False or misleading information"}]


def test_a_term_page_lists_its_mappings(app, ours):
    reply = app.test_client().get("/ontology/Hallucination", headers={"Accept": "text/html"})
    assert reply.status_code == 200
    page = parse_page(reply.data)
    expected = {ours.expand(r["object_id"]) for r in ours.rows
                if r["subject_id"] == "atlas:Hallucination"}
    assert len(expected) == 5
    predicates = {str(SKOS[p]) for p in ("exactMatch", "closeMatch", "broadMatch")}
    assert page.links(within="mappings-table") == expected | predicates
    text = page.clean("mappings-table")
    # cells run together in the page's text: predicate, label, IRI, reason
    assert ("skos:exactMatchHallucinationhttps://w3id.org/ai-atlas-nexus/atlas-hallucination"
            "IBM's hallucination is factually wrong or ungrounded generated content") in text


def test_a_mapping_to_a_non_web_iri_is_shown_as_text():
    render = Renderer({}, lambda iri: href(iri, BASE_IRI))
    rows = mapping_rows([{"predicate": SKOS.closeMatch, "object": URIRef("urn:x:risk"),
                          "objectLabel": Literal("A risk"), "comment": Literal("why")},
                         {"predicate": SKOS.closeMatch,
                          "object": URIRef("javascript:alert(1)")}], render)
    assert [(r["object"]["text"], r["object"]["href"], r["comment"]) for r in rows] == [
        ("javascript:alert(1)", None, ""), ("A risk", None, "why")]
