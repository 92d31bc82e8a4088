"""Every failure the core and the stores raise, each one class, defined once.

This is the bottom layer: nothing here imports the rest of the package. What a failure means
to a client is said elsewhere, once: the HTTP status in web/errors.py (one table), the exit code
in cli/exits.py. Classes are grouped by where the failure arises; a docstring names the status
only as a reminder, the tables decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TypeVar

_Meaning = TypeVar("_Meaning")


def meaning_of(exc: BaseException, table: Mapping[type, _Meaning], default: _Meaning) -> _Meaning:
    """What a table says of an exception: its own class's row first, then its nearest base
    class's (the HTTP table and the exit-code table both read themselves this way)."""
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return default


class AtlasError(Exception):
    """Base of every error the project raises on purpose."""


# -- settings and the knowledge sources ------------------------------------------------------

class SettingsError(AtlasError):
    """A setting cannot be used (a token file that cannot be read, a bad public URL)."""


class SourcesNotFound(AtlasError):
    """The shipped ontology, shapes or annotations could not be located."""


class MappingSetError(AtlasError):
    """The mapping set file breaks the SSSOM TSV form; the message says where and what."""


class ReleaseRefused(AtlasError):
    """The release cannot be made as asked (a version, a missing file); nothing was written."""


class SandboxUnavailable(AtlasError):
    """This platform cannot take the network away from a process."""


# -- RDF a client or a curator gives us ------------------------------------------------------

class RDFSyntaxError(AtlasError):
    """An RDF document could not be parsed; the message says where and why."""


class UnsafeInput(RDFSyntaxError):
    """A document asks the parser to read a file or fetch something; it is refused unread."""


class SchemaTriple(UnsafeInput):
    """A document from a client states a schema triple (a class or property axiom, a shape)."""


class InputTooLarge(RDFSyntaxError):
    """A parsed document has more triples, or longer literals or IRIs, than allowed."""


class UnsupportedFormat(AtlasError):
    """An RDF syntax was asked for that the project does not read or write."""


# -- checking: SHACL and HermiT in the checker processes -------------------------------------

class ReasonerUnavailable(AtlasError):
    """HermiT could not be run (no Java, or the reasoner crashed)."""


class CheckTimeout(AtlasError):
    """Checking a client's document passed its deadline; the checker was stopped (HTTP 422)."""


class CheckerBusy(AtlasError):
    """Every checker place is taken; try again shortly (HTTP 503)."""


class CheckerFault(AtlasError):
    """A checker process failed while doing valid work (a server fault)."""


# -- SPARQL text: the guard, named queries and their parameters, view filters ----------------

class QueryRefused(AtlasError):
    """The request asks for something this endpoint does not do (a client error)."""


class QueryHeaderError(AtlasError):
    """A named query's header is missing or malformed."""


class ParameterError(AtlasError):
    """A named query was given an unknown parameter or a value of the wrong type."""


class UnknownStatusFilter(AtlasError):
    """A `status=` value that names no provenance status; the message lists the allowed ones."""


# -- annotation submissions ------------------------------------------------------------------

class SubmissionRejected(AtlasError):
    """The document is RDF but not an acceptable submission (HTTP 422); the message says why."""


class Inconsistent(SubmissionRejected):
    """HermiT finds the ontology plus the submission inconsistent (HTTP 422)."""


class NotConforming(AtlasError):
    """The submission violates the shapes (HTTP 422); the report says what to fix.

    The report (a core.checking ValidationReport) travels with the error, so the web layer can
    answer with it; the raiser writes the message, since this layer cannot summarize reports.
    """

    def __init__(self, message: str, report: object):
        self.report = report
        super().__init__(message)


class SubmissionConflict(AtlasError):
    """The submission collides with what the store holds (HTTP 409)."""


class AnnotationNotFound(AtlasError):
    """No annotation has this IRI (HTTP 404)."""


class AnnotationRetracted(AtlasError):
    """The annotation was retracted (HTTP 410); the message says when."""


# -- the literature review's inputs (curators' commands only) --------------------------------

class BibSyntaxError(AtlasError):
    """The file is not BibTeX the reader can follow (unbalanced braces, a missing `=`...)."""


class LatexError(AtlasError):
    """A field uses LaTeX this reader does not turn into text."""


class EntryRefused(AtlasError):
    """A BibTeX entry cannot become a paper description; the message says what to fix."""


class SheetError(AtlasError):
    """A sheet row that breaks the column contract; the message names the file, key and column."""


# -- the store: embedded or remote, the same classes -----------------------------------------

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
