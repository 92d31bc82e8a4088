"""Linked-data views of the store: documents, review pages, provenance, the matrix."""
