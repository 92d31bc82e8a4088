"""Reasoning with HermiT through owlready2: consistency, unsatisfiable classes, inferred triples."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from llm_atlas.core.checking.rules import annotate, explain, mechanism_at_contract_stage
from llm_atlas.errors import ReasonerUnavailable
from llm_atlas.namespaces import ATLAS, bind_prefixes

_OWLREADY_INFERENCES = URIRef("http://inferrences/")


@dataclass
class ReasoningResult:
    """What HermiT concluded about a graph."""

    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred: Graph = field(default_factory=Graph)

    @property
    def ok(self) -> bool:
        return self.consistent and not self.unsatisfiable


def reasoner_input(graph: Graph) -> Graph:
    """The graph without owl:imports and ontology headers: what owlready2 may safely load.

    owlready2 downloads every owl:imports target it reads, and a document's own owl:Ontology
    header would be taken for the ontology being loaded. Headers carry no axioms, so HermiT
    concludes the same without them; the imports it needs are already in the graph.
    """
    headers = set(graph.subjects(RDF.type, OWL.Ontology))
    kept = Graph()
    for triple in graph:
        if triple[1] != OWL.imports and triple[0] not in headers:
            kept.add(triple)
    return kept


def _hermit_facts(graph: Graph) -> tuple[bool, list[str], Graph]:
    """Run HermiT on a graph; return (consistent, unsatisfiable class IRIs, new facts)."""
    import owlready2  # imported here: it starts no JVM, but its import is slow

    with tempfile.TemporaryDirectory(prefix="llm-atlas-reason-") as tmp:
        path = Path(tmp) / "input.nt"
        reasoner_input(graph).serialize(destination=str(path), format="nt", encoding="utf-8")
        world = owlready2.World()
        world.get_ontology(path.as_uri()).load()
        try:
            owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return False, [], Graph()
        except (OSError, owlready2.OwlReadyJavaError) as exc:
            raise ReasonerUnavailable(f"HermiT could not run (is Java installed?): {exc}") from exc
        unsatisfiable = sorted(c.iri for c in world.inconsistent_classes())
        facts = Graph()
        for triple in world.as_rdflib_graph().get_context(_OWLREADY_INFERENCES):
            facts.add(triple)
        world.close()
    return True, unsatisfiable, facts


def _super_closure(graph: Graph, relation: URIRef) -> dict[URIRef, set[URIRef]]:
    """Each named term mapped to all its named super-terms under relation (reflexive)."""
    direct: dict[URIRef, set[URIRef]] = {}
    for sub, sup in graph.subject_objects(relation):
        if isinstance(sub, URIRef) and isinstance(sup, URIRef):
            direct.setdefault(sub, set()).add(sup)
    closure: dict[URIRef, set[URIRef]] = {}
    for term in direct:
        seen, todo = {term}, [term]
        while todo:
            for sup in direct.get(todo.pop(), ()):
                if sup not in seen:
                    seen.add(sup)
                    todo.append(sup)
        closure[term] = seen
    return closure


def _rdfs_complement(graph: Graph) -> Graph:
    """Facts that follow by rdfs:subPropertyOf and rdfs:subClassOf over named individuals.

    owlready2 keeps only HermiT's most specific types and drops property values that a
    sub-property already implies; plain SPARQL users need those facts written out.
    """
    props = _super_closure(graph, RDFS.subPropertyOf)
    classes = _super_closure(graph, RDFS.subClassOf)
    derived = Graph()
    for s, p, o in graph:
        if isinstance(s, BNode):
            continue
        if isinstance(p, URIRef) and p in props:  # the keys are IRIs
            for sup in props[p]:
                derived.add((s, sup, o))
        if p == RDF.type and isinstance(o, URIRef) and o in classes:
            for sup in classes[o]:
                derived.add((s, RDF.type, sup))
    return derived


def reason(graph: Graph) -> ReasoningResult:
    """Check a graph with HermiT and return what it entails beyond the asserted triples.

    HermiT is the consistency gate and supplies the OWL entailments; the project's own rule
    (atlas:MechanismAtContractStageRule) then says which methods address which problems. Every
    inferred triple comes with an owl:Axiom node naming its rule and premises.
    """
    consistent, unsatisfiable, facts = _hermit_facts(graph)
    if not consistent:
        return ReasoningResult(consistent=False)
    combined = graph + facts
    combined += _rdfs_complement(combined)
    inferred = Graph()
    bind_prefixes(inferred)
    for s, p, o in combined:
        if (s, p, o) in graph or isinstance(s, BNode) or isinstance(o, BNode):
            continue
        if p == RDF.type and o in (OWL.Thing, OWL.Ontology, OWL.NamedIndividual):
            continue
        inferred.add((s, p, o))
    for triple in list(inferred):
        annotate(inferred, triple, *explain(combined, triple))
    for triple, premises in mechanism_at_contract_stage(combined).items():
        inferred.add(triple)
        annotate(inferred, triple, ATLAS.MechanismAtContractStageRule, premises)
    return ReasoningResult(consistent=True, unsatisfiable=unsatisfiable, inferred=inferred)
