"""The Flask layer: the app factory, errors, negotiation, one module per URL area."""
