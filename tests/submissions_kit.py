"""Helpers for the validation and submission tests: fixtures' headers, documents, store dumps."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

from rdflib import Graph

from live import HEADER_KEYS, fixture_header, request

DATA = Path(__file__).parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
VALID = sorted((DATA / "valid").glob("*.ttl"))
TURTLE = {"Content-Type": "text/turtle"}
JSON_ACCEPT = {"Accept": "application/json"}
RES = "https://w3id.org/llm-atlas/resource/"


def expected_result(path: Path) -> dict[str, str | None]:
    """The one result a fixture's header names, with path `-` read as none."""
    result: dict[str, str | None] = dict(fixture_header(path))
    if result["path"] == "-":
        result["path"] = None
    return result


def essentials(results: list[dict]) -> list[dict]:
    """Results reduced to the keys the fixtures' headers name."""
    return [{k: r[k] for k in HEADER_KEYS} for r in results]


def solution_annotation(slug: str, *, paper: str | None = None, describe_paper: bool = True,
                        evidence: str = "Abstract: grounds generation in retrieved passages "
                        "that readers can check against the sources.") -> str:
    """A conforming solution annotation (RAG, curated) in Turtle, optionally with its paper."""
    paper = paper or slug
    text = f"""
@prefix atlas: <https://w3id.org/llm-atlas/ontology/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<{RES}annotation/{slug}> a atlas:Annotation , atlas:SolutionAnnotation ;
    oa:hasTarget <{RES}paper/{paper}> ;
    oa:motivatedBy oa:classifying ;
    atlas:aboutMethod atlas:RetrievalAugmentedGeneration ;
    atlas:aboutMechanism atlas:IncentiveAlignment ;
    atlas:aboutAgencyProblem atlas:MoralHazard ;
    atlas:aboutPhase atlas:ModelAdaptation ;
    atlas:evidence "{evidence}" ;
    atlas:provenanceStatus atlas:CuratorInference ;
    prov:wasAttributedTo <{RES}agent/llm-atlas-curators> ;
    dcterms:created "2026-11-26"^^xsd:date .
"""
    if describe_paper:
        text += f"""
<{RES}paper/{paper}> a atlas:Paper ;
    dcterms:title "A study called {paper}" ;
    dcterms:creator <{RES}person/author-of-{paper}> ;
    dcterms:issued "2024"^^xsd:gYear ;
    atlas:arxivId "2401.00001" .

<{RES}person/author-of-{paper}> a foaf:Person ; foaf:name "Author of {paper}" .
"""
    return text


def turtle_graph(text: str | bytes) -> Graph:
    return Graph().parse(data=text, format="turtle")


def select(server, query: str) -> list[dict]:
    reply = request(f"{server.url}/sparql?" + urlencode({"query": query}),
                    headers={"Accept": "application/sparql-results+json"})
    assert reply.status == 200, reply.body
    return json.loads(reply.body)["results"]["bindings"]


def _nt(term: dict) -> str:
    if term["type"] == "uri":
        return f"<{term['value']}>"
    if term["type"] == "bnode":
        return f"_:{term['value']}"
    suffix = (f"@{term['xml:lang']}" if "xml:lang" in term
              else f"^^<{term['datatype']}>" if "datatype" in term else "")
    return json.dumps(term["value"]) + suffix


def dump(server) -> tuple[list[str], list[str], bytes]:
    """Everything the store holds: sorted quads, the named graphs, its own default graph."""
    quads = sorted(" ".join(_nt(row[v]) for v in ("s", "p", "o", "g")) for row in select(
        server, "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"))
    # Virtuoso answers `GRAPH ?g { }` with rows that leave ?g unbound (it keeps no empty graphs)
    graphs = sorted(row["g"]["value"] for row in select(
        server, "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }") if "g" in row)
    default = request(server.url + "/store?default", headers={"Accept": "application/n-triples"})
    assert default.status == 200
    return quads, graphs, default.body


def quad_count(server) -> int:
    rows = select(server, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    return int(rows[0]["n"]["value"])


def mentions(server, iri: str, *, besides_claims: bool = False) -> int:
    """How many quads have the IRI as subject, object or graph; `besides_claims`: not counting
    the remote store's commit claims (`urn:llm-atlas:claim:` graphs, store/remote/commit.py), the
    bookkeeping a writer killed mid-commit leaves until the next write to the same graphs or its
    age clears it."""
    claims = ('FILTER(!BOUND(?g) || !STRSTARTS(STR(?g), "urn:llm-atlas:claim:"))'
              if besides_claims else "")
    rows = select(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ GRAPH ?g {{ <{iri}> ?p ?o }} }} "
                          f"UNION {{ GRAPH ?g {{ ?s ?p <{iri}> }} }} "
                          f"UNION {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} {claims} }}")
    return int(rows[0]["n"]["value"])


# what the service adds to each stored annotation: prov:wasGeneratedBy and the activity's
# type, label, associated agent, start, end and request id
PROVENANCE_TRIPLES = 7
