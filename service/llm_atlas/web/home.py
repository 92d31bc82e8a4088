"""/ (the landing page: the ontology, its terms, the papers) and /search (find a term by name)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from rdflib import URIRef
from rdflib.term import Node

from llm_atlas.core.sparql.internal import select
from llm_atlas.core.views.document import Renderer, document_context, kind_of
from llm_atlas.core.views.linked_data import facts, resolve
from llm_atlas.core.views.search import entries, search
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, query_slot, state
from llm_atlas.web.documents import format_links, link

bp = Blueprint("home", __name__)
MAX_QUERY = 200


def _html(template: str, **context) -> Response:
    neg.choose([neg.HTML], request.headers.get("Accept"))  # 406 for clients that refuse HTML
    return negotiated(render_template(template, **context), neg.HTML.media_type)


def _papers(store) -> list[dict]:
    rows = select(store, "iri_papers")
    papers: dict[str, dict[str, Node]] = {}
    for row in rows:
        papers.setdefault(str(row["paper"]), row)
    render = Renderer({}, link)
    out = [{"cell": {**render.cell(URIRef(iri)), "text": str(row.get("title", iri))},
            "year": str(row.get("year", ""))} for iri, row in papers.items()]
    return sorted(out, key=lambda p: (p["year"], p["cell"]["text"].lower()))


@bp.route("/")
def home() -> Response:
    """The ontology's metadata, a search box, the term index and the papers."""
    base = state().settings.base_iri
    store = state().store
    with query_slot():
        document = resolve(store, base + "ontology")
        ontology = (document_context(document, facts(store, document), link)
                    if document is not None else None)
        papers = _papers(store)
    if ontology is not None:
        namespace = base + "ontology/"
        for group in ontology["contents"]:
            group["items"] = [c for c in group["items"] if c.get("title", "").startswith(namespace)]
        ontology["contents"] = [g for g in ontology["contents"] if g["items"]]
    return _html("home.html", ontology=ontology, papers=papers,
                 formats=format_links("/ontology"))


@bp.route("/search")
def search_page() -> Response:
    """Resources whose label, name or definition matches `q`, best first."""
    query = request.args.get("q", "").strip()[:MAX_QUERY]
    results = []
    if query:
        store = state().store
        with query_slot():
            every = entries(store, state().settings.base_iri)
        found = search(every, query)
        labels = {e.iri: e.label for e in every}
        render = Renderer(labels, link)
        results = [{"cell": render.cell(URIRef(e.iri)), "kind": kind_of(e.types, labels, one=True),
                    "definition": e.definition} for e in found]
    return _html("search.html", q=query, results=results)
