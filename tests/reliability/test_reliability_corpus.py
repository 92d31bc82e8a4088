"""The hostile corpus against a real server: each request gets its 4xx or its right answer, in
bounded time; afterwards the engine has not crashed, the store is unchanged, and the server's
memory, open files and threads are back where they were (repeating the corpus does not grow
them)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from faults_kit import app_pid, engine_pid
from hostile_corpus import TOKEN, corpus, send
from live import Server, request
from submissions_kit import dump

pytestmark = pytest.mark.slow
CASES = corpus()


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("corpus"), "--memory", "--timeout", "10",
                     token=TOKEN)
    try:
        running.engine = engine_pid(running.proc.pid)
        running.before = dump(running)
        yield running
    finally:
        running.stop()


def usage(pid: int) -> dict[str, int]:
    """Resident memory (kB), open file descriptors and threads of a process."""
    status = dict(line.split(":", 1) for line in
                  Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {"rss_kb": int(status["VmRSS"].split()[0]),
            "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
            "threads": int(status["Threads"])}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_hostile_request_gets_its_4xx_or_its_right_answer(target, case, figures):
    answer = send(target.port, case, timeout=60)  # a hang fails here
    figures.sent(answer.status)
    case.check(answer)
    figures.checked("hostile requests answered right")


def test_after_the_corpus_nothing_crashed_changed_or_leaked(target, figures):
    server = target.proc.pid
    app = app_pid(server)
    health = json.loads(request(target.url + "/health").body)
    assert health["restarts"] == 0
    assert engine_pid(server) == target.engine, "the engine process was replaced"
    assert dump(target) == target.before
    start = {"server": usage(app), "engine": usage(target.engine)}
    rounds = 3
    for _ in range(rounds):
        for case in CASES:
            answer = send(target.port, case, timeout=60)
            figures.sent(answer.status)
            case.check(answer)
    end = {"server": usage(app), "engine": usage(target.engine)}
    figures.note(f"hostile corpus: {len(CASES)} requests x {rounds + 1}; server and engine "
                 f"before {start}, after {end}")
    for proc in ("server", "engine"):
        assert end[proc]["fds"] <= start[proc]["fds"] + 4, (proc, start, end)
        assert end[proc]["threads"] <= start[proc]["threads"] + 4, (proc, start, end)
        # the first round grew every cache and allocator arena; three more must not add much
        assert end[proc]["rss_kb"] <= start[proc]["rss_kb"] + 96 * 1024, (proc, start, end)
    assert json.loads(request(target.url + "/health").body)["restarts"] == 0
    assert dump(target) == target.before
    figures.checked("store dumps equal after the corpus", 2)
