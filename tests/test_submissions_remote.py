"""Submission and retraction on remote engines (Oxigraph's server, Virtuoso): the same answers."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from rdflib import URIRef

from engines import VIRTUOSO, OxigraphServer, VirtuosoServer
from live import Server, request
from submissions_kit import (
    INVALID,
    PROVENANCE_TRIPLES,
    RES,
    TURTLE,
    dump,
    solution_annotation,
    turtle_graph,
)

pytestmark = pytest.mark.slow


ENGINES = {"oxigraph": OxigraphServer, "virtuoso": VirtuosoServer}


@pytest.fixture(scope="module", params=sorted(ENGINES))
def remote(request, tmp_path_factory):
    if request.param == "virtuoso" and VIRTUOSO is None:
        pytest.skip("virtuoso-t is not installed here (.ci/run installs virtuoso-opensource)")
    engine = ENGINES[request.param](tmp_path_factory.mktemp(f"{request.param}-submissions"))
    try:
        built = subprocess.run(
            [sys.executable, "-m", "llm_atlas", "build", "--into", engine.query_url,
             "--update-url", engine.update_url, "--batch", "200"],
            capture_output=True, text=True, timeout=600)
        assert built.returncode == 0, built.stderr
        service = Server(tmp_path_factory.mktemp("remote-submissions"), *engine.store_args)
        try:
            yield service
        finally:
            service.stop()
    finally:
        engine.stop()


def test_submit_read_retract_on_a_remote_engine(remote):
    auth = {**TURTLE, **remote.auth}
    before = dump(remote)
    invalid = request(remote.url + "/annotations", "POST", INVALID[0].read_bytes(), auth)
    assert invalid.status == 422
    assert dump(remote) == before
    text = solution_annotation("remote-one")
    created = request(remote.url + "/annotations", "POST", text.encode(), auth)
    assert created.status == 201, created.body
    stored = turtle_graph(request(remote.url + "/annotations/remote-one",
                                  headers={"Accept": "text/turtle"}).body)
    own = turtle_graph(text).triples((URIRef(RES + "annotation/remote-one"), None, None))
    assert len(stored) == len(list(own)) + PROVENANCE_TRIPLES  # the annotation and its record
    assert request(remote.url + "/annotations", "POST", text.encode(), auth).status == 409
    shipped = request(remote.url + "/annotations/mitchell-2019-model-cards", "DELETE",
                      headers=remote.auth)
    assert shipped.status == 409
    retracted = request(remote.url + "/annotations/remote-one", "DELETE", headers=remote.auth)
    assert retracted.status == 200
    assert json.loads(retracted.body)["retraction"] == RES + "retraction/remote-one"
    assert request(remote.url + "/annotations/remote-one").status == 410
