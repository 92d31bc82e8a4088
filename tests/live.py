"""Real servers on loopback for tests: start `llm-atlas serve` on a free port, talk HTTP, stop."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def request(url: str, method: str = "GET", body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60) -> Reply:
    """One HTTP request to a loopback URL (refuses any other host)."""
    parts = urlsplit(url)
    assert parts.hostname == HOST, f"tests talk to {HOST} only, not {parts.hostname}"
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        conn.request(method, path or "/", body=body, headers=headers or {})
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


class Server:
    """`llm-atlas serve` in a child process, on a free loopback port."""

    def __init__(self, workdir: Path, *args: str, token: str | None = "test-token",
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.token = token
        self.backend, self.engine = "embedded", None  # what it serves from (tests/backends.py)
        self.log = workdir / f"server-{self.port}.log"
        cmd = [sys.executable, "-m", "llm_atlas", "serve", "--host", HOST,
               "--port", str(self.port), *args]
        if token:  # in a file, as the README advises (a --token would show in `ps`)
            token_file = workdir / f"token-{self.port}"
            token_file.write_text(token + "\n")
            token_file.chmod(0o600)
            cmd += ["--token-file", str(token_file)]
        self._log_file = open(self.log, "wb")
        self.proc = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()}")
            try:
                if request(self.url + "/health", timeout=5).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server did not become healthy: {self.log.read_text()}")

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and its engine (they share a process group)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log_file.close()


def live_processes() -> list[tuple[int, int, int]]:
    """(pid, parent pid, process group) of every process that still runs (not a zombie)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found.append((int(stat.parent.name), int(fields[1]), int(fields[2])))
    return found


def live_members(group: int) -> list[int]:
    """Processes of a process group that still run (zombies waiting to be reaped do not)."""
    return [pid for pid, _, pgrp in live_processes() if pgrp == group]


class Listener:
    """A TCP listener on loopback that counts every connection made to it (proof of no fetch)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{HOST}:{self.port}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            self._answer(conn)

    def _answer(self, conn: socket.socket) -> None:
        conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


class CountingListener(Listener):
    """A Listener that answers each connection with RDF, so a fetch that got through would
    bring back something a test can look for; its URL names a document."""

    BODY = b"<http://example.org/leak> <http://example.org/said> \"SECRET-FROM-LOOPBACK\" .\n"

    def __init__(self) -> None:
        super().__init__()
        self.url += "/data"

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(1)
            try:
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/n-triples\r\n"
                             b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
                             % (len(self.BODY), self.BODY))
            except OSError:
                pass


HEADER_KEYS = ("shape", "focus", "path", "severity", "message")


def fixture_header(path: Path) -> dict[str, str]:
    """The `# key: value` lines that open an invalid fixture: the one result it must produce."""
    header = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"# (\w+): (.*)$", line)
        if not match:
            break
        header[match.group(1)] = match.group(2).strip()
    missing = set(HEADER_KEYS) - set(header)
    assert not missing, f"{path.name}: header lacks {missing}"
    return {k: header[k] for k in HEADER_KEYS}
