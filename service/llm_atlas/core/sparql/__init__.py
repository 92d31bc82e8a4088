"""SPARQL text: the named questions, the internal queries and the guard."""
