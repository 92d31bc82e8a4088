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
from llm_atlas.core.sparql.internal import select, solutions
from llm_atlas.core.views.iris import href
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

bp = Blueprint("matrix", __name__)
OFFERED = [neg.HTML, formats.get("json"), formats.get("csv")]
JSON_MEDIA = "application/json"


def _matrix_query() -> str:
    return state().queries["problem-solution-matrix"].text


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
        rows = solutions(store, _matrix_query())
        labels = select(store, "labels")
        statuses = [status] if status is not None else ALL_STATUSES
        provenance = select(store, "statement_provenance",
                            predicate=[str(p) for p in CLAIM_PROPERTIES],
                            status=[str(s) for s in statuses])
        gaps = select(store, "cell_gaps")
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
