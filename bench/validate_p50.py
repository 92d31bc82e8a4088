"""p50 of one `POST /validate` of a conforming annotation, in process (Flask's test client).

`python -m bench.validate_p50 [RUNS]`: a memory store with the shipped knowledge, the first
request (which starts the checker processes) reported apart, then the median and maximum of
the rest. Run it on two checkouts back to back to compare them; the machine's load moves it.
"""

from __future__ import annotations

import statistics
import sys
import time

from llm_atlas.config import Settings
from llm_atlas.web.app import create_app

from .validation import document


def main(runs: int = 31) -> None:
    """Print the first request's time, then p50 and max of the others, in milliseconds."""
    client = create_app(Settings(memory=True)).test_client()
    body = document("bench-p50", "bench-p50-paper", describe_paper=True).encode()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        reply = client.post("/validate", data=body, headers={"Content-Type": "text/turtle"})
        times.append(time.perf_counter() - started)
        assert reply.status_code == 200 and reply.get_json()["conforms"], reply.data
    rest = times[1:]
    print(f"first {times[0] * 1000:.0f} ms; then p50 {statistics.median(rest) * 1000:.0f} ms, "
          f"max {max(rest) * 1000:.0f} ms over {len(rest)} requests")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 31)
