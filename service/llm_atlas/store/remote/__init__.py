"""A remote store: any SPARQL 1.1 Protocol and Graph Store Protocol engine."""
