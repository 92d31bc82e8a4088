"""Mapping between the IRIs we mint and the URLs of this service."""

from __future__ import annotations

import re

import pyoxigraph as ox

# The only absolute links a page may carry: http(s) IRIs, written exactly so (no leading space,
# no control character a browser would drop to reveal another scheme). Any other scheme
# (javascript:, data:, vbscript:, file:...) in the data is shown as text, never linked.
_WEB_IRI = re.compile(r"https?://[^\x00-\x20\x7f]*", re.IGNORECASE)
# A path of ours: "//host" or "/\\host" would be read by browsers as another origin.
_OWN_PATH = re.compile(r"/(?![/\\])[^\x00-\x20\x7f]*")


def local_path(iri: str, base_iri: str) -> str | None:
    """The service path for an IRI under the base IRI (`/ontology/MoralHazard`), else None."""
    if not iri.startswith(base_iri):
        return None
    return "/" + iri[len(base_iri):]


def is_web_iri(iri: str) -> bool:
    """True for an `http:` or `https:` IRI, the only absolute IRIs a page links to."""
    return _WEB_IRI.fullmatch(iri) is not None


def href(iri: str, base_iri: str) -> str | None:
    """Where a page should link for an IRI: our own URL when we serve it, the IRI itself when
    it is http(s), else None (the page shows the IRI as text).

    This is the one decision every page makes before it writes an `href` from data.
    """
    path = local_path(iri, base_iri)
    if path is not None and _OWN_PATH.fullmatch(path):
        return path
    return iri if is_web_iri(iri) else None


def iri_for_path(path: str, base_iri: str) -> str:
    """The IRI a service path stands for (`/ontology/MoralHazard` -> base + `ontology/...`)."""
    return base_iri + path.lstrip("/")


def split_extension(path: str, extensions: set[str]) -> tuple[str, str | None]:
    """A document path and the format extension it ends with (`/a/B.ttl` -> `/a/B`, `ttl`).

    Only the given extensions count, so a version IRI such as `/ontology/0.1.0` keeps its dots.
    """
    stem, dot, extension = path.rpartition(".")
    if dot and "/" not in extension and extension.lower() in extensions and stem:
        return stem, extension.lower()
    return path, None


def document_path(path: str, extension: str) -> str:
    """The format-specific document of a slash IRI's path: `/ontology`, `ttl` -> `/ontology.ttl`."""
    return path.rstrip("/") + "." + extension


# What may not appear in an IRI reference between < and > (SPARQL's and Turtle's IRIREF).
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def resolve(reference: str, base: str) -> str:
    """An IRI reference resolved against a base IRI (RFC 3986), as the query engine does it.

    Raises ValueError naming the reference when it (or the base) is not a valid IRI.
    """
    if _NOT_IN_IRI.search(reference) or _NOT_IN_IRI.search(base):
        raise ValueError(f"<{reference}> is not an IRI: it holds a space, a control character "
                         "or one of <>\"{}|^`\\")
    # Oxigraph's own resolver, through its Turtle parser: the same result as in the query.
    statement = f"<urn:x:s> <urn:x:p> <{reference}> .".encode()
    try:
        quad = next(iter(ox.parse(statement, format=ox.RdfFormat.TURTLE, base_iri=base)))
    except (SyntaxError, ValueError) as exc:
        # the parser's position is in our one-line statement, of no use to the reader
        reason = re.sub(r"^Parser error at [^:]*: | \(line 1\)$", "", str(exc))
        raise ValueError(f"<{reference}> is not a valid IRI against the base <{base}> "
                         f"({reason})") from None
    return quad.object.value
