"""What the release tests share: a copy of the sources a release may write into, and the run."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from llm_atlas.cli import main
from llm_atlas.core.knowledge.release import current_version

REPO = Path(__file__).resolve().parents[1]
DAY = "2026-12-03"
# the tests release the version after the shipped one, whatever that is
CURRENT = current_version((REPO / "ontology" / "atlas.ttl").read_text(encoding="utf-8"))
_major, _minor, _patch = CURRENT.split(".")
NEXT = f"{_major}.{int(_minor) + 1}.0"
TEST_ENTRY = "- A change the release tests make."


def copy_sources(root: Path, *, versions: bool = True) -> Path:
    """The parts of the repository a release reads and writes, copied under ROOT."""
    skip = shutil.ignore_patterns() if versions else shutil.ignore_patterns("versions")
    shutil.copytree(REPO / "ontology", root / "ontology", ignore=skip)
    for folder in ("annotations", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    shutil.copy(REPO / "CITATION.cff", root / "CITATION.cff")
    # an entry under Unreleased, which the shipped changelog may lack right after a release
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    (root / "CHANGELOG.md").write_text(
        changelog.replace("## [Unreleased]\n", f"## [Unreleased]\n\n{TEST_ENTRY}\n", 1),
        encoding="utf-8")
    return root


def release(root: Path, *args: str):
    """Run `llm-atlas release ARGS --root ROOT --date DAY` in process."""
    return CliRunner().invoke(main, ["release", *args, "--root", str(root), "--date", DAY])
