"""The knowledge on disk: sources, graph layout, safe parsing, mappings, releases."""
