"""/mappings: the SSSOM mapping set, as its TSV file or as RDF, by content negotiation."""

from __future__ import annotations

from flask import Blueprint, Response, request

from llm_atlas import formats
from llm_atlas.core.knowledge.mappings import mapping_graph, read_mapping_set
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.core.views.linked_data import serialize
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, state

bp = Blueprint("mappings", __name__)
# The TSV is the mapping set as curated (and what clients get without an Accept); RDF is
# SSSOM's RDF form of the same file, the triples the store holds as the mappings graph.


# The set's own IRI (its mapping_set_id) answers the same; its `.ttl`, `.html`... documents and
# the store's graph of it (/graph/mappings) are dereferenced like every IRI of ours.
@bp.route("/mappings")
@bp.route("/mappings/llm-atlas.sssom.tsv")
def mappings() -> Response:
    """The mapping set in the format the client accepts (406 naming the offered ones else)."""
    offered = [formats.get("tsv"), *neg.graphs()]
    fmt = neg.negotiate(offered, request.args.get("format"), request.headers.get("Accept"))
    path = find_sources(state().settings.sources).mappings_file
    if fmt.name == "tsv":
        body = path.read_bytes()
    else:
        body = serialize(mapping_graph(read_mapping_set(path)), fmt.name)
    return negotiated(body, fmt.media_type)
