"""The README's test command works in any fresh clone: the suite reads only what the repository
holds (nothing beside it, such as a `shared/` folder next to a working copy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _git(*args: str, cwd: Path = REPO) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout


def _collected(root: Path) -> list[str]:
    """The test ids `pytest --collect-only` finds in a tree, importing that tree's package."""
    # the tree's own service/ first, before the package this interpreter has installed
    path = os.pathsep.join(p for p in (str(root / "service"), os.environ.get("PYTHONPATH"))
                           if p)
    run = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q",
                          "-p", "no:cacheprovider", "--rootdir", str(root)],
                         cwd=root, env={**os.environ, "PYTHONPATH": path},
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return [line for line in run.stdout.splitlines() if "::" in line]


@pytest.mark.slow
def test_a_fresh_clone_collects_the_whole_suite(tmp_path):
    if not (REPO / ".git").exists():
        pytest.skip("not a git working copy: there is nothing to clone")
    clone = tmp_path / "clone"  # with nothing beside it
    _git("clone", "--quiet", "--no-checkout", str(REPO), str(clone))
    _git("checkout", "--quiet", _git("rev-parse", "HEAD").strip(), cwd=clone)
    imported = subprocess.run(
        [sys.executable, "-c", "import llm_atlas; print(llm_atlas.__file__)"], cwd=clone,
        env={**os.environ, "PYTHONPATH": str(clone / "service")}, capture_output=True,
        text=True, check=True).stdout.strip()
    assert Path(imported).is_relative_to(clone), "the clone's tests must import the clone"

    # test files changed since the last commit differ from the clone's by design
    changed = {line[3:].strip() for line in _git("status", "--porcelain", "--", "tests")
               .splitlines()}

    def committed(ids: list[str]) -> list[str]:
        return [i for i in ids if i.split("::", 1)[0] not in changed]

    in_clone = _collected(clone)
    assert len(in_clone) > 1000, "the clone collected too little to be the whole suite"
    assert committed(in_clone) == committed(_collected(REPO))
