"""Typed exceptions of the core; the web layer and the CLI map them to statuses and exit codes."""


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


class StoreError(AtlasError):
    """Base of the store's errors."""


class QuerySyntaxError(StoreError):
    """The engine could not parse a query or update; the message is the parser's."""


class QueryTimeout(StoreError):
    """A query ran past its deadline and was stopped."""


class ResultTooLarge(StoreError):
    """A result has more rows than the configured limit."""


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
