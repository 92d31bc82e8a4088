"""The core: knows nothing of HTTP or of a particular store."""
