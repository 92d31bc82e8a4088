"""Typed exceptions of the core; the web layer and the CLI map them to statuses and exit codes."""

from __future__ import annotations

import re


class AtlasError(Exception):
    """Base of every error the project raises on purpose."""


class SettingsError(AtlasError):
    """A setting cannot be used (a token file that cannot be read, a bad public URL)."""


class SourcesNotFound(AtlasError):
    """The shipped ontology, shapes or annotations could not be located."""


class RDFSyntaxError(AtlasError):
    """An RDF document could not be parsed; the message says where and why."""


class UnsupportedFormat(AtlasError):
    """An RDF syntax was asked for that the project does not read or write."""


class ReasonerUnavailable(AtlasError):
    """HermiT could not be run (no Java, or the reasoner crashed)."""


class CheckTimeout(AtlasError):
    """Checking a client's document passed its deadline; the checker was stopped (HTTP 422)."""


class CheckerBusy(AtlasError):
    """Every checker place is taken; try again shortly (HTTP 503)."""


class CheckerFault(AtlasError):
    """A checker process failed while doing valid work (a server fault)."""


class StoreError(AtlasError):
    """Base of the store's errors."""


class QuerySyntaxError(StoreError):
    """The engine could not parse a query or update; the message is the parser's."""


class NetworkDenied(StoreError):
    """A query or update asked the engine to reach another host, which it cannot (sandbox)."""


class QueryTimeout(StoreError):
    """A query ran past its deadline and was stopped."""


class ResultTooLarge(StoreError):
    """A result has more rows than the configured limit."""


class ResultNotRepresentable(StoreError):
    """The result holds a value that the chosen format cannot carry (HTTP 406).

    XML 1.0 has no way to write most control characters (U+0000-U+0008, U+000B, U+000C,
    U+000E-U+001F), U+FFFE, U+FFFF or a lone surrogate, not even as character references.
    """


class UnsupportedFunction(StoreError):
    """A query calls an extension function that the engine does not implement (HTTP 400)."""

    # Oxigraph's words (embedded, and its server's 500 body) and Virtuoso's
    _ENGINE_MESSAGES = (re.compile(r"The custom function <([^>]*)> is not supported"),
                        re.compile(r"Undefined procedure DB\.DBA\.([^\s\\]+?)\.?(?=\s|\\|$)"))

    @classmethod
    def from_engine_message(cls, message: str) -> UnsupportedFunction | None:
        """The error an engine's message stands for, when it names an unsupported function."""
        for pattern in cls._ENGINE_MESSAGES:
            found = pattern.search(message)
            if found:
                return cls(f"the query calls the function <{found.group(1)}>, which this "
                           "endpoint does not implement; use SPARQL 1.1's built-in functions "
                           "or XSD casts")
        return None


class GraphExists(StoreError):
    """A graph that must be new is already in the store."""


class GraphMissing(StoreError):
    """A graph that must exist is not in the store."""


class StoreBusy(StoreError):
    """Too many queries are running; try again shortly."""


class StoreUnavailable(StoreError):
    """The store could not be reached or started."""


class StoreFull(StoreError):
    """The store's disk is full: the write was not applied (HTTP 507)."""


class StoreFault(StoreError):
    """The store failed while doing valid work (a server fault)."""


class EngineUnreachable(StoreUnavailable):
    """A remote SPARQL engine did not answer at all (connection refused, reset, DNS)."""
