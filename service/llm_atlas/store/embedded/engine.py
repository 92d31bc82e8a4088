"""The engine: the operations on the Oxigraph store that the engine process serves.

The engine process (`serve.py`) is the only process that opens the store; the web server asks
it for these operations over a local socket (`client.py`).
"""

from __future__ import annotations

import logging
import threading
from typing import TypedDict

import pyoxigraph as ox

from llm_atlas import formats
from llm_atlas.core.knowledge.layout import BUILD_GRAPH, shipped_graphs
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import (
    GraphExists,
    GraphMissing,
    NetworkDenied,
    UnsupportedFunction,
)
from llm_atlas.formats import Format
from llm_atlas.store.results import (
    encode_result,
    solutions_in_engine,
    write_graph,
    written_by_engine,
)

log = logging.getLogger("llm_atlas.engine")


# A fixed text: whatever a remote host might have said never reaches a client or a log.
NETWORK_DENIED = ("this endpoint never fetches remote data: SERVICE, LOAD and remote graphs are "
                  "not available here (the engine has no network access)")


class _Dataset(TypedDict, total=False):
    """The keyword arguments of pyoxigraph's Store.query that say a query's dataset."""

    base_iri: str | None
    use_default_graph_as_union: bool
    default_graph: list[ox.NamedNode | ox.BlankNode | ox.DefaultGraph]
    named_graphs: list[ox.NamedNode | ox.BlankNode]


def _network_refused(exc: OSError) -> bool:
    """Whether an engine error is the sandbox refusing a socket (or the DNS look-up behind it)."""
    text = str(exc)
    return (isinstance(exc, PermissionError) or "lookup address information" in text
            or "not allowed for HTTP" in text)


def _ntriples(triples) -> str:
    return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode()


def _graph_node(iri: str | None):
    return ox.DefaultGraph() if iri is None else ox.NamedNode(iri)


class Engine:
    """Store operations, each a plain method; writes are serialized by one lock."""

    def __init__(self, path: str, *, sealed: bool = False):
        self.store = ox.Store(path)
        self.write_lock = threading.Lock()
        self.sealed = sealed  # the process has no network (see sandbox.py)

    # -- reads -------------------------------------------------------------------------------
    def ping(self) -> bool:
        return True

    def network_denied(self) -> bool:
        return self.sealed

    def query(self, text: str, *, union: bool = True, default_graphs=None, named_graphs=None,
              solution_format: Format | str = "json", graph_format: Format | str = "turtle",
              max_rows: int = 100_000, base_iri: str | None = None) -> tuple[str, bytes]:
        """Evaluate a query; answer (kind, body) with kind 'boolean', 'solutions' or 'graph'."""
        kwargs: _Dataset = {"base_iri": base_iri}
        if default_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in (named_graphs or [])]
        elif named_graphs is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
            kwargs["default_graph"] = []  # named only: the default graph is empty
        else:
            kwargs["use_default_graph_as_union"] = union
        try:
            result = self.store.query(text, **kwargs)
            # inside the try: solutions are lazy, a SERVICE call happens while they are written
            if isinstance(result, ox.QuerySolutions) and written_by_engine(solution_format):
                body = solutions_in_engine(result, max_rows)
                if body is not None:
                    return "solutions", body
                result = self.store.query(text, **kwargs)  # a large answer: counted row by row
            return encode_result(result, solution_format, graph_format, max_rows)
        except OSError as exc:
            if _network_refused(exc):
                raise NetworkDenied(NETWORK_DENIED) from None
            raise
        except RuntimeError as exc:  # Oxigraph's only word for a function it lacks
            raise UnsupportedFunction.from_engine_message(str(exc)) or exc from None

    def graph_exists(self, iri: str) -> bool:
        return self.store.contains_named_graph(ox.NamedNode(iri))

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def get_graph(self, iri: str | None, fmt: Format | str) -> bytes | None:
        """A graph's triples in a format, or None when the store holds no such graph."""
        if iri is not None and not self.graph_exists(iri):
            return None
        quads = self.store.quads_for_pattern(None, None, None, _graph_node(iri))
        return write_graph([ox.Triple(q.subject, q.predicate, q.object) for q in quads], fmt)

    def size(self) -> int:
        return len(self.store)

    # -- writes ------------------------------------------------------------------------------
    def update(self, text: str, base_iri: str | None = None) -> None:
        with self.write_lock:
            try:
                self.store.update(text, base_iri=base_iri)
            except OSError as exc:
                if _network_refused(exc):
                    raise NetworkDenied(NETWORK_DENIED) from None
                raise

    def write_graph(self, iri: str | None, data: bytes, fmt: Format | str, *, replace: bool,
                    base_iri: str | None = None, must_be_new: bool = False) -> bool:
        """Replace or extend a graph with parsed data in one transaction; True if it was new."""
        rdf_format = formats.resolve(fmt).rdf_format
        triples = [ox.Triple(q.subject, q.predicate, q.object)
                   for q in ox.parse(data, format=rdf_format, base_iri=base_iri)]
        target = "DEFAULT" if iri is None else f"GRAPH <{iri}>"
        body = _ntriples(triples)
        with self.write_lock:
            existed = iri is None or self.graph_exists(iri)
            if must_be_new and existed:
                raise GraphExists(iri)
            ops = []
            if replace:
                ops.append(f"DROP SILENT {'DEFAULT' if iri is None else target}")
            wrapped = f"{{ {body} }}" if iri is None else f"{{ {target} {{ {body} }} }}"
            ops.append(f"INSERT DATA {wrapped}")
            if iri is not None and not triples:
                ops = ops[:-1] + [f"CREATE SILENT {target}"]
            self.store.update(" ;\n".join(ops))
            return not existed

    def commit(self, data: bytes, *, must_be_new=(), must_exist=(), drop=()) -> int:
        """Drop graphs and add N-Quads (named graphs only) in one transaction; the quad count.

        The graph checks run under the write lock, so GraphExists or GraphMissing (naming the
        graph) leaves the store exactly as it was.
        """
        quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
        by_graph: dict = {}
        for quad in quads:
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ValueError("commit writes named graphs only")
            by_graph.setdefault(quad.graph_name, []).append(
                ox.Triple(quad.subject, quad.predicate, quad.object))
        with self.write_lock:
            for iri in must_be_new:
                if self.graph_exists(iri):
                    raise GraphExists(iri)
            for iri in must_exist:
                if not self.graph_exists(iri):
                    raise GraphMissing(iri)
            ops = [f"DROP GRAPH {ox.NamedNode(iri)}" for iri in drop]
            if by_graph:
                body = " ".join(f"GRAPH {graph} {{ {_ntriples(triples)} }}"
                                for graph, triples in by_graph.items())
                ops.append(f"INSERT DATA {{ {body} }}")
            if ops:
                self.store.update(" ;\n".join(ops))
        return len(quads)

    def drop_graph(self, iri: str | None) -> bool:
        """Remove a graph; False when there was none."""
        with self.write_lock:
            if iri is not None and not self.graph_exists(iri):
                return False
            self.store.update("DROP DEFAULT" if iri is None else f"DROP GRAPH <{iri}>")
            return True

    def build(self, sources_root: str | None = None) -> dict:
        """Load the shipped knowledge, one named graph per part, replacing what a build wrote."""
        parts = shipped_graphs(find_sources(sources_root))
        built = {p.iri for p in parts}
        manifest = ox.NamedNode(BUILD_GRAPH)
        listed = ox.NamedNode(BUILD_GRAPH + "#graph")
        with self.write_lock:
            before = {q.object.value for q in self.store.quads_for_pattern(
                manifest, listed, None, manifest) if isinstance(q.object, ox.NamedNode)}
            ops = [f"DROP SILENT GRAPH <{iri}>" for iri in sorted(before - built)]
            for part in parts:
                ops.append(f"DROP SILENT GRAPH <{part.iri}>")
                ops.append(f"INSERT DATA {{ GRAPH <{part.iri}> {{ {_ntriples(part.triples)} }} }}")
            ops.append(f"DROP SILENT GRAPH <{BUILD_GRAPH}>")
            entries = " ".join(f"<{BUILD_GRAPH}> <{listed.value}> <{iri}> ."
                               for iri in sorted(built))
            ops.append(f"INSERT DATA {{ GRAPH <{BUILD_GRAPH}> {{ {entries} }} }}")
            self.store.update(" ;\n".join(ops))
            self.store.flush()
        return {"graphs": len(parts), "triples": sum(len(p.triples) for p in parts)}

    def bulk_load(self, path: str, fmt: Format | str, graph: str | None = None) -> int:
        """Load a large file with Oxigraph's bulk loader (fast, but not one transaction)."""
        with self.write_lock:
            before = len(self.store)
            self.store.bulk_load(path=path, format=formats.resolve(fmt).rdf_format,
                                 to_graph=ox.NamedNode(graph) if graph else None)
            self.store.flush()
            return len(self.store) - before

    def is_empty(self) -> bool:
        # the first quad, if any (len() counts every quad: a scan of the whole store)
        return next(iter(self.store.quads_for_pattern(None, None, None, None)), None) is None
