"""The benchmark harness (bench/) at a tiny scale: every table made, ratios true, answers checked.

No timing is asserted here (figures live in bench/RESULTS.md from a run on a quiet machine);
these tests check that a run produces every table, that each figure in RESULTS.md is the one in
results.json, that every ratio is the quotient of the figures beside it, and that the answer
check catches a system that answers differently.
"""

from __future__ import annotations

import functools
import json
import math
import re
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bench import answers, compare, synth, systems, targets, throughput, workload
from bench.client import Connection, Failed
from bench.runner import Options, Run
from bench.tables import num, rat

from live import Listener

REPO = Path(__file__).resolve().parents[1]
# ours and one system of each kind the harness drives: one with a load step (Oxigraph's server)
# and one that starts on the data file without one (the Flask floor, whose answers are not
# compared); the rdflib peers are started on their own below (all of them took 3-7 minutes)
SYSTEM_NAMES = ["ours", "oxigraph", "flask-floor"]
# the client the lead's run uses when it is installed; the Python client otherwise
CLIENT = "wrk" if shutil.which("wrk") else "python"

pytestmark = pytest.mark.slow


@functools.cache
def scales() -> tuple[str, str]:
    """Two scales just above the shipped knowledge (a scale below it adds nothing to it, so
    two such scales would be the same data and have no growth between them)."""
    shipped = sum(chunk.count("\n") for chunk, _ in synth.shipped_quads())
    first = shipped // 1000 + 2
    return f"{first}k", f"{first + 4}k"


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> tuple[dict, str]:
    """One tiny run of `python -m bench` into a temporary folder (never over bench/)."""
    out = tmp_path_factory.mktemp("bench-out")
    cmd = [sys.executable, "-m", "bench", "--quick", "--scales", ",".join(scales()), "--runs", "3",
           "--systems", ",".join(SYSTEM_NAMES), "--concurrency", "1,4", "--validation-runs", "2",
           "--client", CLIENT, "--out", str(out)]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "results.json").read_text()), (out / "RESULTS.md").read_text()


def sections(markdown: str) -> dict[str, list[list[str]]]:
    """Every table of RESULTS.md under its nearest heading, as rows of cells (header first)."""
    found: dict[str, list[list[str]]] = {}
    heading = None
    for line in markdown.splitlines():
        if line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("|") and not re.fullmatch(r"\|(-+:?\|)+", line):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            found.setdefault(heading, []).append(cells)
    return found


def test_a_run_writes_every_table(run):
    results, text = run
    tables = sections(text)
    expected = ["Systems and commands", "Targets", "Load time (s)",
                "Time from nothing to the first answer (s): load plus start",
                "Peak RSS while loading (MiB; the loading process tree)",
                "Peak RSS while serving (MiB; the server's process tree)", "p50 (ms)",
                "p95 (ms)", "Throughput (requests answered 200 per second)", "The load client",
                "Growth: the exponent between scales (log-log slope)",
                "Validation of one annotation against the store (ours)"]
    assert [h for h in expected if h not in tables] == []
    for heading, rows in tables.items():
        assert len(rows) > 1, f"{heading}: a header and no rows"
        assert {len(r) for r in rows} == {len(rows[0])}, f"{heading}: ragged rows"
    assert list(results["scales"]) == list(scales())
    assert set(results["systems"]) == set(SYSTEM_NAMES)
    queries = [q.name for q in workload.questions()]
    named = sorted(path.stem for path in (Path(__file__).parents[1] / "queries").glob("*.rq"))
    assert queries == list(workload.PROBES) + [q for q in queries if q in named]
    assert sorted(queries[len(workload.PROBES):]) == named  # every named question is measured
    p50 = tables["p50 (ms)"]
    assert [(r[0], r[1]) for r in p50[1:]] == [(s, q) for s in scales() for q in queries]


def _quotient_bounds(top: str, bottom: str) -> tuple[float, float]:
    """The range a / b can take for figures shown as `top` and `bottom` after rounding."""
    def bounds(text: str) -> tuple[float, float]:
        half = 0.5 * 10 ** -len(text.partition(".")[2])
        return float(text) - half, float(text) + half

    (a_low, a_high), (b_low, b_high) = bounds(top), bounds(bottom)
    return a_low / b_high, a_high / b_low


def _check_row(row: list[str], header: list[str], values: dict[str, float | None],
               labels: dict[str, str], where: str) -> None:
    """Each system's cell shows its figure; each ratio is ours / peer of those figures."""
    for system, value in values.items():
        column = next(i for i, h in enumerate(header) if h.startswith(labels[system]))
        if value is not None:
            assert row[column] == num(value), where
    for peer, value in values.items():
        if peer == "ours":
            continue
        column = header.index(f"ours / {labels[peer]}")
        ours = values["ours"]
        expected = rat(ours / value) if ours is not None and value else "–"
        assert row[column] == expected, (where, peer)
        if expected != "–":  # and the shown figures divide to the shown ratio, to rounding
            low, high = _quotient_bounds(num(ours), num(value))
            assert low - 0.005 <= float(row[column]) <= high + 0.005, (where, peer)


def _kept(cell: dict | None, key: str) -> float | None:
    return None if not cell or cell.get("answer") == "differs" else cell.get(key)


def test_every_figure_and_ratio_in_the_tables_comes_from_results_json(run):
    results, text = run
    tables = sections(text)
    labels = {k: v["label"] for k, v in results["systems"].items()}
    scales = results["scales"]
    load = tables["Load time (s)"]
    for row in load[1:]:
        r = scales[row[0]]["systems"]
        _check_row(row, load[0], {s: r[s].get("load_s") for s in SYSTEM_NAMES}, labels, row[0])
    for heading, key in (("p50 (ms)", "p50_ms"), ("p95 (ms)", "p95_ms")):
        for row in tables[heading][1:]:
            r = scales[row[0]]["systems"]
            values = {s: _kept(r[s]["latency"][row[1]], key) for s in SYSTEM_NAMES}
            _check_row(row, tables[heading][0], values, labels, f"{heading} {row[:2]}")
    rows = tables["Throughput (requests answered 200 per second)"]
    # scales x (lookup, aggregate) x (repeated, unique) x (1, 4) clients
    assert len(rows) == 1 + 2 * 2 * 2 * 2
    judged = set()
    for row in rows[1:]:
        r = scales[row[0]]["systems"]
        key = f"{row[1]}@{row[2]}"
        values = {s: _kept(r[s]["throughput"][key], "rps") for s in SYSTEM_NAMES}
        _check_row(row, rows[0], values, labels, key)
        for peer, query, least in targets.THROUGHPUT_TARGETS:
            if query != row[1] or peer not in SYSTEM_NAMES:
                continue
            ratio = values["ours"] / values[peer] if values["ours"] and values[peer] else None
            verdict = "–" if ratio is None else "met" if ratio >= least else "not met"
            assert f">= {least:g}x {labels[peer]}: {verdict}" in row[-1]
            judged.add((peer, query))
    # every target whose peer ran is judged somewhere: Oxigraph's three and the floor's two
    assert judged == {(p, q) for p, q, _ in targets.THROUGHPUT_TARGETS if p in SYSTEM_NAMES}
    assert len(judged) == 5


def test_growth_exponents_are_the_log_log_slopes_of_the_figures(run):
    results, text = run
    rows = sections(text)["Growth: the exponent between scales (log-log slope)"]
    (n1, left), (n2, right) = [(s["quads"], s["systems"]) for s in results["scales"].values()]
    labels = {v["label"]: k for k, v in results["systems"].items()}
    header = rows[0]
    checked = 0
    for row in rows[1:]:
        cost = row[0]
        assert row[1] == " → ".join(scales())
        shown = {}
        for label, system in labels.items():
            if cost == "load (s)":
                c1, c2 = left[system]["load_s"], right[system]["load_s"]
            elif cost.startswith("p50 "):
                c1 = _kept(left[system]["latency"][cost[4:]], "p50_ms")
                c2 = _kept(right[system]["latency"][cost[4:]], "p50_ms")
            else:
                break
            shown[system] = math.log(c2 / c1) / math.log(n2 / n1) if c1 and c2 else None
            assert row[header.index(label)] == rat(shown[system]), (system, cost)
            checked += 1
        for label, system in labels.items():
            if shown and system != "ours":
                ours, peer = shown["ours"], shown[system]
                expected = rat(ours - peer) if ours is not None and peer is not None else "–"
                assert row[header.index(f"ours − {label}")] == expected, (system, cost)
    # load time, then the p50 of every question (the probes and each named question)
    assert checked == len(SYSTEM_NAMES) * (1 + len(workload.questions()))


def test_differences_are_listed_for_exactly_the_cells_marked_differs(run):
    results, text = run
    for scale, r in results["scales"].items():
        marked = {(name, q) for name, s in r["systems"].items()
                  for q, cell in s["latency"].items() if cell.get("answer") == "differs"}
        listed = {(name, q) for q, report in r["differences"].items()
                  for name in report["differs"] if not q.startswith("lookup-pool-")}
        assert marked == listed, scale
        for _name, query in marked:
            assert f"- {scale}, `{query}`" in text


def _two_systems(tmp_path: Path, drop: str | None) -> tuple[dict, dict]:
    """Oxigraph's server on the generated data and the Flask peer on the same data, or on a
    copy without the quads that contain `drop`; compared as a run compares them."""
    gen = synth.write_dataset(tmp_path / "data.nq", synth.parse_scale(scales()[0]))
    other = gen
    if drop:
        lines = gen.path.read_text().splitlines(keepends=True)
        kept = [line for line in lines if drop not in line]
        assert len(kept) < len(lines)
        (tmp_path / "other.nq").write_text("".join(kept))
        other = synth.Generated(tmp_path / "other.nq", len(kept), gen.subjects)
    opts = Options(runs=1, min_runs=1, query_budget_s=1, cap_s=60, budget_s=300,
                   concurrency=(), validation_runs=0)
    found = {"oxigraph": Run(systems.SYSTEMS["oxigraph"], gen, "t", tmp_path, opts, {}).measure(),
             "flask-rdflib": Run(systems.SYSTEMS["flask-rdflib"], other, "t", tmp_path, opts,
                                 {}).measure()}
    return compare.compare_scale(tmp_path / "answers", found), found


def test_the_answer_check_catches_a_system_that_answers_differently(tmp_path):
    # the peer lacks every statement about the first synthetic annotation
    differences, found = _two_systems(tmp_path, "annotation/synthetic-0>")
    assert "aggregate" in differences and "join" in differences
    assert differences["aggregate"]["reference"] == "oxigraph"
    assert differences["aggregate"]["differs"] == ["flask-rdflib"]
    peer = found["flask-rdflib"]["latency"]
    assert peer["aggregate"]["answer"] == "differs"
    assert found["oxigraph"]["latency"]["aggregate"]["answer"] == "agrees"
    assert peer["phases-in-order"]["answer"] == "agrees"  # untouched by the dropped quads
    groups = {tuple(g["systems"]): g for g in differences["aggregate"]["groups"]}
    assert groups[("flask-rdflib",)]["missing"] and groups[("flask-rdflib",)]["extra"]


def test_answers_compare_rows_as_multisets_by_value_with_blank_nodes_aside():
    def body(*rows) -> bytes:
        return json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": list(rows)}}).encode()

    plain = {"x": {"type": "literal", "value": "a"}}
    typed = {"x": {"type": "literal", "value": "a",
                   "datatype": "http://www.w3.org/2001/XMLSchema#string"}}
    other = {"x": {"type": "literal", "value": "b"}}
    assert answers.agree(body(plain, other), body(other, typed))  # order, xsd:string
    assert not answers.agree(body(plain, plain), body(plain))  # a multiset: counts matter
    assert not answers.agree(body(plain), body(other))
    assert answers.agree(body({"x": {"type": "bnode", "value": "b0"}}),
                         body({"x": {"type": "bnode", "value": "zz"}}))
    lang = {"x": {"type": "literal", "value": "a", "xml:lang": "EN"}}
    assert answers.agree(body(lang), body({"x": {"type": "literal", "value": "a",
                                                  "xml:lang": "en"}}))
    assert not answers.agree(body(lang), body(plain))
    with pytest.raises(answers.AnswerError):
        answers.rows(b"<html>not json</html>")


def test_no_benchmark_query_names_a_remote_resource():
    for q in workload.questions():
        assert workload.checked(q.text) == q.text
    for text in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                 "SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }"):
        with pytest.raises(Exception, match="SERVICE|FROM"):
            workload.checked(text)


def test_the_rdflib_peers_never_connect_anywhere(tmp_path):
    gen = synth.write_dataset(tmp_path / "data.nq", None)
    listener = Listener()
    limits = systems.Limits(cap_s=30, memory_bytes=4 * 2**30)
    values = {"DATA": str(gen.path), "STORE": str(tmp_path / "store")}
    try:
        for name in ("flask-rdflib", "rdflib-endpoint"):
            server = systems.start(systems.SYSTEMS[name], values, limits, 120, tmp_path / "log")
            conn = Connection(server.port, 30)
            try:
                text = f"SELECT * WHERE {{ SERVICE <{listener.url}/sparql> {{ ?s ?p ?o }} }}"
                with pytest.raises(Failed, match=r"HTTP (4\d\d|500)"):
                    conn.get(workload.request_targets("/sparql", [text])[0])
            finally:
                conn.close()
                server.stop()
        assert listener.connections == 0
    finally:
        listener.close()


class _Recorder(ThreadingHTTPServer):
    """An HTTP server on loopback that answers 200 and keeps every request target it gets."""

    def __init__(self):
        self.targets: list[str] = []

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(handler):  # noqa: N805 -- the handler's own self
                self.targets.append(handler.path)
                handler.send_response(200)
                handler.send_header("Content-Length", "2")
                handler.end_headers()
                handler.wfile.write(b"{}")

            def log_message(handler, *args):  # noqa: N805
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.mark.parametrize("client", ["python", "wrk"])
def test_a_unique_run_never_sends_the_same_query_twice_and_a_repeated_one_does(client, tmp_path):
    if client == "wrk" and shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (CI installs it: .ci/run)")
    pool = workload.request_targets("/sparql", workload.lookup_texts(
        [f"https://w3id.org/llm-atlas/resource/x{i}" for i in range(3)]))
    for unique in (False, True):
        server = _Recorder()
        try:
            figures = throughput.run(client, server.server_address[1], pool, 2, 1.0, 10.0,
                                     tmp_path, unique=unique)
        finally:
            server.shutdown()
            server.server_close()
        sent = server.targets
        assert figures["ok"] > len(pool) and len(sent) >= figures["ok"]
        texts = [parse_qs(urlsplit(t).query)["query"][0] for t in sent]
        if unique:
            assert len(set(texts)) == len(texts)
            # each is a pool text plus a comment line of its own: the same query to an engine
            assert {t.rsplit("\n#", 1)[0] for t in texts} <= {
                parse_qs(urlsplit(t).query)["query"][0] for t in pool}
        else:
            assert set(texts) <= {parse_qs(urlsplit(t).query)["query"][0] for t in pool}


def test_every_throughput_row_has_its_unique_twin_and_the_floor_is_not_compared(run):
    results, text = run
    for r in results["scales"].values():
        keys = set(r["systems"]["ours"]["throughput"])
        repeated = {k for k in keys if workload.UNIQUE not in k}
        assert repeated and keys == repeated | {
            k.replace("@", workload.UNIQUE + "@") for k in repeated}
        floor = r["systems"]["flask-floor"]
        assert all("answer" not in cell for cell in floor["latency"].values())
    tables = sections(text)
    header = tables["Throughput (requests answered 200 per second)"][0]
    assert "ours / Flask floor" in header


def test_memory_is_shown_per_process_as_sampled(run):
    results, text = run
    rows = sections(text)["Peak RSS of each process while serving (MiB; its own high-water mark)"]
    assert rows[0] == ["scale", "system", "process", "peak RSS (MiB)"]
    shown = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    for scale, r in results["scales"].items():
        peaks = {name: mib for run in r["systems"]["ours"]["serve_memory"]
                 for name, mib in run["process_peaks_mib"]}
        assert "llm_atlas.store.embedded.serve" in peaks  # the engine process is counted
        assert "llm-atlas serve" in peaks  # and the server
        for name, mib in peaks.items():
            assert float(shown[(scale, "llm-atlas (ours)", name)]) >= mib - 0.05
