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
