"""`llm-atlas build` and `llm-atlas load` killed mid-way: the store opens, the data loaded before
is still there, and running the command again gives exactly what an uninterrupted run gives."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from faults_kit import children

pytestmark = pytest.mark.slow

KEPT = "urn:rel:bulk:kept"  # loaded before the killed runs: must survive them


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "llm_atlas", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(proc: subprocess.Popen) -> str:
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    return out


def contents(path: Path) -> tuple[dict[str, int], set[str]]:
    """Triples per graph, and every quad without a blank node, of a store on disk."""
    store = ox.Store.read_only(str(path))
    try:
        counts: dict[str, int] = {}
        plain = set()
        for quad in store:
            graph = str(quad.graph_name)
            counts[graph] = counts.get(graph, 0) + 1
            if not any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object)):
                plain.add(str(quad))
        return counts, plain
    finally:
        del store
        gc.collect()


def engine_started(proc: subprocess.Popen, timeout: float = 120) -> float:
    """Wait until the command has started its engine process; the moment it did."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if children(proc.pid):
            return time.monotonic()
        assert proc.poll() is None, proc.stdout.read()
        time.sleep(0.005)
    raise AssertionError("the command never started its engine")


def kill_after(proc: subprocess.Popen, seconds: float) -> bool:
    """SIGKILL the command and its engine after a delay; True if it was still running."""
    time.sleep(seconds)
    running = proc.poll() is None
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # it had finished and its group is gone
        pass
    proc.communicate()
    deadline = time.monotonic() + 10
    while children(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return running


def write_quads(path: Path, graphs: int, per_graph: int) -> int:
    with open(path, "w", encoding="utf-8") as out:
        for g in range(graphs):
            out.writelines(f'<urn:rel:s:{g}:{i}> <urn:rel:p:{i % 17}> "value {g} {i}" '
                           f"<urn:rel:bulk:g{g}> .\n" for i in range(per_graph))
    return graphs * per_graph


def test_a_build_killed_mid_way_reopens_and_builds_again(tmp_path, figures):
    reference = tmp_path / "reference"
    started = time.monotonic()
    finish(cli("build", "--data-dir", str(reference)))
    whole = time.monotonic() - started
    expected_counts, expected_plain = contents(reference)
    kept = tmp_path / "kept.nt"
    kept.write_text("<urn:rel:a> <urn:rel:b> <urn:rel:c> .\n<urn:rel:a> <urn:rel:b> \"d\" .\n",
                    encoding="utf-8")
    killed_while_running = 0
    for i, fraction in enumerate((0.25, 0.5, 0.8)):
        store = tmp_path / f"store-{i}"
        finish(cli("load", "--data-dir", str(store), "--graph", KEPT, str(kept)))
        build = cli("build", "--data-dir", str(store))
        killed_while_running += kill_after(build, fraction * whole)
        figures.fault("llm-atlas build SIGKILL")
        counts, _ = contents(store)  # the store opens after the kill
        assert counts.get(f"<{KEPT}>") == 2, counts
        finish(cli("build", "--data-dir", str(store)))
        counts, plain = contents(store)
        assert counts.pop(f"<{KEPT}>") == 2
        assert counts == expected_counts
        assert plain - {q for q in plain if KEPT in q} == expected_plain
        figures.checked("stores rebuilt equal to an uninterrupted build")
    assert killed_while_running >= 2, "the kills came too late to interrupt any build"


def test_a_bulk_load_killed_mid_way_reopens_and_loads_again(tmp_path, figures):
    data = tmp_path / "data.nq"
    total = write_quads(data, graphs=30, per_graph=4000)
    load = cli("load", "--data-dir", str(tmp_path / "timed"), str(data))
    started = engine_started(load)
    finish(load)
    loading = time.monotonic() - started
    expected = {f"<urn:rel:bulk:g{g}>": 4000 for g in range(30)}
    assert contents(tmp_path / "timed")[0] == expected

    partial, interrupted = [], 0
    for i, fraction in enumerate((0.2, 0.5)):
        store = tmp_path / f"store-{i}"
        kept = tmp_path / "kept.nt"
        kept.write_text("<urn:rel:a> <urn:rel:b> <urn:rel:c> .\n", encoding="utf-8")
        finish(cli("load", "--data-dir", str(store), "--graph", KEPT, str(kept)))
        load = cli("load", "--data-dir", str(store), str(data))
        engine_started(load)
        interrupted += kill_after(load, fraction * loading)
        figures.fault("llm-atlas load SIGKILL")
        counts, _ = contents(store)  # opens; holds what was loaded so far, and the kept graph
        assert counts.pop(f"<{KEPT}>") == 1
        partial.append(sum(counts.values()))
        assert all(expected[g] >= n for g, n in counts.items()), counts
        finish(cli("load", "--data-dir", str(store), str(data)))
        counts, _ = contents(store)
        assert counts.pop(f"<{KEPT}>") == 1
        assert counts == expected
        figures.checked("stores reloaded equal to an uninterrupted load")
    assert interrupted >= 1, "every load finished before its kill"
    figures.note(f"bulk load of {total} quads ({loading:.1f} s) killed at 20% and 50%: "
                 f"{partial} quads of the killed loads were in the store afterwards")
