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

from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import AtlasError, ParameterError, QueryHeaderError

_HEADER = re.compile(r"^#\s*(\w+):\s*(.*?)\s*$")
PARAM_TYPES = ("iri", "string", "integer", "year")


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
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise QueryHeaderError(f"{path.name}: not UTF-8 (byte {exc.start}); save the query "
                               "as UTF-8") from None
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


# IRI characters: no spaces or control characters (C0, DEL, C1), none of <>"{}|^`\
_IRI_CHAR = r"[^\s\x00-\x20\x7f-\x9f<>\"{}|^`\\"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:" + _IRI_CHAR + r"]*$")
_CURIE = re.compile(r"^([A-Za-z][\w\-.]*)?:(" + _IRI_CHAR + r"/#?]*)$")
MAX_VALUE_LENGTH = 2000


def _iri_term(name: str, value: str, prefixes: dict[str, str]) -> str:
    curie = _CURIE.match(value)
    if curie and (curie.group(1) or "") in prefixes:
        return f"<{prefixes[curie.group(1) or '']}{curie.group(2)}>"
    if _ABSOLUTE_IRI.match(value) and not curie:
        return f"<{value}>"
    known = ", ".join(sorted(p for p in prefixes if p))
    raise ParameterError(
        f"parameter `{name}`: {value!r} is not an IRI; give a full IRI "
        f"(https://...) or a CURIE with a known prefix ({known})")


def _literal_term(param: Parameter, value: str) -> str:
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d{1,18}", value):
            raise ParameterError(f"parameter `{param.name}`: {value!r} is not an integer")
        return str(int(value))
    if param.type == "year":
        if not re.fullmatch(r"\d{4}", value):
            raise ParameterError(f"parameter `{param.name}`: {value!r} is not a year (YYYY)")
        return f'"{value}"^^<http://www.w3.org/2001/XMLSchema#gYear>'
    escaped = (value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r"))
    return f'"{escaped}"'


def term_for(param: Parameter, value: str, prefixes: dict[str, str]) -> str:
    """A parameter value as a SPARQL term, checked against the parameter's type."""
    if len(value) > MAX_VALUE_LENGTH:
        raise ParameterError(f"parameter `{param.name}`: the value is longer than "
                             f"{MAX_VALUE_LENGTH} characters")
    if param.type == "iri":
        return _iri_term(param.name, value, prefixes)
    return _literal_term(param, value)


def _where_end(text: str) -> int:
    """Where the query's outermost group pattern closes (the `}` matching WHERE's `{`)."""
    from llm_atlas.core.sparql.guard import tokens

    toks = tokens(text)
    start = next((i for i, t in enumerate(toks)
                  if t.kind == "word" and t.text.upper() == "WHERE" and t.depth == 0), -1)
    opened = False
    for tok in toks[start + 1:]:
        if tok.kind == "other" and tok.text == "{" and tok.depth == 0:
            opened = True
        elif opened and tok.kind == "other" and tok.text == "}" and tok.depth == 0:
            return tok.start
    raise QueryHeaderError("the query has no group pattern to bind parameters in")


def bind(query: NamedQuery, given: dict[str, str], prefixes: dict[str, str]) -> str:
    """The query text with its parameters bound by an inline VALUES that closes its WHERE.

    Values are parsed into terms first (IRIs checked, literals escaped), never pasted as text;
    a parameter left out takes its default, an unknown one is refused. The VALUES block ends
    the WHERE group, where it joins with everything before it, as a trailing VALUES does; it
    does not trail the query because Virtuoso then fails on variables that are not projected,
    nor open the group because Virtuoso's compiler fails there when an OPTIONAL uses them.
    """
    declared = {p.name: p for p in query.params}
    unknown = sorted(set(given) - set(declared))
    if unknown:
        expected = ", ".join(declared) or "none"
        raise ParameterError(f"unknown parameter `{unknown[0]}` for {query.name}; "
                             f"it takes: {expected}")
    if not declared:
        return query.text
    terms = []
    for param in query.params:
        value = given.get(param.name, param.default)
        if value is None:
            raise ParameterError(f"parameter `{param.name}` is required for {query.name}")
        terms.append(term_for(param, value, prefixes))
    names = " ".join(f"?{p.name}" for p in query.params)
    at = _where_end(query.text)
    values = f"  VALUES ({names}) {{ ({' '.join(terms)}) }}\n"
    return query.text[:at] + values + query.text[at:]
