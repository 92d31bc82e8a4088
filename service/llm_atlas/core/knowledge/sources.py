"""Finding the shipped ontology, shapes, annotations and queries, and loading them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph

from llm_atlas import formats
from llm_atlas.core.knowledge.rdfio import parse_file
from llm_atlas.errors import SourcesNotFound
from llm_atlas.namespaces import bind_prefixes

SOURCES_ENV = "LLM_ATLAS_SOURCES"
# A release number as owl:versionInfo holds it: MAJOR.MINOR.PATCH, no leading zeros.
SEMVER = re.compile(r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)")
_PACKAGE = Path(__file__).resolve().parents[2]  # llm_atlas/, which a wheel gives data/
_PACKAGE_DATA = _PACKAGE / "data"
_SOURCE_TREE = _PACKAGE.parents[1]  # the repository, for an editable install


@dataclass(frozen=True)
class Sources:
    """The folder layout of the knowledge: ontology/, annotations/, queries/ under one root."""

    root: Path

    @property
    def ontology_file(self) -> Path:
        return self.root / "ontology" / "atlas.ttl"

    @property
    def alignments_file(self) -> Path:
        return self.root / "ontology" / "alignments.ttl"

    @property
    def inferred_file(self) -> Path:
        return self.root / "ontology" / "inferred.ttl"

    @property
    def mappings_file(self) -> Path:
        """The SSSOM mapping set that links our terms to other AI risk vocabularies."""
        return self.root / "mappings" / "llm-atlas.sssom.tsv"

    @property
    def annotation_shapes_file(self) -> Path:
        return self.root / "ontology" / "shapes" / "annotations.ttl"

    @property
    def metadata_shapes_file(self) -> Path:
        return self.root / "ontology" / "shapes" / "metadata.ttl"

    @property
    def versions_dir(self) -> Path:
        """Released snapshots of the ontology (`llm-atlas release`), never loaded as knowledge."""
        return self.root / "ontology" / "versions"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    def annotation_files(self) -> list[Path]:
        """Every RDF file under annotations/, in a stable order."""
        return sorted(
            p for p in self.annotations_dir.rglob("*")
            if p.is_file() and formats.for_extension(p.suffix) is not None
        )

    def version_snapshots(self) -> dict[str, Path]:
        """Every released ontology snapshot, by version, oldest first."""
        found = [p for p in self.versions_dir.glob("*.ttl") if SEMVER.fullmatch(p.stem)]
        ordered = sorted(found, key=lambda p: version_key(p.stem))
        return {p.stem: p for p in ordered}

    def ontology_graph(self, *, alignments: bool = False, inferred: bool = False) -> Graph:
        """The core ontology, optionally with the alignments and the inferred triples."""
        files = [self.ontology_file]
        if alignments:
            files.append(self.alignments_file)
        if inferred and self.inferred_file.exists():
            files.append(self.inferred_file)
        return load_graph(files)

    def annotation_shapes(self) -> Graph:
        return load_graph([self.annotation_shapes_file])

    def metadata_shapes(self) -> Graph:
        return load_graph([self.metadata_shapes_file])

    def annotations_graph(self) -> Graph:
        return load_graph(self.annotation_files())


def version_key(version: str) -> tuple[int, int, int]:
    """A release number as a tuple that sorts as versions do (0.10.0 after 0.9.0)."""
    match = SEMVER.fullmatch(version)
    if match is None:
        raise ValueError(f"{version!r} is not a release number MAJOR.MINOR.PATCH")
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def load_graph(files: list[Path]) -> Graph:
    """Parse several RDF files into one graph."""
    graph = Graph()
    bind_prefixes(graph)
    for path in files:
        graph += parse_file(path)
    return graph


def _looks_like_sources(root: Path) -> bool:
    return (root / "ontology" / "atlas.ttl").is_file()


def find_sources(root: Path | str | None = None) -> Sources:
    """Locate the knowledge: an explicit root, $LLM_ATLAS_SOURCES, the wheel's data, or the repo."""
    candidates: list[Path] = []
    if root is not None:
        candidates.append(Path(root))
    elif os.environ.get(SOURCES_ENV):
        candidates.append(Path(os.environ[SOURCES_ENV]))
    else:
        candidates += [_PACKAGE_DATA, _SOURCE_TREE]
    for candidate in candidates:
        if _looks_like_sources(candidate):
            return Sources(candidate.resolve())
    tried = ", ".join(str(c) for c in candidates)
    raise SourcesNotFound(f"no ontology/atlas.ttl found in {tried}")
