"""SPARQL text for a remote engine, written in the forms both tested engines read alike.

Every IRI placed in the text is one of ours or one the guard or a parser has already checked
(`checked` refuses anything that could break out of the angle brackets); data travels as
N-Triples written by pyoxigraph. Where Virtuoso departs from SPARQL 1.1 the form used here is
one it reads as the standard says; each difference is named by a test in
tests/test_remote_store.py.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from llm_atlas.errors import QuerySyntaxError

# Virtuoso's DESCRIBE adds the statements that point at the resource; this pragma asks it for
# the concise bounded description that the embedded store and Oxigraph's server give.
VIRTUOSO_CBD = 'define sql:describe-mode "CBD"\n'


ENGINE_MESSAGE_CHARS = 300


def engine_says(body: str) -> str:
    """An engine's error text made safe to quote: one line, printable, at most 300 characters.

    Line breaks fold into spaces and other control characters become escapes, so nothing the
    engine relays reaches a client or a log line as it was sent.
    """
    folded = " ".join(body.split())
    printable = "".join(c if c.isprintable() else c.encode("unicode_escape").decode()
                        for c in folded)
    if len(printable) > ENGINE_MESSAGE_CHARS:
        return printable[:ENGINE_MESSAGE_CHARS] + " [...]"
    return printable


def checked(iri: str) -> str:
    """An IRI safe to place between angle brackets (our own names, or ones the guard passed)."""
    if any(c in iri for c in '<>"{}|^`\\ \n\r\t'):
        raise QuerySyntaxError(f"<{iri}> is not a valid IRI")
    return iri


def virtuoso_dataset(defaults: list[str], named: list[str]) -> str:
    """A dataset as Virtuoso's `define input:` pragmas, in place of the protocol's parameters.

    Virtuoso repeats every `default-graph-uri` and `named-graph-uri` of a request as a response
    header of its own (X-SPARQL-default-graph); past 100 of them Python's http.client refuses
    the answer ("got more than 100 headers"), and the knowledge graph has more graphs than that.
    The pragmas name the same dataset (a query's own FROM would win over them, so a query with
    dataset clauses keeps the parameters).
    """
    return "".join([*(f"define input:default-graph-uri <{checked(g)}>\n" for g in defaults),
                    *(f"define input:named-graph-uri <{checked(g)}>\n" for g in named)])


def with_prologue(text: str, base_iri: str | None, *, pragma: str = "") -> str:
    """The text with an engine pragma (it must come first) and our base IRI declared.

    The protocol has no parameter for the base IRI, and Virtuoso would otherwise leave relative
    IRIs unresolved; a BASE in the text itself comes after ours and wins.
    """
    base = f"BASE <{checked(base_iri)}>\n" if base_iri else ""
    return pragma + base + text


def iri_term(iri: str) -> ox.NamedNode:
    """A graph name as a term for a query's VALUES: `checked`, then parsed by pyoxigraph, each
    refusal a QuerySyntaxError."""
    try:
        return ox.NamedNode(checked(iri))
    except ValueError as exc:
        raise QuerySyntaxError(f"<{iri}> is not a valid IRI ({exc})") from None


def plain_bnode_labels(body: bytes) -> bytes:
    """Blank node labels that SPARQL JSON readers accept.

    Virtuoso labels blank nodes `nodeID://b10003` in JSON results, which is not a blank node
    label; the same node keeps the same (hex-encoded) label, so joins across rows still hold.
    """
    if b'"bnode"' not in body or b"nodeID://" not in body:
        return body
    data = json.loads(body)
    for binding in data.get("results", {}).get("bindings", []):
        for term in binding.values():
            if term.get("type") == "bnode" and not term["value"].replace("_", "").isalnum():
                term["value"] = "v" + term["value"].encode().hex()
    return json.dumps(data).encode()


def ntriples(triples: list) -> str:
    """Triples as N-Triples text, escaped by pyoxigraph."""
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()


def _groups(triples: list) -> list[list]:
    """Triples grouped so that all those sharing a blank node stay together."""
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) is not node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for t in triples:
        nodes = [n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)]
        for other in nodes[1:]:
            parent[find(other)] = find(nodes[0])
    grouped: dict = {}
    for index, t in enumerate(triples):
        bnode = next((n for n in (t.subject, t.object) if isinstance(n, ox.BlankNode)), None)
        grouped.setdefault(find(bnode) if bnode is not None else ("iri", index), []).append(t)
    return list(grouped.values())


BNODE_BATCH = 500
# Virtuoso also refuses an INSERT DATA of 4,000-odd triples (the 0.2.0 ontology's plain triples)
# as more than 10000 lines of SQL, and so is 1,457 triples of the review protocol; the SQL grows
# with the terms, not only their number, so plain triples get the blank-node groups' bound.
PLAIN_BATCH = 500


def _has_bnode(triples: list) -> bool:
    return any(isinstance(n, ox.BlankNode) for t in triples for n in (t.subject, t.object))


def insert_operations(graph: str | None, triples: list, batch: int = 5000) -> list[str]:
    """Updates that add triples to a graph, at most about `batch` triples each.

    Triples joined by a blank node travel in one operation, and operations with blank nodes use
    `INSERT { } WHERE { }`: Virtuoso refuses blank nodes in INSERT DATA, which the standard
    allows, while both accept them in an INSERT template.
    """
    # Virtuoso compiles an INSERT template to SQL and refuses one beyond 10000 lines of it (about
    # a thousand triples): blank-node groups (the owl:Axiom nodes of statement provenance, the
    # class expressions) go in their own, smaller batches, and plain triples stay in INSERT DATA.
    batches: list[list] = []
    for limit, wanted in ((min(batch, PLAIN_BATCH), False), (min(batch, BNODE_BATCH), True)):
        current: list = []
        for group in _groups(triples):
            if _has_bnode(group) != wanted:
                continue
            if current and len(current) + len(group) > limit:
                batches.append(current)
                current = []
            current.extend(group)
        if current:
            batches.append(current)
    ops = []
    for chunk in batches:
        body = ntriples(chunk)
        inner = body if graph is None else f"GRAPH <{checked(graph)}> {{ {body} }}"
        ops.append(f"INSERT {{ {inner} }} WHERE {{ }}" if _has_bnode(chunk)
                   else f"INSERT DATA {{ {inner} }}")
    return ops
