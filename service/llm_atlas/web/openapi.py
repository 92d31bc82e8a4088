"""An OpenAPI 3.1 description of the named queries, generated from their headers."""

from __future__ import annotations

from llm_atlas import __version__
from llm_atlas.core.sparql.queries import NamedQuery
from llm_atlas.web import negotiation as neg

_SCHEMAS = {"iri": {"type": "string", "format": "iri"},
            "string": {"type": "string"},
            "integer": {"type": "integer"},
            "year": {"type": "string", "pattern": "^[0-9]{4}$"}}
_ERROR = {"description": "", "content": {"application/json": {"schema": {
    "$ref": "#/components/schemas/Error"}}}}


def _operation(query: NamedQuery) -> dict:
    parameters = [{
        "name": p.name, "in": "query", "required": p.default is None,
        "description": p.description + (" A CURIE (atlas:MoralHazard) or a full IRI."
                                         if p.type == "iri" else ""),
        "schema": {**_SCHEMAS[p.type], **({"default": p.default} if p.default else {})},
    } for p in query.params]
    parameters.append({
        "name": "format", "in": "query", "required": False,
        "description": "Result format, instead of the Accept header.",
        "schema": {"type": "string", "enum": [f.name for f in (*neg.solutions(), *neg.graphs())]},
    })
    ok: dict[str, dict] = {f.media_type: {} for f in (*neg.solutions(), *neg.graphs(), neg.HTML)}
    return {"get": {
        "operationId": query.name.replace("-", "_"),
        "summary": query.title,
        "description": query.question,
        "parameters": parameters,
        "responses": {
            "200": {"description": "The answer, in the negotiated format.", "content": ok},
            "400": {**_ERROR, "description": "A parameter is unknown or has a bad value."},
            "406": {**_ERROR, "description": "No acceptable result format."},
            "503": {**_ERROR, "description": "The query passed its deadline or the server is "
                    "busy."},
        },
    }}


def document(queries: list[NamedQuery], server_url: str) -> dict:
    """The OpenAPI document: one GET path per named query."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "LLM ATLAS competency questions", "version": __version__,
                 "description": "Named questions over the LLM ATLAS knowledge graph, each a "
                 "SPARQL query with typed parameters."},
        "servers": [{"url": server_url}],
        "paths": {f"/queries/{q.name}": _operation(q) for q in queries},
        "components": {"schemas": {"Error": {"type": "object", "properties": {"error": {
            "type": "object", "properties": {"status": {"type": "integer"},
                                             "title": {"type": "string"},
                                             "message": {"type": "string"}}}}}}},
    }
