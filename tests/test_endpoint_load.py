"""16 concurrent clients mixing queries for 20 s: no 5xx and no wrong answer."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from live import request
from test_sparql_clients import PROLOGUE, SELECTS, canonical, expected_rows, parse_json

CLIENTS = 16
SECONDS = 20
ASKS = {f"ASK {{ atlas:{m} atlas:addresses atlas:MoralHazard }}": v
        for m, v in [("RLHF", True), ("GuardModel", True), ("ModelCard", False)]}


def test_sixteen_clients_for_twenty_seconds_get_only_right_answers(server, knowledge):
    selects = {name: canonical(expected_rows(knowledge, q)) for name, q in SELECTS.items()}
    work = [("select", n) for n in selects] + [("ask", q) for q in ASKS]

    def client(index: int) -> dict:
        counts = {"requests": 0, "server_errors": 0, "wrong": 0, "other": 0}
        deadline = time.monotonic() + SECONDS
        i = index
        while time.monotonic() < deadline:
            kind, key = work[i % len(work)]
            i += 1
            query = PROLOGUE + (SELECTS[key] if kind == "select" else key)
            reply = request(f"{server.url}/sparql?{urlencode({'query': query})}",
                            headers={"Accept": "application/sparql-results+json"})
            counts["requests"] += 1
            if reply.status >= 500:
                counts["server_errors"] += 1
            elif reply.status != 200:
                counts["other"] += 1
            elif kind == "select" and canonical(parse_json(reply.body)) != selects[key]:
                counts["wrong"] += 1
            elif kind == "ask" and json.loads(reply.body)["boolean"] is not ASKS[key]:
                counts["wrong"] += 1
        return counts

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(client, range(CLIENTS)))
    total = {k: sum(r[k] for r in results) for k in results[0]}
    print(f"\nload: {total['requests']} requests from {CLIENTS} clients in {SECONDS} s, "
          f"{total['server_errors']} 5xx, {total['wrong']} wrong, {total['other']} other")
    assert total["requests"] > CLIENTS * 10
    assert total == {**total, "server_errors": 0, "wrong": 0, "other": 0}
