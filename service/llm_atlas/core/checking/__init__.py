"""Checking documents and the ontology: SHACL, HermiT, reports, the sandboxed checker."""
