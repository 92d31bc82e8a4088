"""The store contract: what the service needs of a backend, and the errors it may raise.

Both backends implement it (`embedded.client.EmbeddedStore`, `remote.client.RemoteStore`);
`tests/test_store_contract.py` runs the same cases on each. A new backend implements these
methods, raises only `RAISES` (the web layer's error table maps each), and runs those tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from llm_atlas import errors

# Every failure a store reports, as these classes (or their subclasses) and nothing else:
# the client's mistakes are QuerySyntaxError, ResultTooLarge, ResultNotRepresentable,
# UnsupportedFunction, NetworkDenied, RDFSyntaxError; conditions GraphExists, GraphMissing;
# the engine's state QueryTimeout, StoreBusy, StoreFull, StoreUnavailable, StoreFault.
RAISES: tuple[type[errors.AtlasError], ...] = (
    errors.QuerySyntaxError, errors.ResultTooLarge, errors.ResultNotRepresentable,
    errors.UnsupportedFunction, errors.NetworkDenied, errors.RDFSyntaxError,
    errors.GraphExists, errors.GraphMissing, errors.QueryTimeout, errors.StoreBusy,
    errors.StoreFull, errors.StoreUnavailable, errors.StoreFault,
)


@runtime_checkable
class Store(Protocol):
    """A SPARQL dataset the service reads and writes; graphs are named by IRI, None is the
    default graph."""

    backend: str
    max_rows: int

    def start(self) -> None:
        """Open the store (start the engine process, or nothing for a remote engine)."""

    def close(self) -> None:
        """Release it; a closed store is not used again."""

    def query(self, text: str, *, default_graphs: list[str] | None = None,
              named_graphs: list[str] | None = None, solution_format: str = "json",
              graph_format: str = "turtle", timeout: float | None = None,
              base_iri: str | None = None) -> tuple[str, bytes]:
        """Evaluate a guarded query: ("solutions" | "boolean" | "graph", the body in the
        format asked for). More rows than `max_rows` raise ResultTooLarge, never a cut."""

    def update(self, text: str, base_iri: str | None = None) -> None:
        """Run a guarded SPARQL Update as one transaction."""

    def graph_exists(self, iri: str) -> bool:
        """Whether the named graph holds at least one triple."""

    def named_graphs(self) -> list[str]:
        """The IRIs of every named graph."""

    def get_graph(self, iri: str | None, fmt: str = "turtle") -> bytes | None:
        """A graph's triples in `fmt`, or None when the named graph does not exist."""

    def write_graph(self, iri: str | None, data: bytes, fmt: str, *, replace: bool,
                    base_iri: str | None = None, must_be_new: bool = False) -> bool:
        """Replace or extend a graph with RDF data; True when the graph is new. GraphExists
        when `must_be_new` and it is there."""

    def drop_graph(self, iri: str | None) -> bool:
        """Remove a named graph (or empty the default one); False when there was none."""

    def commit(self, nquads: bytes, *, must_be_new: Iterable[str] = (),
               must_exist: Iterable[str] = (), drop: Iterable[str] = ()) -> int:
        """Drop graphs and add N-Quads at once, only if the named graphs are (not) there:
        GraphExists / GraphMissing otherwise, with nothing written."""

    def size(self) -> int:
        """The number of quads."""

    def health(self) -> dict:
        """The backend's name and state, for /health."""
