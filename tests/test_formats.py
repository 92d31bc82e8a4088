"""The format registry: each format once, and a new format is one `register` call away from
negotiation, /sparql, the Service Description, the IRIs' documents and the CLI."""

from __future__ import annotations

import pickle
import warnings

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.compare import isomorphic

from llm_atlas import formats
from llm_atlas.cli.main import main
from llm_atlas.web import negotiation as neg

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
W3C = "http://www.w3.org/ns/formats/"
CLASSES = "CONSTRUCT WHERE { ?s a <http://www.w3.org/2002/07/owl#Class> }"
# A graph format of no standard: TriG's writers under a name, a media type and an extension of
# its own, so that nothing but the registry can make it work.
MADE_UP = formats.Format("madeup", formats.GRAPH, "Made-up TriG", "application/x-made-up",
                         ("madeup",), aliases=("application/x-made-up-too",),
                         oxigraph=ox.RdfFormat.TRIG, rdflib="trig",
                         sd_iri="http://example.org/formats/MadeUp")

# What the tables before the registry said; the registry must say the same.
MEDIA_TYPES = {
    "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ntriples": "application/n-triples", "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json", "html": "text/html", "trig": "application/trig",
    "nquads": "application/n-quads"}
RESULT_FORMATS = {
    "json": W3C + "SPARQL_Results_JSON", "xml": W3C + "SPARQL_Results_XML",
    "csv": W3C + "SPARQL_Results_CSV", "tsv": W3C + "SPARQL_Results_TSV",
    "turtle": W3C + "Turtle", "ntriples": W3C + "N-Triples", "rdfxml": W3C + "RDF_XML",
    "jsonld": W3C + "JSON-LD"}


@pytest.fixture
def made_up():
    formats.register(MADE_UP)
    try:
        yield MADE_UP
    finally:
        formats.unregister(MADE_UP.name)


def _triples(body: bytes, rdflib_name: str) -> Graph:
    """A body's triples, whatever graph a dataset syntax put them in."""
    dataset = Dataset()
    with warnings.catch_warnings():  # rdflib's TriG parser uses its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset.parse(data=body, format=rdflib_name)
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


# -- the registry itself -------------------------------------------------------------------

def test_the_registry_keeps_the_names_media_types_and_order_of_before():
    assert {f.name: f.media_type for f in formats.all_formats()} == MEDIA_TYPES
    assert [f.name for f in neg.solutions()] == ["json", "xml", "csv", "tsv"]
    assert [f.name for f in neg.graphs()] == ["turtle", "ntriples", "rdfxml", "jsonld"]
    assert {f.name: f.sd_iri for f in (*neg.solutions(), *neg.graphs())} == RESULT_FORMATS


def test_every_name_is_unique():
    names = [f.name for f in formats.all_formats()]
    assert len(names) == len(set(names))
    rdflib_names = [f.rdflib for f in formats.all_formats() if f.rdflib]
    assert len(rdflib_names) == len(set(rdflib_names))


def test_every_media_type_and_alias_is_unique():
    types = [t for f in formats.all_formats() for t in dict.fromkeys(f.media_types + f.read_as)]
    assert len(types) == len(set(types))
    for kind in formats.KINDS:
        short = [a for f in formats.of_kind(kind) for a in dict.fromkeys(
            (f.name, *(a for a in f.aliases if "/" not in a)))]
        assert len(short) == len(set(short)), kind


@pytest.mark.parametrize("fmt", formats.all_formats(), ids=lambda f: f.name)
def test_every_extension_and_library_name_maps_back(fmt):
    for extension in fmt.extensions:
        assert formats.for_extension(extension, formats.KINDS) is fmt
        assert formats.for_extension("." + extension.upper(), formats.KINDS) is fmt
    if fmt.rdflib:
        assert formats.for_rdflib(fmt.rdflib) is fmt
    if fmt.kind in formats.RDF_KINDS:
        assert all(formats.for_content_type(t) is fmt for t in fmt.content_types)
    assert neg.by_name(formats.all_formats(), fmt.name) is fmt
    assert formats.get(fmt.name) is fmt


@pytest.mark.parametrize("fmt", formats.all_formats(), ids=lambda f: f.name)
def test_a_format_travels_to_the_engine_process_by_value(fmt):
    assert pickle.loads(pickle.dumps(fmt)) == fmt


@pytest.mark.parametrize("clash", [
    {"name": "turtle"}, {"media_type": "text/turtle"}, {"aliases": ("text/plain",)},
    {"extensions": ("ttl",)}, {"aliases": ("ttl",)}, {"read_as": ("application/x-turtle",)},
])
def test_register_refuses_what_another_format_has(clash):
    fields = {"name": "other", "kind": formats.GRAPH, "label": "Other",
              "media_type": "application/x-other", "extensions": ("other",),
              "oxigraph": ox.RdfFormat.TURTLE, "rdflib": "other-turtle"} | clash
    with pytest.raises(ValueError, match="already"):
        formats.register(formats.Format(**fields))
    assert "other" not in {f.name for f in formats.all_formats()}


def test_a_short_alias_may_repeat_a_name_of_another_kind():
    # format=json asks a SELECT for SPARQL JSON and a CONSTRUCT for JSON-LD
    assert neg.by_name(neg.solutions(), "json").name == "json"
    assert neg.by_name(neg.graphs(), "json").name == "jsonld"


# -- a new format, through every surface -----------------------------------------------------

def test_negotiation_picks_a_registered_format_by_accept(made_up):
    assert neg.choose(neg.graphs(), "application/x-made-up") is made_up
    assert neg.choose(neg.graphs(), "application/x-made-up-too") is made_up
    assert neg.choose(neg.documents(), "application/x-made-up, text/turtle;q=0.5") is made_up
    assert neg.choose(neg.graphs(), "*/*").name == "turtle"  # appended: the defaults stay


def test_sparql_answers_in_a_registered_format(client, made_up):
    reference = client.get("/sparql", query_string={"query": CLASSES},
                           headers={"Accept": "application/n-triples"})
    expected = Graph().parse(data=reference.data, format="nt")
    assert len(expected) > 10
    for ask in ({"headers": {"Accept": "application/x-made-up"}},
                {"query_string": {"query": CLASSES, "format": "madeup"}}):
        reply = client.get("/sparql", **({"query_string": {"query": CLASSES}} | ask))
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == "application/x-made-up"
        assert isomorphic(_triples(reply.data, "trig"), expected)


def test_the_service_description_lists_a_registered_format(client, made_up):
    reply = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert reply.headers["Content-Type"] == "text/turtle; charset=utf-8"
    listed = set(Graph().parse(data=reply.data, format="turtle").objects(None, SD.resultFormat))
    assert listed == {URIRef(i) for i in (*RESULT_FORMATS.values(), made_up.sd_iri)}
    described = client.get("/sparql", headers={"Accept": "application/x-made-up"})
    assert described.headers["Content-Type"] == "application/x-made-up"
    assert (None, SD.resultFormat, URIRef(made_up.sd_iri)) in _triples(described.data, "trig")


def test_an_iri_dereferences_to_a_registered_format(client, made_up):
    turtle = Graph().parse(data=client.get("/ontology/Signaling.ttl").data, format="turtle")
    negotiated = client.get("/ontology/Signaling", headers={"Accept": "application/x-made-up"})
    assert negotiated.headers["Content-Type"] == "application/x-made-up"
    assert negotiated.headers["Content-Location"] == "/ontology/Signaling.madeup"
    assert isomorphic(_triples(negotiated.data, "trig"), turtle)
    by_extension = client.get("/ontology/Signaling.madeup")
    assert by_extension.headers["Content-Type"] == "application/x-made-up"


def _format_option(command: str):
    return next(p for p in main.commands[command].params if p.name in ("fmt", "rdf_format"))


def test_the_cli_offers_a_registered_format(made_up):
    # (registered after the commands were built, as a plugin's would be)
    for command in ("query", "validate"):
        assert "madeup" in _format_option(command).type.choices
        shown = CliRunner().invoke(main, [command, "--help"])
        assert shown.exit_code == 0 and "madeup" in shown.output
    assert _format_option("query").type.convert("madeup", None, None) == "madeup"


def test_the_cli_choices_are_the_registry_names_and_the_old_validate_names():
    runner = CliRunner()
    query_help = runner.invoke(main, ["query", "--help"]).output
    assert "[table|json|xml|csv|tsv|turtle|ntriples|rdfxml|jsonld]" in query_help
    validate_help = runner.invoke(main, ["validate", "--help"]).output
    assert "[turtle|ntriples|rdfxml|jsonld|trig|nquads]" in validate_help
    old_names = _format_option("validate").type
    assert [old_names.convert(n, None, None) for n in ("nt", "xml", "json-ld", "turtle")] == [
        "ntriples", "rdfxml", "jsonld", "turtle"]
    refused = runner.invoke(main, ["validate", "--format", "n3", "x.ttl"])
    assert refused.exit_code == 2 and "'n3' is not one of" in refused.output
