"""The embedded store: Oxigraph in its own sandboxed process, and its client."""
