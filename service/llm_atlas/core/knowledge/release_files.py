"""The files a release writes besides the ontology: dumps, VoID, citation and changelog."""

from __future__ import annotations

import re
from datetime import date

import pyoxigraph as ox

from llm_atlas.core.knowledge.layout import shipped_graphs
from llm_atlas.core.knowledge.sources import Sources
from llm_atlas.errors import ReleaseRefused
from llm_atlas.namespaces import BASE_IRI, ONTOLOGY_IRI, PREFIXES

LICENSE_IRI = "https://creativecommons.org/licenses/by/4.0/"
CURATORS = BASE_IRI + "resource/agent/llm-atlas-curators"


def dataset_quads(sources: Sources) -> list[ox.Quad]:
    """Every quad the store holds after a build of SOURCES (the build manifest aside).

    Blank nodes get stable labels (graph number, node number in parse order), so two dumps of
    the same knowledge are the same bytes.
    """
    quads: list[ox.Quad] = []
    for number, part in enumerate(shipped_graphs(sources)):
        labels: dict[ox.BlankNode, ox.BlankNode] = {}

        def stable(term, number=number, labels=labels):
            if isinstance(term, ox.BlankNode):
                return labels.setdefault(term, ox.BlankNode(f"g{number}n{len(labels)}"))
            return term

        graph = ox.NamedNode(part.iri)
        # a triple stated twice in one graph is held once, as the store holds it
        triples = dict.fromkeys(ox.Triple(stable(t.subject), t.predicate, stable(t.object))
                                for t in part.triples)
        quads += [ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples]
    return quads


def dump_dataset(sources: Sources) -> tuple[bytes, bytes, int, dict[str, int]]:
    """TriG and N-Quads of the whole dataset, its quad count and the triples of each graph."""
    quads = dataset_quads(sources)
    per_graph: dict[str, int] = {}
    for quad in quads:
        name = quad.graph_name
        assert isinstance(name, ox.NamedNode)  # dataset_quads puts every triple in a named graph
        per_graph[name.value] = per_graph.get(name.value, 0) + 1
    # without an output, serialize returns the bytes (its stub says bytes | None)
    trig = ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=dict(PREFIXES)) or b""
    nquads = ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""
    return trig, nquads, len(quads), per_graph


def void_turtle(version: str, day: date, quads: int, per_graph: dict[str, int],
                dumps: list[str]) -> str:
    """The VoID description of a release, in Turtle with IRIs relative to where it is published.

    Written as text so the dumps stay relative references (`<llm-atlas-0.2.0.trig>`): they lie
    beside this file wherever the release folder is put. Every term that is not a constant or a
    checked version is written by pyoxigraph, which escapes it.
    """
    def iri(value: str) -> str:
        return str(ox.NamedNode(value))

    subsets = " ,\n".join(
        f"        [ a void:Dataset ; sd:name {iri(graph)} ; void:triples {count} ]"
        for graph, count in sorted(per_graph.items()))
    lines = [
        "@prefix dcterms: <http://purl.org/dc/terms/> .",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .",
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .",
        "@prefix void: <http://rdfs.org/ns/void#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "",
        f"# Release {version} of the LLM ATLAS knowledge graph, written by `llm-atlas release`.",
        "# Relative IRIs resolve against where this file is published: the dumps lie beside it.",
        "<#dataset> a void:Dataset ;",
        '    dcterms:title "LLM ATLAS knowledge graph"@en ;',
        '    dcterms:description "The LLM ATLAS ontology, its alignments, inferences and shapes, '
        'and the curated paper annotations, one named graph each, as the service\'s store holds '
        'them."@en ;',
        f"    dcterms:license {iri(LICENSE_IRI)} ;",
        f"    dcterms:creator {iri(CURATORS)} ;",
        f'    owl:versionInfo "{version}" ;',
        f'    dcterms:issued "{day.isoformat()}"^^xsd:date ;',
        f"    dcterms:conformsTo {iri(f'{ONTOLOGY_IRI}/{version}')} ;",
        f"    void:uriSpace {ox.Literal(BASE_IRI)} ;",
        f"    void:vocabulary {iri(str(ONTOLOGY_IRI) + '/')} ;",
        f"    void:triples {quads} ;",
        "    void:dataDump " + " , ".join(f"<{name}>" for name in dumps) + " ;",
        "    void:subset",
        subsets + " .",
        "",
    ]
    return "\n".join(lines)


def bump_citation(text: str, version: str, day: date) -> str:
    """CITATION.cff with its top-level `version` and `date-released` set to the release."""
    for key, value in (("version", version), ("date-released", day.isoformat())):
        pattern = re.compile(rf"^{key}:.*$", re.M)
        if not pattern.search(text):
            raise ReleaseRefused(f"CITATION.cff has no top-level `{key}:` line to set")
        text = pattern.sub(f'{key}: "{value}"', text, count=1)
    return text


UNRELEASED = re.compile(r"^## \[Unreleased\][^\n]*$", re.M)


def bump_changelog(text: str, version: str, day: date) -> str:
    """CHANGELOG.md with its Unreleased entries under VERSION and a new, empty Unreleased."""
    match = UNRELEASED.search(text)
    if match is None:
        raise ReleaseRefused("CHANGELOG.md has no `## [Unreleased]` heading: add one and list "
                               "what changed under it")
    following = text[match.end():]
    section = following.split("\n## ", 1)[0]
    if not re.search(r"^\s*[-*] \S", section, re.M):
        raise ReleaseRefused("CHANGELOG.md's Unreleased section lists nothing: say what "
                               "changed before releasing")
    heading = f"## [Unreleased]\n\n## [{version}] - {day.isoformat()}"
    return text[:match.start()] + heading + following
