"""Settings: defaults, then environment variables LLM_ATLAS_*, then command-line flags."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import urlsplit

from llm_atlas.errors import SettingsError
from llm_atlas.namespaces import BASE_IRI


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
    public_url: str | None = None  # where clients reach us; default http://{host}:{port}/
    token: str | None = None  # writes are enabled only when a token is set
    token_file: Path | None = None  # a file holding the token (kept out of `ps` and the shell)
    timeout: float = 30.0  # seconds a query may run
    max_rows: int = 100_000
    cache_bytes: int = 64 * 1024 * 1024  # answers kept per store version (0: none)
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

    def public_root(self) -> str:
        """The service's absolute URL, ending in `/`: every absolute URL it answers starts so.

        It comes from the settings alone, never from a request's Host header, which any client
        can set (and a cache or a stored graph name would then carry to everyone).
        """
        if self.public_url:
            return self.public_url.rstrip("/") + "/"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


# how each setting that is not text is read from its environment variable
_CASTS: dict[str, Callable[[str], object]] = {
    "data_dir": Path, "token_file": Path,
    "memory": lambda v: v.lower() in ("1", "true", "yes", "on"),
    "port": int, "threads": int, "timeout": float, "max_rows": int, "cache_bytes": int,
    "max_concurrent_queries": int, "queue_wait": float, "max_query_bytes": int,
    "max_upload_bytes": int, "max_submission_bytes": int, "checkers": int,
    "checker_queue": int, "check_timeout": float, "body_timeout": float,
    "body_min_rate": int, "max_body_reads": int, "max_body_reads_per_client": int}


def from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults overridden by LLM_ATLAS_<NAME> variables (e.g. LLM_ATLAS_TOKEN)."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for f in fields(Settings):
        raw = env.get("LLM_ATLAS_" + f.name.upper())
        if raw is not None and raw != "":
            values[f.name] = _CASTS.get(f.name, str)(raw)
    return Settings().with_overrides(**values)


def check_public_url(url: str) -> str:
    """A public URL as given, or SettingsError saying what is wrong with it."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise SettingsError(f"the public URL {url!r} must be an absolute http(s) URL, "
                            "such as https://atlas.example.org/")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise SettingsError(f"the public URL {url!r} must have no user, query or fragment")
    return url


def read_token_file(path: Path) -> str:
    """The bearer token held in a file (surrounding whitespace dropped), or SettingsError."""
    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise SettingsError(f"the token file {path} does not exist") from None
    except IsADirectoryError:
        raise SettingsError(f"the token file {path} is a folder, not a file") from None
    except PermissionError:
        raise SettingsError(f"the token file {path} cannot be read (permission denied)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"the token file {path} cannot be read: {exc}") from None
    if not token:
        raise SettingsError(f"the token file {path} is empty; write the token into it")
    return token


def resolved(settings: Settings) -> Settings:
    """Settings ready to serve: the token read from its file, the public URL checked.

    Raises SettingsError when a setting cannot be used; the CLI turns that into exit code 2.
    """
    if settings.public_url:
        check_public_url(settings.public_url)
    parse_credentials(settings.store_auth)
    if settings.token_file is None:
        return settings
    if settings.token:
        raise SettingsError("a token and a token file are both set (--token / LLM_ATLAS_TOKEN "
                            "and --token-file / LLM_ATLAS_TOKEN_FILE); give only one")
    return replace(settings, token=read_token_file(Path(settings.token_file)), token_file=None)


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to the engine: basic (user, password) or a bearer token."""

    kind: str  # "basic" or "bearer"
    secret: str  # "user:password" for basic, the token for bearer

    def header(self) -> str:
        if self.kind == "basic":
            return "Basic " + base64.b64encode(self.secret.encode()).decode()
        return "Bearer " + self.secret

    def __repr__(self) -> str:  # never show the secret in logs or tracebacks
        return f"Credentials(kind={self.kind!r}, secret=***)"


def parse_credentials(setting: str | None) -> Credentials | None:
    """`basic:USER:PASSWORD` or `bearer:TOKEN` (the --store-auth setting) as Credentials."""
    if not setting:
        return None
    kind, _, secret = setting.partition(":")
    if kind not in ("basic", "bearer") or not secret:
        raise SettingsError("--store-auth (LLM_ATLAS_STORE_AUTH) must read basic:USER:PASSWORD "
                            "or bearer:TOKEN")
    return Credentials(kind, secret)
