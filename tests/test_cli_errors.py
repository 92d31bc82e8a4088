"""What the command line does with settings it cannot use: one line, exit 2, no traceback, and
no connection to the engine it was pointed at."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from live import CountingListener
from llm_atlas.cli.exits import EXIT_CANNOT_RUN, EXIT_INVALID, exit_code_for
from llm_atlas.errors import (
    AtlasError,
    RDFSyntaxError,
    SettingsError,
    SourcesNotFound,
    StoreUnavailable,
)

MESSAGE = "--store-auth (LLM_ATLAS_STORE_AUTH) must read basic:USER:PASSWORD or bearer:TOKEN"


@pytest.fixture
def listener():
    counting = CountingListener()
    yield counting
    counting.close()


@pytest.mark.parametrize("args", [
    ["build", "--into", "{url}", "--store-auth", "nonsense"],
    ["build", "--into", "{url}", "--store-auth", "basic:"],
    ["serve", "--store", "{url}", "--store-auth", "nonsense", "--port", "9"],
], ids=["build-nonsense", "build-empty-secret", "serve-nonsense"])
def test_bad_store_credentials_are_exit_2_with_one_line(args, listener, tmp_path):
    """A regression: `build --into URL --store-auth nonsense` printed a traceback, exit 1."""
    argv = [a.format(url=listener.url) for a in args]
    run = subprocess.run([sys.executable, "-m", "llm_atlas", *argv], capture_output=True,
                         text=True, timeout=120, cwd=tmp_path)
    assert (run.returncode, run.stdout, run.stderr) == (EXIT_CANNOT_RUN, "", f"error: {MESSAGE}\n")
    time.sleep(0.2)
    assert listener.connections == 0


@pytest.mark.parametrize(("error", "code"), [
    (SettingsError("x"), EXIT_CANNOT_RUN),
    (SourcesNotFound("x"), EXIT_CANNOT_RUN),
    (StoreUnavailable("x"), EXIT_CANNOT_RUN),
    (RDFSyntaxError("x"), EXIT_INVALID),
    (AtlasError("x"), EXIT_CANNOT_RUN),
])
def test_an_error_no_command_handles_gets_its_exit_code_from_one_table(error, code):
    assert exit_code_for(error) == code
