"""The Flask application factory: no work at import time, state on the app it builds."""

from __future__ import annotations

import atexit
import logging

from flask import Flask

from llm_atlas.config import Settings, from_env, resolved
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.core.sparql.queries import load_named_queries
from llm_atlas.store import make_store
from llm_atlas.web import body_gate, security_headers
from llm_atlas.web import errors as http_errors
from llm_atlas.web.common import AtlasState


def create_app(settings: Settings | None = None, store=None) -> Flask:
    """Build the service: settings from the environment unless given, the store started."""
    settings = resolved(settings or from_env())  # the token read from its file, if one is named
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = max(settings.max_upload_bytes, settings.max_query_bytes)
    store = store or make_store(settings)
    store.start()
    atexit.register(store.close)
    queries = {q.name: q for q in load_named_queries(
        find_sources(settings.sources).queries_dir)}
    app.extensions["llm_atlas"] = AtlasState(settings=settings, store=store, queries=queries)
    http_errors.init_app(app)
    body_gate.init_app(app)
    security_headers.init_app(app)
    from llm_atlas.web import documents as bp_documents
    from llm_atlas.web import home as bp_home
    from llm_atlas.web import matrix as bp_matrix
    from llm_atlas.web import meta as bp_meta
    from llm_atlas.web import queries as bp_queries
    from llm_atlas.web import sparql as bp_sparql
    from llm_atlas.web import store as bp_store
    from llm_atlas.web import versions as bp_versions

    for blueprint in (bp_sparql.bp, bp_store.bp, bp_meta.bp, bp_queries.bp, bp_matrix.bp,
                      bp_versions.bp, bp_documents.bp, bp_home.bp):
        app.register_blueprint(blueprint)
    from llm_atlas.web import annotations as bp_annotations
    from llm_atlas.web import mappings as bp_mappings
    from llm_atlas.web import reports as web_reports
    from llm_atlas.web import review as bp_review
    from llm_atlas.web import validate as bp_validate

    web_reports.init_app(app)
    app.register_blueprint(bp_review.bp)
    app.register_blueprint(bp_validate.bp)
    app.register_blueprint(bp_annotations.bp)
    app.register_blueprint(bp_mappings.bp)

    @app.after_request
    def cors(response):
        # Reads are public: any page may query the endpoint from a browser.
        response.headers.setdefault("Access-Control-Allow-Origin", "*")
        response.headers.setdefault("Access-Control-Allow-Headers",
                                    "Accept, Authorization, Content-Type")
        response.headers.setdefault("Access-Control-Allow-Methods",
                                    "GET, POST, PUT, DELETE, HEAD, OPTIONS")
        return response

    logging.getLogger("llm_atlas").setLevel(logging.INFO)
    return app
