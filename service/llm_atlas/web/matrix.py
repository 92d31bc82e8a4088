"""/matrix: the LLM ATLAS problem-solution space for people (HTML) and tools (JSON, CSV).

Every claim carries its provenance; `?status=llm-atlas` (or another name of
provenance.STATUS_FILTERS) keeps only the claims with that status.
"""

from __future__ import annotations

import csv
import io
import json

from flask import Blueprint, Response, render_template, request

from llm_atlas import formats
from llm_atlas.core.views.iris import href
from llm_atlas.core.views.linked_data import bind_values
from llm_atlas.core.views.matrix import (
    CLAIM_PROPERTIES,
    CSV_COLUMNS,
    build_matrix,
    csv_rows,
    gap_reasons,
)
from llm_atlas.core.views.provenance import (
    ALL_STATUSES,
    STATUS_FILTERS,
    is_web_link,
)
from llm_atlas.core.views.provenance import status_filter as parse_status
from llm_atlas.web import negotiation as neg
from llm_atlas.web.common import negotiated, query_slot, state
from llm_atlas.web.meta import internal_query

bp = Blueprint("matrix", __name__)
OFFERED = [neg.HTML, formats.get("json"), formats.get("csv")]
JSON_MEDIA = "application/json"


def _matrix_query() -> str:
    return state().queries["problem-solution-matrix"].text


def _provenance_query(status) -> str:
    statuses = [status] if status is not None else ALL_STATUSES
    return bind_values(internal_query("statement_provenance"),
                       predicate=[str(p) for p in CLAIM_PROPERTIES],
                       status=[str(s) for s in statuses])


@bp.route("/matrix")
@bp.route("/matrix.<ext>")
def matrix(ext: str | None = None) -> Response:
    """The matrix in HTML, JSON or CSV, each claim with its status and source."""
    status = parse_status(request.args.get("status"))  # UnknownStatusFilter is a 400
    # plain `application/json` is an alias of the json entry, so tools asking for it get JSON
    fmt = neg.negotiate(OFFERED, ext or request.args.get("format"),
                        request.headers.get("Accept"))
    store = state().store
    with query_slot():
        _, rows = store.query(_matrix_query(), solution_format="json")
        _, labels = store.query(internal_query("labels"), solution_format="json")
        _, provenance = store.query(_provenance_query(status), solution_format="json")
        _, gaps = store.query(internal_query("cell_gaps"), solution_format="json")
    structure = build_matrix(rows, labels, provenance, filtered=status is not None,
                             reasons=gap_reasons(gaps))
    structure["filter"] = {"status": str(status) if status is not None else None}
    if fmt.name == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(csv_rows(structure))
        return negotiated(out.getvalue(), "text/csv")
    if fmt.name == "json":
        return negotiated(json.dumps(structure, indent=1), JSON_MEDIA)
    base = state().settings.base_iri
    html = render_template("matrix.html", m=structure, href=lambda iri: href(iri, base),
                           web_link=is_web_link, filters=STATUS_FILTERS,
                           chosen=request.args.get("status"),
                           cells={(c["phase"], c["problem"]): c for c in structure["cells"]})
    return negotiated(html, "text/html")
