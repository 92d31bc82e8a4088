"""Answers kept for one version of the store: a repeated query is answered without the engine.

The store owns a version number that every write and every engine restart moves on; an answer is
kept under the version it was computed at and is only ever given back while that version is
current, so an answer from before a write is never served after it. Queries whose answer may
change from one evaluation to the next (RAND, NOW, UUID, STRUUID, BNODE) are never kept, nor is
anything but a whole answer. The cache is bounded in bytes and drops the least recently used
answers first.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

# Conservative on purpose: the word anywhere (in a string, an IRI, a comment) means "not kept";
# a false match only costs one evaluation.
_VOLATILE = re.compile(r"(?i)\b(?:RAND|NOW|UUID|STRUUID|BNODE)\b")
# one answer may take at most this share of the whole budget
_LARGEST_SHARE = 8


def volatile(text: str) -> bool:
    """Whether a query may answer differently each time it is evaluated on the same data."""
    return _VOLATILE.search(text) is not None


class ResultCache:
    """Whole answers by key, each valid for the store version it was computed at."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        # (answer, size) of the current version only: bump() empties it, put() refuses the past
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._version = 0
        self.hits = self.misses = self.skipped = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    @property
    def version(self) -> int:
        return self._version

    def bump(self) -> None:
        """The store changed (a write, a restart): everything kept so far is out of date."""
        with self._lock:
            self._version += 1
            self._entries.clear()
            self._bytes = 0

    def get(self, key: Hashable) -> object | None:
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Hashable, version: int, value: object, size: int) -> None:
        """Keep an answer computed while `version` was current (no longer current: dropped)."""
        if not self.enabled:
            return
        with self._lock:
            if version != self._version or size > self.max_bytes // _LARGEST_SHARE:
                self.skipped += 1
                return
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped

    def answer(self, key: Hashable, text: str, evaluate: Callable[[], tuple[str, bytes]]
               ) -> tuple[str, bytes]:
        """The kept answer to a query, or `evaluate()`'s, kept when it may be."""
        if not self.enabled or volatile(text):
            return evaluate()
        kept = self.get(key)
        if kept is not None:
            return kept  # type: ignore[return-value]
        version = self._version  # before evaluating: a write meanwhile makes the answer stale
        answer = evaluate()
        self.put(key, version, answer, len(answer[1]) + len(text))
        return answer

    def stats(self) -> dict:
        with self._lock:
            return {"enabled": self.enabled, "version": self._version, "hits": self.hits,
                    "misses": self.misses, "not_kept": self.skipped,
                    "entries": len(self._entries), "bytes": self._bytes,
                    "max_bytes": self.max_bytes}
