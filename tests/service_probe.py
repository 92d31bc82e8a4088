"""Does Oxigraph itself (pyoxigraph, in memory) open a connection for a query or update text?

The proof of the guard's tests: a loopback listener counts the connections the engine makes,
so a text the guard lets through is run for real and must leave the count unchanged.
"""

from __future__ import annotations

import pyoxigraph as ox

from live import Listener

XSD = "http://www.w3.org/2001/XMLSchema#"
# every object the probes glue a call onto, so that the pattern before the call has a solution
# and the engine goes on to evaluate the call
OBJECTS = [ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean")),
           ox.Literal("1e5", datatype=ox.NamedNode(XSD + "double")),
           ox.Literal("1", datatype=ox.NamedNode(XSD + "integer")),
           ox.Literal("1.5", datatype=ox.NamedNode(XSD + "decimal")),
           ox.Literal("x#y"), ox.NamedNode("urn:e/a#"), ox.NamedNode("urn:e/a%23"),
           ox.NamedNode("urn:e/a."),
           ox.NamedNode("urn:e/a-"), ox.NamedNode("urn:e/a~"), ox.NamedNode("urn:e/x.y"),
           ox.NamedNode("http://a/#"), ox.NamedNode("urn:o")]
PREFIXES = ("PREFIX e: <urn:e/>\nPREFIX h: <http://a/#>\n"
            "PREFIX t: <{target}/>\nPREFIX : <{target}/>\n")


class Probe:
    """An in-memory store holding one subject with every probe object, and a listener."""

    def __init__(self):
        self.listener = Listener()
        self.target = self.listener.url
        self.prefixes = PREFIXES.format(target=self.target)

    def connects(self, text: str, update: bool = False, base_iri: str | None = None) -> bool:
        """Run the text on a fresh store; True when the engine connected to the listener."""
        store = ox.Store()
        for obj in OBJECTS:
            store.add(ox.Quad(ox.NamedNode("urn:s"), ox.NamedNode("urn:p"), obj))
        before = self.listener.connections
        try:
            if update:
                store.update(text, base_iri=base_iri)
            else:
                result = store.query(text, base_iri=base_iri)
                if not isinstance(result, bool):
                    list(result)
        except (SyntaxError, OSError, ValueError, RuntimeError):
            pass  # refused by the parser, or the call failed: only the connection counts
        # the listener counts before it closes, and the engine only fails once it is closed
        return self.listener.connections > before

    def close(self) -> None:
        self.listener.close()
