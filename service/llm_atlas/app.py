"""The Flask application factory: no work at import time, state on the app it builds."""

from __future__ import annotations

import atexit
import logging

from flask import Flask

from . import body_gate, http_errors, security_headers
from .config import Settings, from_env, resolved
from .embedded import EmbeddedStore
from .queries import load_named_queries
from .sources import find_sources
from .web_common import AtlasState


def make_store(settings: Settings, *, build_if_empty: bool = True):
    """The store the settings ask for: a remote engine when `store` is set, else embedded.

    An embedded store loads the shipped knowledge on first start unless told not to (the
    `build` and `load` commands do their own loading).
    """
    if settings.store:
        from .remote import RemoteStore, parse_credentials

        return RemoteStore(settings.store, update_url=settings.update_url,
                           credentials=parse_credentials(settings.store_auth),
                           timeout=settings.timeout, max_rows=settings.max_rows)
    return EmbeddedStore(None if settings.memory else settings.data_dir,
                         timeout=settings.timeout, max_rows=settings.max_rows,
                         sources_root=settings.sources, build_if_empty=build_if_empty)


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
    from . import (
        bp_documents,
        bp_home,
        bp_matrix,
        bp_meta,
        bp_queries,
        bp_sparql,
        bp_store,
        bp_versions,
    )

    for blueprint in (bp_sparql.bp, bp_store.bp, bp_meta.bp, bp_queries.bp, bp_matrix.bp,
                      bp_versions.bp, bp_documents.bp, bp_home.bp):
        app.register_blueprint(blueprint)
    from . import bp_annotations, bp_mappings, bp_review, bp_validate, web_reports

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
