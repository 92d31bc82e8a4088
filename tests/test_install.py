"""The wheel carries the knowledge: installed into a fresh venv, `llm-atlas check` runs anywhere."""

import subprocess
import sys
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_checks_the_shipped_knowledge_from_another_folder(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(REPO)],
        check=True, capture_output=True,
    )
    wheels = list(dist.glob("llm_atlas-*.whl"))
    assert len(wheels) == 1
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheels[0])],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run([str(env_dir / "bin" / "llm-atlas"), "check"], cwd=elsewhere,
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/site-packages/llm_atlas/data" in subprocess.run(
        [str(python), "-c", "from llm_atlas.core.knowledge.sources import find_sources; "
         "print(find_sources().root)"], cwd=elsewhere, capture_output=True, text=True,
    ).stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("OK: 0 violations")
