"""Mapping between the IRIs we mint and the URLs of this service."""

from __future__ import annotations


def local_path(iri: str, base_iri: str) -> str | None:
    """The service path for an IRI under the base IRI (`/ontology/MoralHazard`), else None."""
    if not iri.startswith(base_iri):
        return None
    return "/" + iri[len(base_iri):]


def href(iri: str, base_iri: str) -> str:
    """Where a page should link for an IRI: our own URL when we serve it, the IRI otherwise."""
    return local_path(iri, base_iri) or iri


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
