"""Loading the shipped knowledge into a remote engine: graph by graph, in batches, resumable."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from llm_atlas.core.knowledge.layout import BUILD_GRAPH, GraphPart, shipped_graphs
from llm_atlas.core.knowledge.sources import Sources
from llm_atlas.core.sparql.internal import select
from llm_atlas.store.remote.text import insert_operations

LISTED = BUILD_GRAPH + "#graph"


def _loaded(store) -> set[str]:
    """Graphs a previous (perhaps interrupted) build finished, from the build manifest."""
    rows = select(store, "build_manifest", manifest=BUILD_GRAPH, listed=LISTED)
    return {str(row["g"]) for row in rows}


def build_into(store, sources: Sources, *, batch: int = 5000,
               progress: Callable[[GraphPart, bool], None] | None = None) -> dict:
    """Load every shipped graph that the engine does not have yet.

    A graph is written in batches of at most `batch` triples; the first batch replaces the
    graph, and the last also records the graph in the build manifest, so an interrupted build
    resumes from the first graph it had not finished.
    """
    parts = shipped_graphs(sources)
    done = _loaded(store)
    loaded = skipped = triples = 0
    for part in parts:
        if part.iri in done:
            skipped += 1
            if progress:
                progress(part, False)
            continue
        # an empty graph is one batch without an insert
        inserts: Sequence[str | None] = insert_operations(part.iri, list(part.triples),
                                                          batch) or [None]
        for i, insert in enumerate(inserts):
            ops = [f"DROP SILENT GRAPH <{part.iri}>"] if i == 0 else []
            ops += [insert] if insert else []
            if i == len(inserts) - 1:
                ops.append(f"INSERT DATA {{ GRAPH <{BUILD_GRAPH}> {{ <{BUILD_GRAPH}> "
                           f"<{LISTED}> <{part.iri}> }} }}")
            store.update(" ;\n".join(ops))
        loaded += 1
        triples += len(part.triples)
        if progress:
            progress(part, True)
    return {"graphs": len(parts), "loaded": loaded, "skipped": skipped, "triples": triples}
