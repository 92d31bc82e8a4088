"""The HTTP server under the app (Granian): early refusals are readable, startup and shutdown."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

from live import HOST, Server, free_port, live_members


def _send_slowly(url_port: int, head: bytes, body: bytes, chunk: int = 65536) -> bytes:
    """Send a request in chunks (as a client on a slow link would), then read the answer.

    The client keeps its side open: one that half-closes gets no answer (see README), and
    once the body is read whole before the app answers, racing that close loses often.
    """
    with socket.create_connection((HOST, url_port), timeout=60) as sock:
        sock.sendall(head)
        for start in range(0, len(body), chunk):
            sock.sendall(body[start:start + chunk])
            time.sleep(0.001)
        answer = b""
        while data := sock.recv(65536):
            answer += data
    return answer


def _status_and_json(answer: bytes) -> tuple[int, dict]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def _post_head(path: str, length: int, content_type: str, extra: str = "") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {length}\r\nAccept: application/json\r\n{extra}"
            "Connection: close\r\n\r\n").encode()


def test_a_body_over_the_limit_gets_a_413_the_client_can_read(server):
    body = b"#" * 1_500_000  # over the 1 MB submission limit, sent in 64 KiB pieces
    answer = _send_slowly(server.port, _post_head("/validate", len(body), "text/turtle"), body)
    status, error = _status_and_json(answer)
    assert status == 413
    assert error["error"]["status"] == 413
    assert "limit" in error["error"]["message"]


def test_a_large_write_without_a_token_gets_a_401_the_client_can_read(server):
    body = b"# padding\n" * 50_000
    answer = _send_slowly(server.port, _post_head("/annotations", len(body), "text/turtle"),
                          body)
    status, error = _status_and_json(answer)
    assert status == 401
    assert "Authorization: Bearer" in error["error"]["message"]


def test_serve_exits_2_with_a_clear_line_when_the_store_is_in_use(tmp_path):
    data_dir = str(tmp_path / "store")
    first = Server(tmp_path, "--data-dir", data_dir)
    try:
        second = subprocess.run(
            [sys.executable, "-m", "llm_atlas", "serve", "--data-dir", data_dir, "--host", HOST,
             "--port", str(free_port())], capture_output=True, text=True, timeout=120)
    finally:
        first.stop()
    assert second.returncode == 2
    assert "error: " in second.stderr
    assert "another process (a running server or build) is using it" in second.stderr


def test_a_killed_server_takes_its_worker_and_engine_with_it(tmp_path):
    running = Server(tmp_path, "--memory")
    group = os.getpgid(running.proc.pid)
    os.kill(running.proc.pid, signal.SIGKILL)  # the process we started, not its group
    running.proc.wait()
    deadline = time.monotonic() + 30
    while live_members(group) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_members(group) == []
    running.stop()

