"""Real SPARQL engines for the remote-store tests, each on free loopback ports in a temp folder."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from live import HOST, free_port, request

OXIGRAPH = Path(sys.executable).parent / "oxigraph"
VIRTUOSO = shutil.which("virtuoso-t")
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")


class Engine:
    """A SPARQL engine process: its query and update URLs, and how to stop and start it."""

    name = "engine"
    query_url = update_url = ""

    def _wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}")
            try:
                reply = request(self.query_url + "?" + urlencode({"query": "ASK {}"}),
                                headers={"Accept": "application/sparql-results+json"})
                if reply.status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    @property
    def store_args(self) -> list[str]:
        return ["--store", self.query_url, "--update-url", self.update_url]


class OxigraphServer(Engine):
    """`oxigraph serve` (PyPI `oxigraph`) with the union of named graphs as default graph."""

    name = "oxigraph"

    def __init__(self, location: Path):
        self.location, self.port = location, free_port()
        base = f"http://{HOST}:{self.port}"
        self.query_url, self.update_url = base + "/query", base + "/update"
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [str(OXIGRAPH), "serve", "--location", str(self.location), "--bind",
             f"{HOST}:{self.port}", "--union-default-graph"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self._wait()


class VirtuosoServer(Engine):
    """Virtuoso Open Source 7 (Debian `virtuoso-opensource`) with its own database folder.

    The anonymous SPARQL user is granted updates, as a private test instance may be.
    """

    name = "virtuoso"

    def __init__(self, folder: Path):
        self.folder = folder
        self.sql_port, self.http_port = free_port(), free_port()
        self.query_url = self.update_url = f"http://{HOST}:{self.http_port}/sparql"
        ini = VIRTUOSO_INI.read_text()
        ini = ini.replace("/var/lib/virtuoso-opensource-7/db/", f"{folder}/")
        ini = re.sub(r"(\[Parameters\][^\[]*?ServerPort\s*=\s*)\d+", rf"\g<1>{self.sql_port}",
                     ini, flags=re.S)
        # no silent cut of large results: our own row limit decides
        ini = re.sub(r"ResultSetMaxRows\s*=\s*\d+", "ResultSetMaxRows = 1000000", ini)
        ini = re.sub(r"(\[HTTPServer\][^\[]*?ServerPort\s*=\s*)\d+",
                     rf"\g<1>{HOST}:{self.http_port}", ini, flags=re.S)
        (folder / "virtuoso.ini").write_text(ini)
        self.start()
        grant = subprocess.run(
            ["isql-vt", str(self.sql_port), "dba", "dba",
             'exec=GRANT SPARQL_UPDATE TO "SPARQL";'], capture_output=True, text=True, timeout=60)
        assert grant.returncode == 0, grant.stdout + grant.stderr

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(self.folder / "virtuoso.ini")],
            cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self._wait()
