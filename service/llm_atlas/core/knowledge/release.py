"""`llm-atlas release` as a library: a new ontology version and a citable dump of the graph.

A release is planned in memory and checked before anything is written: the bumped ontology is
put into a temporary copy of the knowledge, `llm-atlas check` runs on that copy (so what is
checked is exactly what is released), and the dumps are built from the same copy with the
layout the store uses (`layout.shipped_graphs`). Only then are the files written. The ontology's
header is rewritten as text, line by line, so the rest of `ontology/atlas.ttl` stays
byte-identical and its diff shows only the release.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from llm_atlas.core.knowledge.release_files import (
    LICENSE_IRI,
    bump_changelog,
    bump_citation,
    dump_dataset,
    void_turtle,
)
from llm_atlas.core.knowledge.sources import SEMVER, Sources, version_key
from llm_atlas.errors import ReleaseRefused
from llm_atlas.namespaces import ONTOLOGY_IRI

HEADER_START = f"<{ONTOLOGY_IRI}> a owl:Ontology ;"
CITATION, CHANGELOG = "CITATION.cff", "CHANGELOG.md"


@dataclass
class ReleasePlan:
    """Everything one release writes, computed before any of it is."""

    root: Path
    version: str
    previous: str
    day: date
    out: Path
    ontology_text: str
    files: dict[Path, bytes] = field(default_factory=dict)
    quads: int = 0


def version_iri(version: str) -> str:
    """The IRI that names one release of the ontology."""
    return f"{ONTOLOGY_IRI}/{version}"


def _header_lines(lines: list[str]) -> range:
    """The line numbers of the owl:Ontology block (its first line to the one ending in ` .`)."""
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == HEADER_START)
    except StopIteration:
        raise ReleaseRefused(f"ontology/atlas.ttl has no header line `{HEADER_START}`") from None
    end = next((i for i in range(start, len(lines)) if lines[i].rstrip().endswith(" .")), None)
    if end is None:
        raise ReleaseRefused("ontology/atlas.ttl: the owl:Ontology block never ends with ` .`")
    return range(start, end + 1)


def current_version(text: str) -> str:
    """The owl:versionInfo of the ontology's header."""
    lines = text.splitlines(keepends=True)
    for i in _header_lines(lines):
        match = re.match(r'\s*owl:versionInfo "([^"]*)"', lines[i])
        if match:
            return match.group(1)
    raise ReleaseRefused("ontology/atlas.ttl's header has no owl:versionInfo line")


def _replace(line: str, pattern: str, value: str) -> str:
    return re.sub(pattern, lambda m: m.group(1) + value, line, count=1)


def rewrite_header(text: str, version: str, previous: str, day: date) -> str:
    """The ontology text with its header naming VERSION; every other line left as it was.

    Rewrites owl:versionInfo, owl:versionIRI, dcterms:modified and the version in
    dcterms:bibliographicCitation; sets owl:priorVersion and, when missing, dcterms:license.
    """
    lines = text.splitlines(keepends=True)
    header = _header_lines(lines)
    found: dict[str, int] = {}
    rules = {
        "versionInfo": (r'^(\s*owl:versionInfo )"[^"]*"', f'"{version}"'),
        "versionIRI": (r"^(\s*owl:versionIRI )<[^>]*>", f"<{version_iri(version)}>"),
        "priorVersion": (r"^(\s*owl:priorVersion )<[^>]*>", f"<{version_iri(previous)}>"),
        "modified": (r'^(\s*dcterms:modified )"[^"]*"', f'"{day.isoformat()}"'),
        "license": (r"^(\s*dcterms:license )<[^>]*>", f"<{LICENSE_IRI}>"),
    }
    for i in header:
        for name, (pattern, value) in rules.items():
            if re.match(pattern, lines[i]):
                lines[i] = _replace(lines[i], pattern, value)
                found[name] = i
        if lines[i].lstrip().startswith("dcterms:bibliographicCitation"):
            lines[i] = (lines[i].replace(f"version {previous}", f"version {version}")
                        .replace(version_iri(previous), version_iri(version)))
            lines[i] = re.sub(r"\((\d{4})\)", f"({day.year})", lines[i], count=1)
    missing = [n for n in ("versionInfo", "versionIRI", "modified") if n not in found]
    if missing:
        raise ReleaseRefused("ontology/atlas.ttl's header has no line for "
                             + ", ".join(missing) + " to rewrite")
    anchor = found["versionIRI"]
    spaces = re.match(r"\s*", lines[anchor])
    assert spaces is not None  # \s* matches every line
    indent = spaces.group(0)
    newline = "\r\n" if lines[anchor].endswith("\r\n") else "\n"
    added = []
    if "license" not in found:
        added.append(f"{indent}dcterms:license <{LICENSE_IRI}> ;{newline}")
    if "priorVersion" not in found:
        added.append(f"{indent}owl:priorVersion <{version_iri(previous)}> ;{newline}")
    # new lines go before the version IRI, so the block's closing ` .` stays where it is
    lines[anchor:anchor] = added
    return "".join(lines)


def check_version(version: str, previous: str) -> None:
    """Refuse a VERSION that is not MAJOR.MINOR.PATCH or not greater than the current one."""
    if not SEMVER.fullmatch(version):
        raise ReleaseRefused(f"{version!r} is not a release number: write MAJOR.MINOR.PATCH "
                             "with no leading zeros or suffix, e.g. 0.2.0")
    if version_key(version) <= version_key(previous):
        raise ReleaseRefused(f"version {version} is not greater than the current version "
                             f"{previous} (owl:versionInfo of ontology/atlas.ttl)")


def plan_release(sources: Sources, version: str, out: Path | None, day: date) -> ReleasePlan:
    """Check the request and compute the bumped ontology; refuses before any slow work."""
    root = sources.root
    text = sources.ontology_file.read_bytes().decode("utf-8")
    previous = current_version(text)
    if not SEMVER.fullmatch(previous):
        raise ReleaseRefused(f"ontology/atlas.ttl's owl:versionInfo {previous!r} is not "
                             "MAJOR.MINOR.PATCH: fix it by hand (llm-atlas check says how)")
    check_version(version, previous)
    for name in (CITATION, CHANGELOG):
        if not (root / name).is_file():
            raise ReleaseRefused(f"{root / name} is missing: a release runs in a checkout of "
                                 "the repository (pass --root), which holds it")
    if (sources.versions_dir / f"{version}.ttl").exists():
        raise ReleaseRefused(f"{sources.versions_dir / version}.ttl exists: {version} is "
                             "already released")
    out = out or root / "releases" / version
    if out.exists() and any(out.iterdir()):
        raise ReleaseRefused(f"{out} is not empty: remove it or pass another --out")
    plan = ReleasePlan(root, version, previous, day, out,
                       rewrite_header(text, version, previous, day))
    # texts the release rewrites, refused here (not half-way) when they lack what it needs
    plan.files[root / CITATION] = bump_citation(
        (root / CITATION).read_text(encoding="utf-8"), version, day).encode("utf-8")
    plan.files[root / CHANGELOG] = bump_changelog(
        (root / CHANGELOG).read_text(encoding="utf-8"), version, day).encode("utf-8")
    return plan


@contextmanager
def released_copy(plan: ReleasePlan) -> Iterator[Sources]:
    """A temporary copy of the knowledge with the bumped ontology: what gets checked and dumped."""
    with tempfile.TemporaryDirectory(prefix="llm-atlas-release-") as tmp:
        copy = Path(tmp)
        shutil.copytree(plan.root / "ontology", copy / "ontology",
                        ignore=shutil.ignore_patterns("versions"))
        shutil.copytree(plan.root / "annotations", copy / "annotations")
        (copy / "ontology" / "atlas.ttl").write_bytes(plan.ontology_text.encode("utf-8"))
        yield Sources(copy)


def add_dumps(plan: ReleasePlan, released: Sources) -> None:
    """Add the TriG and N-Quads dumps, the VoID and SHA256SUMS to the plan."""
    trig, nquads, quads, per_graph = dump_dataset(released)
    names = {"trig": f"llm-atlas-{plan.version}.trig", "nq": f"llm-atlas-{plan.version}.nq"}
    outputs = {names["trig"]: trig, names["nq"]: nquads,
               "void.ttl": void_turtle(plan.version, plan.day, quads, per_graph,
                                       [names["trig"], names["nq"]]).encode("utf-8")}
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in sorted(outputs.items()))
    outputs["SHA256SUMS"] = sums.encode("ascii")
    plan.files.update({plan.out / name: data for name, data in outputs.items()})
    plan.quads = quads


def write_release(plan: ReleasePlan, sources: Sources) -> list[Path]:
    """Write the bumped ontology, its snapshot and every planned file; the paths written."""
    ontology = plan.ontology_text.encode("utf-8")
    files = {sources.ontology_file: ontology,
             sources.versions_dir / f"{plan.version}.ttl": ontology, **plan.files}
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return list(files)
