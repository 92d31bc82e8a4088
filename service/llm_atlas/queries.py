"""Named competency questions: `.rq` files under queries/ with a comment header.

Header lines come first, each `# key: value`:

    # title: Mechanisms for a problem in a phase
    # question: Which agency mechanisms address a problem during an adoption phase?
    # param: problem iri atlas:MoralHazard  The agency problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import AtlasError
from .sources import find_sources

_HEADER = re.compile(r"^#\s*(\w+):\s*(.*?)\s*$")
PARAM_TYPES = ("iri", "string", "integer", "year")


class QueryHeaderError(AtlasError):
    """A named query's header is missing or malformed."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    question: str
    text: str
    params: tuple[Parameter, ...] = field(default_factory=tuple)


def _param(value: str, path: Path) -> Parameter:
    parts = value.split(None, 3)
    if len(parts) < 2 or parts[1] not in PARAM_TYPES:
        raise QueryHeaderError(
            f"{path.name}: `# param: {value}` must read `# param: NAME TYPE [DEFAULT] [text]` "
            f"with TYPE one of {', '.join(PARAM_TYPES)}")
    default = parts[2] if len(parts) > 2 and parts[2] != "-" else None
    return Parameter(parts[0], parts[1], default, parts[3] if len(parts) > 3 else "")


def parse_named_query(path: Path) -> NamedQuery:
    """Read one `.rq` file and its header; raise QueryHeaderError when the header is not valid."""
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if not match:
            if line.startswith("#") or not line.strip():
                continue
            break
        key, value = match.groups()
        if key == "param":
            params.append(_param(value, path))
        else:
            header[key] = value
    missing = [k for k in ("title", "question") if not header.get(k)]
    if missing:
        raise QueryHeaderError(f"{path.name}: the header lacks {', '.join(missing)}")
    return NamedQuery(path.stem, header["title"], header["question"], text, tuple(params))


def load_named_queries(directory: Path | None = None) -> list[NamedQuery]:
    """Every named query in a folder (the shipped queries/ by default)."""
    directory = directory or find_sources().queries_dir
    return [parse_named_query(p) for p in sorted(directory.glob("*.rq"))]


def examples() -> list[NamedQuery]:
    """Named queries to offer as examples on the query page."""
    try:
        return load_named_queries()
    except (AtlasError, OSError):
        return []
