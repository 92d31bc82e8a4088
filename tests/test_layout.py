"""The package's layout draws the architecture: packages by concern, imports pointing down only.

The layer contract lives in pyproject.toml ([tool.importlinter]); import-linter checks it here,
and once more on a copy of the package with one upward import added, to show the check bites.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "service" / "llm_atlas"
# The architecture's packages, each with a docstring that says what it holds.
PACKAGES = ["core", "core/knowledge", "core/sparql", "core/checking", "core/annotations",
            "core/review", "core/views", "store", "store/embedded", "store/remote", "web", "cli"]
MAX_LINES = 300  # the "modules under ~300 lines"


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    """import-linter over the package under `root`, with the repository's contract."""
    config = str(REPO / "pyproject.toml")
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         f"sys.exit(lint_imports(config_filename={config!r}, no_cache=True))"],
        cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120)


def test_imports_point_down_only():
    run = lint_imports(PACKAGE.parent)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 kept, 0 broken" in run.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "llm_atlas"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    matrix = copy / "core" / "views" / "matrix.py"
    matrix.write_text(matrix.read_text(encoding="utf-8") + "\nimport llm_atlas.web.app  # noqa\n",
                      encoding="utf-8")
    run = lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "llm_atlas.core.views.matrix -> llm_atlas.web.app" in run.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_each_concern_is_a_package_that_says_what_it_holds(package):
    init = PACKAGE / package / "__init__.py"
    assert init.is_file()
    assert init.read_text(encoding="utf-8").startswith('"""')


def test_no_prefix_stands_in_for_a_package():
    flat_prefixes = ("bp_", "cli_", "remote_", "web_", "review_")
    modules = [p.relative_to(PACKAGE) for p in PACKAGE.rglob("*.py")]
    assert not [m for m in modules if m.name.startswith(flat_prefixes)]
    # the top level holds only what every layer may use
    top = {p.name for p in PACKAGE.glob("*.py")}
    assert top == {"__init__.py", "__main__.py", "config.py", "errors.py", "namespaces.py",
                   "formats.py"}


def test_modules_stay_short():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


@pytest.mark.parametrize("module", ["llm_atlas.store.embedded.serve",
                                    "llm_atlas.core.checking.worker", "llm_atlas"])
def test_each_process_entry_point_runs_as_main_without_a_warning(module):
    """A module run with -m that its own package has imported already runs twice (runpy warns):
    the engine's and the checkers' entry points are imported by nothing the package loads. (The
    checker takes the descriptors of its pipes, not --help, and exits 1 after the imports.)"""
    done = subprocess.run([sys.executable, "-W", "error", "-m", module, "--help"],
                          capture_output=True, text=True, timeout=120)
    assert "RuntimeWarning" not in done.stderr, done.stderr
    assert done.returncode == (1 if module.endswith("worker") else 0), done.stderr
