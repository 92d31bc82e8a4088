"""/ontology/{version}: every released version IRI serves its snapshot (ontology/versions/).

A version IRI names one release for good, so it answers the file `llm-atlas release` froze, not
the ontology as it is now. Snapshots are read from the sources (never loaded into the store:
they would repeat every term in the union graph). A version never released is 404 naming the
releases there are; a path that is not a release number goes to the IRI rules of bp_documents.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL

from llm_atlas.core.knowledge.rdfio import parse_file
from llm_atlas.core.knowledge.sources import SEMVER, find_sources
from llm_atlas.core.views.iris import document_path, split_extension
from llm_atlas.core.views.linked_data import resolve, serialize
from llm_atlas.namespaces import ONTOLOGY_IRI
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import state
from llm_atlas.web.documents import dereference, extensions, format_links, link, vary
from llm_atlas.web.refusals import NotFound

bp = Blueprint("versions", __name__)
bp.after_request(vary)  # Vary: Accept on the slash IRIs and errors, as bp_documents says


@lru_cache(maxsize=16)
def _snapshot(path: str, mtime_ns: int) -> Graph:
    """A snapshot parsed once per file version (the key holds its modification time)."""
    return parse_file(Path(path))


def snapshot_graph(path: Path) -> Graph:
    """The parsed snapshot; callers only read it."""
    return _snapshot(str(path), path.stat().st_mtime_ns)


def _never_released(version: str, snapshots: dict[str, Path]) -> NotFound:
    released = ", ".join(f"{v} (/ontology/{v})" for v in snapshots) or "none yet"
    return NotFound(f"ontology version {version} was never released. Released versions: "
                    f"{released}; the current ontology is /ontology.")


def _page(version: str, graph: Graph, path: str, snapshots: dict[str, Path]) -> str:
    def value(prop) -> str | None:
        found = graph.value(ONTOLOGY_IRI, prop)
        return None if found is None else str(found)

    facts = [(label, text, link(text) if isinstance(graph.value(ONTOLOGY_IRI, prop), URIRef)
              else None)
             for label, prop in (("version", OWL.versionInfo), ("version IRI", OWL.versionIRI),
                                 ("prior version", OWL.priorVersion),
                                 ("modified", DCTERMS.modified), ("license", DCTERMS.license),
                                 ("cite as", DCTERMS.bibliographicCitation))
             if (text := value(prop)) is not None]
    return render_template("version.html", version=version, iri=f"{ONTOLOGY_IRI}/{version}",
                           title=value(DCTERMS.title) or "LLM ATLAS ontology", facts=facts,
                           triples=len(graph), formats=format_links(path),
                           releases=[(v, link(f"{ONTOLOGY_IRI}/{v}")) for v in snapshots],
                           current=link(str(ONTOLOGY_IRI)))


@bp.route("/ontology/<int:major>.<int:minor>.<int:patch>")
@bp.route("/ontology/<int:major>.<int:minor>.<int:patch>.<ext>")
def ontology_version(major: int, minor: int, patch: int, ext: str | None = None) -> Response:
    """A released version of the ontology, in the format asked for by extension or Accept."""
    path, extension = split_extension(request.path, extensions())
    version = path.rsplit("/", 1)[-1]
    if not SEMVER.fullmatch(version) or (ext is not None and extension is None):
        return dereference(ext=ext)  # `01.2.3`, `1.2.3.4`: not a release number
    snapshots = find_sources(state().settings.sources).version_snapshots()
    if version not in snapshots:
        # the current version IRI before its release wrote a snapshot: the store answers it
        if resolve(state().store, f"{ONTOLOGY_IRI}/{version}") is not None:
            return dereference(ext=ext)
        raise _never_released(version, snapshots)
    if extension:
        fmt = neg.by_extension(neg.documents(), extension)
        assert fmt is not None  # split_extension gives only the documents' extensions
    else:
        fmt = neg.choose(neg.documents(), request.headers.get("Accept"))
    graph = snapshot_graph(snapshots[version])
    if fmt is neg.HTML:
        body: str | bytes = _page(version, graph, path, snapshots)
    else:
        body = serialize(graph, fmt.name)
    response = Response(body, mimetype=fmt.media_type)
    if not extension:
        response.headers["Content-Location"] = (request.script_root
                                                + document_path(path, fmt.extension))
    return response
