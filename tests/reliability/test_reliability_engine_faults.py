"""Faults under a running server: the engine process killed while reads and writes are in
flight, the whole server killed during writes, the disk filling up during a submission.

After each: reads were answered right, nothing acknowledged is lost, nothing half-written is
there, and the store reopens (the server is restarted on the same data directory and the
same checks hold again).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import pytest

from faults_kit import WriteLog, ask, engine_pid
from live import Server, request
from submissions_kit import PROVENANCE_TRIPLES, TURTLE, solution_annotation, turtle_graph

pytestmark = pytest.mark.slow

MECHANISMS = ("SELECT ?m WHERE { ?m a <https://w3id.org/llm-atlas/ontology/Mechanism> } "
              "ORDER BY ?m")


def mechanisms(url: str) -> tuple[int, list[str] | None]:
    try:
        reply = ask(url, MECHANISMS)
    except OSError:
        return 0, None
    if reply.status != 200:
        return reply.status, None
    return 200, [b["m"]["value"] for b in json.loads(reply.body)["results"]["bindings"]]


def health(url: str) -> dict:
    return json.loads(request(url + "/health", timeout=30).body)


def wait_healthy(url: str, restarts: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = health(url)
            if state.get("status") == "ok" and state.get("restarts", 0) >= restarts:
                return
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"the service did not recover: {health(url)}")


def test_killing_the_engine_under_reads_and_writes_loses_nothing(tmp_path, figures):
    data_dir = str(tmp_path / "store")
    server = Server(tmp_path, "--data-dir", data_dir)
    log = WriteLog("urn:rel:engine-kill:")
    expected = mechanisms(server.url)[1]
    assert expected and len(expected) == 6
    stop = threading.Event()
    read_statuses: dict[int, int] = {}
    wrong: list = []
    lock = threading.Lock()

    def reader() -> None:
        while not stop.is_set():
            status, rows = mechanisms(server.url)
            with lock:
                read_statuses[status] = read_statuses.get(status, 0) + 1
                if status == 200 and rows != expected:
                    wrong.append(rows)

    def writer(n: int) -> None:
        i = 0
        while not stop.is_set():
            log.write(server, f"{n}-{i}", 20 + i % 7, "update" if i % 2 else "put")
            i += 1

    threads = [threading.Thread(target=reader) for _ in range(6)]
    threads += [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    try:
        for thread in threads:
            thread.start()
        kills = 3
        for k in range(kills):
            time.sleep(1.5)
            os.kill(engine_pid(server.proc.pid), signal.SIGKILL)
            figures.fault("engine SIGKILL under reads and writes")
            wait_healthy(server.url, k + 1)
        time.sleep(1.0)  # the service goes on after the last restart
        stop.set()
        for thread in threads:
            thread.join()
        for status, count in [*read_statuses.items(), *log.statuses.items()]:
            figures.sent(status, count, under_fault=True)
        # reads lost their engine and were retried by the server: all answered, all right
        assert wrong == []
        assert set(read_statuses) == {200}, read_statuses
        # a write whose engine died under it is not acknowledged (503), never a 500
        assert set(log.statuses) <= {201, 204, 503}, log.statuses
        assert health(server.url)["restarts"] == kills
        kept, unacknowledged = log.check(server.url)
        assert kept > 20
        assert log.write(server, "after", 3, "update") == 204
        server.stop()
        restarted = Server(tmp_path, "--data-dir", data_dir)
        try:
            assert log.check(restarted.url)[0] == kept + 1
            assert mechanisms(restarted.url) == (200, expected)
        finally:
            restarted.stop()
        figures.checked("reads answered right while the engine was killed",
                        read_statuses.get(200, 0))
        figures.checked("acknowledged writes found after engine kills", 2 * (kept + 1))
        figures.note(f"engine kills: {kills}, reads {read_statuses}, writes {log.statuses}, "
                     f"{unacknowledged} unacknowledged writes stored whole")
    finally:
        stop.set()
        server.stop()


def test_killing_the_server_during_writes_loses_nothing_acknowledged(tmp_path, figures):
    """SIGKILL of the server and its engine together, twice, during updates, PUTs and
    submissions; after each restart every acknowledged write is there, whole."""
    data_dir = str(tmp_path / "store")
    log = WriteLog("urn:rel:server-kill:")
    submitted: dict[str, bool] = {}  # slug -> acknowledged
    for round_ in range(2):
        server = Server(tmp_path, "--data-dir", data_dir)
        stop = threading.Event()

        def writer(n: int, server=server, stop=stop, round_=round_) -> None:
            i = 0
            while not stop.is_set():
                log.write(server, f"{round_}-{n}-{i}", 10 + i % 5, "update" if i % 2 else "put")
                i += 1

        def submitter(n: int, server=server, stop=stop, round_=round_) -> None:
            i = 0
            while not stop.is_set():
                slug = f"rel-kill-{round_}-{n}-{i}"
                i += 1
                submitted[slug] = False
                try:
                    reply = request(server.url + "/annotations", "POST",
                                    solution_annotation(slug).encode(),
                                    {**TURTLE, **server.auth}, timeout=300)
                except OSError:
                    return
                submitted[slug] = reply.status == 201
                figures.sent(reply.status, under_fault=True)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        threads += [threading.Thread(target=submitter, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 120
        while (len(log.acknowledged) < 30 * (round_ + 1) or sum(submitted.values()) < 2 * (
                round_ + 1)) and time.monotonic() < deadline:
            time.sleep(0.05)
        os.killpg(server.proc.pid, signal.SIGKILL)
        figures.fault("server and engine SIGKILL during writes")
        stop.set()
        for thread in threads:
            thread.join()
        server.stop()
    for status, count in log.statuses.items():
        figures.sent(status, count, under_fault=True)
    assert set(log.statuses) <= {0, 201, 204}, log.statuses

    restarted = Server(tmp_path, "--data-dir", data_dir)
    try:
        kept, _ = log.check(restarted.url)
        assert kept >= 60
        acknowledged = [slug for slug, ok in submitted.items() if ok]
        assert len(acknowledged) >= 4
        for slug, ok in submitted.items():
            reply = request(restarted.url + f"/annotations/{slug}",
                            headers={"Accept": "text/turtle"})
            if ok:
                assert reply.status == 200, slug
            if reply.status == 200:  # acknowledged, or in flight and committed: whole
                sent = turtle_graph(solution_annotation(slug))
                mine = [t for t in sent if str(t[0]).endswith("/annotation/" + slug)]
                assert len(turtle_graph(reply.body)) == len(mine) + PROVENANCE_TRIPLES
            else:
                assert reply.status == 404, (slug, reply.status)
        assert json.loads(request(restarted.url + "/health").body)["status"] == "ok"
        figures.checked("acknowledged writes found after server kills", kept)
        figures.checked("acknowledged submissions found after server kills", len(acknowledged))
    finally:
        restarted.stop()


# -- a full disk -------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB tmpfs: a disk the test can fill."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill (needs root): {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(path) -> int:
    """Write a file until the disk is full; the bytes written."""
    written = 0
    with open(path, "wb", buffering=0) as out:
        block = b"\0" * (1 << 20)
        try:
            while True:
                written += out.write(block)
        except OSError:
            pass
        try:
            while True:
                written += out.write(b"\0" * 4096)
        except OSError:
            pass
    return written


def error_message(reply) -> str:
    assert reply.content_type == "application/json", reply.body
    return json.loads(reply.body)["error"]["message"]


def test_a_full_disk_refuses_writes_with_507_and_loses_nothing(tmp_path, small_disk, figures):
    data_dir = str(small_disk / "store")
    server = Server(tmp_path, "--data-dir", data_dir)
    try:
        acknowledged = []
        for i in range(3):
            slug = f"rel-disk-before-{i}"
            reply = request(server.url + "/annotations", "POST",
                            solution_annotation(slug).encode(), {**TURTLE, **server.auth},
                            timeout=300)
            assert reply.status == 201, reply.body
            acknowledged.append(slug)
        log = WriteLog("urn:rel:disk:")
        assert log.write(server, "before", 5, "update") == 204
        fill(small_disk / "filler")
        figures.fault("disk full during writes")
        refused = request(server.url + "/annotations", "POST",
                          solution_annotation("rel-disk-full").encode(),
                          {**TURTLE, **server.auth}, timeout=300)
        assert refused.status == 507, refused.body
        assert "no space left" in error_message(refused)
        assert log.write(server, "full-update", 5, "update") == 507
        assert log.write(server, "full-put", 5, "put") == 507
        assert mechanisms(server.url)[0] == 200  # reads go on
        for status in (507, 507, 507):
            figures.sent(status, under_fault=True)
        figures.sent(201, 3)
        figures.sent(204)
        (small_disk / "filler").unlink()
        # space freed: the engine reopens the store and writes are accepted again
        reply = request(server.url + "/annotations", "POST",
                        solution_annotation("rel-disk-after").encode(),
                        {**TURTLE, **server.auth}, timeout=300)
        assert reply.status == 201, reply.body
        acknowledged.append("rel-disk-after")
        assert log.write(server, "after", 5, "put") == 201
        figures.sent(201, 2)
        server.stop()
        server = Server(tmp_path, "--data-dir", data_dir)
        assert log.check(server.url) == (2, 0)
        for slug in acknowledged:
            assert request(server.url + f"/annotations/{slug}").status == 200, slug
        reply = request(server.url + "/annotations/rel-disk-full")
        assert reply.status == 404
        figures.checked("acknowledged writes found after a full disk", len(acknowledged) + 2)
    finally:
        server.stop()
