"""Settings: defaults, then environment variables LLM_ATLAS_*, then command-line flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from .namespaces import BASE_IRI


def default_data_dir() -> Path:
    """A per-user data folder ($XDG_DATA_HOME/llm-atlas/store, ~/.local/share/... by default)."""
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "llm-atlas" / "store"


@dataclass(frozen=True)
class Settings:
    """Everything the service can be told; see README for each one's meaning."""

    data_dir: Path = field(default_factory=default_data_dir)
    memory: bool = False  # a throwaway store in a temporary folder, removed on exit
    sources: str | None = None  # another copy of the knowledge to build from
    host: str = "127.0.0.1"
    port: int = 8000
    threads: int = 16
    base_iri: str = BASE_IRI
    token: str | None = None  # writes are enabled only when a token is set
    timeout: float = 30.0  # seconds a query may run
    max_rows: int = 100_000
    max_concurrent_queries: int = 8
    queue_wait: float = 10.0  # seconds a query may wait for a free slot before 503
    max_query_bytes: int = 1_000_000
    max_upload_bytes: int = 16_000_000
    max_submission_bytes: int = 1_000_000  # a document sent to /validate or /annotations
    checkers: int = 2  # checker processes that parse, validate and reason over documents
    checker_queue: int = 8  # requests that may wait for a checker before 503
    check_timeout: float = 20.0  # seconds one checking step may take (422 beyond)
    body_timeout: float = 10.0  # seconds a request body may take, plus its size / body_min_rate
    body_min_rate: int = 32_768  # bytes per second a body must at least arrive at
    max_body_reads: int = 8  # bodies read at once (at most threads - 1)
    max_body_reads_per_client: int = 4  # of which from one client address
    token_holder: str | None = None  # IRI recorded as the writer (default res:agent/token-holder)
    store: str | None = None  # a remote SPARQL query endpoint instead of the embedded store
    update_url: str | None = None  # its update endpoint, when not the same URL
    store_auth: str | None = None  # "basic:USER:PASSWORD" or "bearer:TOKEN" for the engine

    def with_overrides(self, **values) -> Settings:
        """A copy with the given (non-None) values replaced."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})


_CASTS = {"data_dir": Path, "memory": lambda v: v.lower() in ("1", "true", "yes", "on"),
          "port": int, "threads": int, "timeout": float, "max_rows": int,
          "max_concurrent_queries": int, "queue_wait": float, "max_query_bytes": int,
          "max_upload_bytes": int, "max_submission_bytes": int, "checkers": int,
          "checker_queue": int, "check_timeout": float, "body_timeout": float,
          "body_min_rate": int, "max_body_reads": int, "max_body_reads_per_client": int}


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Defaults overridden by LLM_ATLAS_<NAME> variables (e.g. LLM_ATLAS_TOKEN)."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        raw = environ.get("LLM_ATLAS_" + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _CASTS.get(f.name, str)(raw)
    return Settings().with_overrides(**values)
