"""The one HTTP client every latency figure comes from: GET, JSON results, keep-alive.

Each system is asked over one persistent connection (reopened after a timeout or a close), so a
latency is the server's work plus one loopback round trip, the same for every system.
"""

from __future__ import annotations

import http.client
import statistics
import time
from dataclasses import dataclass

HOST = "127.0.0.1"
ACCEPT = {"Accept": "application/sparql-results+json"}


class CapExceeded(Exception):
    """A request did not finish within the per-request cap."""


class Failed(Exception):
    """A request got an error status or no answer at all."""


@dataclass
class Connection:
    """A keep-alive connection to one system on the loopback interface."""

    port: int
    cap_s: float

    def __post_init__(self) -> None:
        self._conn: http.client.HTTPConnection | None = None

    def get(self, target: str) -> tuple[float, bytes]:
        """Seconds taken and body of one GET; CapExceeded past the cap, Failed on non-200."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=self.cap_s)
            started = time.perf_counter()
            try:
                self._conn.request("GET", target, headers=ACCEPT)
                response = self._conn.getresponse()
                body = response.read()
            except TimeoutError as exc:
                self.close()
                raise CapExceeded(f"no answer within {self.cap_s:g} s") from exc
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                self.close()  # the server closed an idle keep-alive connection: one retry
                if attempt == 2:
                    raise Failed(f"connection lost: {exc}") from exc
                continue
            elapsed = time.perf_counter() - started
            if response.will_close:
                self.close()
            if response.status != 200:
                raise Failed(f"HTTP {response.status}: {body[:300]!r}")
            return elapsed, body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def wait_ready(port: int, target: str, timeout_s: float, alive=lambda: True) -> None:
    """Wait until a GET of `target` answers 200 (the system has loaded and listens)."""
    deadline = time.monotonic() + timeout_s
    probe = Connection(port, cap_s=max(5.0, min(60.0, timeout_s)))
    while time.monotonic() < deadline:
        if not alive():
            raise Failed("the system exited before answering")
        try:
            probe.get(target)
            probe.close()
            return
        except (OSError, Failed, CapExceeded):
            probe.close()
            time.sleep(0.1)
    raise CapExceeded(f"not ready within {timeout_s:g} s")


def percentiles(seconds: list[float]) -> dict:
    """p50 and p95 in milliseconds (nearest rank) and the number of runs."""
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
    return {"p50_ms": statistics.median(ordered) * 1000, "p95_ms": p95 * 1000,
            "runs": len(ordered)}
