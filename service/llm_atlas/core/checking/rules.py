"""Inference with provenance: the project's rules, and the premises behind every inferred triple.

Every triple that `llm-atlas reason` writes to ontology/inferred.ttl carries an OWL 2 axiom
annotation naming its rule (`atlas:inferenceRule`) and its premises (`atlas:premise`, each the
N-Triples form of a premise triple), so a reader can always see how it was inferred.
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from llm_atlas.namespaces import ATLAS

# What a graph yields: the rules work on IRIs, but an entailment may end in a literal.
Triple = tuple[Node, Node, Node]


def statement_key(s: Node, p: Node, o: Node) -> str:
    """The premise form of a triple: `<s> <p> <o>` (N-Triples without the final dot)."""
    return f"<{s}> <{p}> <{o}>"


def parse_statement_key(key: str) -> tuple[URIRef, URIRef, URIRef] | None:
    """The triple a premise names, or None when the text is not `<s> <p> <o>`."""
    parts = key.split(" ")
    if len(parts) != 3 or not all(p.startswith("<") and p.endswith(">") for p in parts):
        return None
    s, p, o = (URIRef(part[1:-1]) for part in parts)
    return s, p, o


def mechanism_at_contract_stage(graph: Graph) -> dict[Triple, list[Triple]]:
    """atlas:MechanismAtContractStageRule: which methods address which agency problems.

    A method addresses a problem when it realizes a mechanism that addresses the problem and is
    applicable in a phase at the contract stage of an asymmetry that causes the problem. A method
    is not given a problem whose asymmetry arises at another stage (preference tuning, used after
    the contract, does not bond against hold-up). Premises: the union over all derivations.
    """
    derived: dict[Triple, list[Triple]] = {}
    for method, mechanism in graph.subject_objects(ATLAS.realizes):
        for problem in graph.objects(mechanism, ATLAS.addresses):
            for phase in graph.objects(method, ATLAS.applicableIn):
                for stage in graph.objects(phase, ATLAS.stage):
                    for asymmetry in graph.subjects(ATLAS.causes, problem):
                        if (asymmetry, ATLAS.stage, stage) not in graph:
                            continue
                        premises = derived.setdefault((method, ATLAS.addresses, problem), [])
                        for premise in [
                            (method, ATLAS.realizes, mechanism),
                            (mechanism, ATLAS.addresses, problem),
                            (method, ATLAS.applicableIn, phase), (phase, ATLAS.stage, stage),
                            (asymmetry, ATLAS.causes, problem), (asymmetry, ATLAS.stage, stage),
                        ]:
                            if premise not in premises:
                                premises.append(premise)
    return {t: p for t, p in derived.items() if t not in graph}


def _chain(graph: Graph, start: Node, end: Node, link: Node) -> list[Triple] | None:
    """The links of a shortest path start -link-> ... -link-> end, or None."""
    paths: dict[Node, list[Triple]] = {start: []}
    todo = [start]
    while todo:
        node = todo.pop(0)
        for nxt in graph.objects(node, link):
            if nxt not in paths:
                paths[nxt] = paths[node] + [(node, link, nxt)]
                if nxt == end:
                    return paths[nxt]
                todo.append(nxt)
    return None


def _subclass_premises(graph: Graph, s: Node, cls: Node) -> list[Triple] | None:
    """A type of s and the subclass chain from it up to cls."""
    for asserted in graph.objects(s, RDF.type):
        chain = _chain(graph, asserted, cls, RDFS.subClassOf)
        if chain:
            return [(s, RDF.type, asserted), *chain]
    return None


def explain(graph: Graph, triple: Triple) -> tuple[URIRef, list[Triple]]:
    """The rule and premises behind one entailment of HermiT or of the RDFS complement."""
    s, p, o = triple
    for sub in graph.subjects(RDFS.subPropertyOf, p):
        if p == ATLAS.precedes:
            chain = _chain(graph, s, o, sub)
            if chain:
                return ATLAS.TransitivityRule, chain
        elif (s, sub, o) in graph:
            return ATLAS.SubPropertyRule, [(s, sub, o), (sub, RDFS.subPropertyOf, p)]
    if p == RDF.type:
        premises = _subclass_premises(graph, s, o)
        if premises:
            return ATLAS.SubClassRule, premises
    return ATLAS.OWLEntailmentRule, []


def annotate(target: Graph, triple: Triple, rule: URIRef, premises: Iterable[Triple]) -> None:
    """Add the axiom node that says how target's triple was inferred."""
    node = BNode()
    s, p, o = triple
    target.add((node, RDF.type, OWL.Axiom))
    target.add((node, OWL.annotatedSource, s))
    target.add((node, OWL.annotatedProperty, p))
    target.add((node, OWL.annotatedTarget, o))
    target.add((node, ATLAS.provenanceStatus, ATLAS.InferredByRule))
    target.add((node, ATLAS.inferenceRule, rule))
    for premise in premises:
        target.add((node, ATLAS.premise, Literal(statement_key(*premise))))
