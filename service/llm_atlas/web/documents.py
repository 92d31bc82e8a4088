"""Every IRI we mint dereferences: /ontology, /ontology/{Term}, /shapes..., /resource/...

A slash IRI answers 200 with the representation its Accept header prefers (`Vary: Accept`) and
names the format-specific document in `Content-Location` (`/ontology/MoralHazard.ttl`); that
document's own URL (`.html`, `.ttl`, `.jsonld`, `.rdf`, `.nt`) answers its one format.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request
from rdflib import RDF, URIRef

from llm_atlas.core.views.document import document_context
from llm_atlas.core.views.iris import document_path, href, iri_for_path, split_extension
from llm_atlas.core.views.linked_data import Document, facts, minted, rdf_graph, resolve, serialize
from llm_atlas.core.views.review import review_sections
from llm_atlas.core.views.search import closest
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import query_slot, state, vary_on_accept
from llm_atlas.web.refusals import NotFound

bp = Blueprint("documents", __name__)


def extensions() -> set[str]:
    """The extensions of the format-specific documents (`.ttl`, `.html`)."""
    return {f.extension for f in neg.documents()}


def link(iri: str) -> str | None:
    """Where a page links for an IRI: our URL (under the app's root) when we serve it, an
    http(s) IRI as itself, None for any other scheme (shown as text)."""
    target = href(iri, state().settings.base_iri)
    if target is None or not target.startswith("/"):
        return target
    return request.script_root + target


def format_links(path: str) -> list[dict]:
    """The format-specific documents of a slash IRI's path, for a page's download links."""
    return [{"name": f.label, "extension": f.extension, "media_type": f.media_type,
             "href": request.script_root + document_path(path, f.extension)}
            for f in neg.documents()]


def _not_found(iri: str, path: str) -> NotFound:
    """404 naming the closest IRIs we do define and a search for the asked name."""
    base = state().settings.base_iri
    near = closest(iri, minted(state().store, base))
    name = path.rstrip("/").rsplit("/", 1)[-1]
    message = f"<{iri}> is not an IRI this knowledge graph defines."
    if near:
        message += " Closest: " + ", ".join(h for n in near if (h := href(n, base))) + "."
    return NotFound(f"{message} Search: {request.script_root}/search?{urlencode({'q': name})}")


def page(document: Document, path: str) -> str:
    """The HTML page about an IRI, with what the literature review says about it."""
    store = state().store
    found = facts(store, document)
    context = document_context(document, found, link)
    types = {str(t) for t in found.description.objects(URIRef(document.iri), RDF.type)}
    return render_template("document.html", formats=format_links(path), link=link,
                           review=review_sections(store, document.iri, types), **context)


@bp.route("/ontology")
@bp.route("/ontology.<ext>")
@bp.route("/ontology/")
@bp.route("/ontology/<path:rest>")
@bp.route("/shapes")
@bp.route("/shapes.<ext>")
@bp.route("/shapes/")
@bp.route("/shapes/<path:rest>")
@bp.route("/resource/<path:rest>")
@bp.route("/graph/<path:rest>")
@bp.route("/mappings/<path:rest>")
def dereference(ext: str | None = None, rest: str | None = None) -> Response:
    """Answer an IRI of ours in the format asked for by extension or Accept."""
    path, extension = split_extension(request.path, extensions())
    iri = iri_for_path(path, state().settings.base_iri)
    with query_slot():
        document = resolve(state().store, iri)
        if document is None:
            raise _not_found(iri, path)
        if extension:
            fmt = neg.by_extension(neg.documents(), extension)
            assert fmt is not None  # the route takes only the documents' extensions
        else:
            fmt = neg.choose(neg.documents(), request.headers.get("Accept"))
        if fmt is neg.HTML:
            body: str | bytes = page(document, path)
        else:
            body = serialize(rdf_graph(state().store, document), fmt.name)
    response = Response(body, mimetype=fmt.media_type)
    if not extension:
        response.headers["Content-Location"] = (request.script_root
                                                + document_path(path, fmt.extension))
    return response


@bp.after_request
def vary(response: Response) -> Response:
    """The slash IRIs depend on Accept (an extension chose for itself; errors vary anyway)."""
    if split_extension(request.path, extensions())[1] is None:
        vary_on_accept(response)
    return response
