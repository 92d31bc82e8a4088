"""The README's two commands, CI and the version stay true to the project."""

import re
import tomllib
from pathlib import Path

from rdflib.namespace import OWL

from llm_atlas import __version__
from llm_atlas.namespaces import ONTOLOGY_IRI

REPO = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (REPO / "README.md").read_text(), re.S)
    return [b.strip() for b in blocks]


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    setup = readme_commands()[:2]
    assert len(setup) == 2
    assert "pip install ." in setup[0] and "llm-atlas" in setup[0]
    assert "pytest" in setup[1]
    ci_lines = (REPO / ".ci" / "run").read_text().splitlines()
    assert setup[1] in ci_lines


def test_the_console_script_points_at_a_function_that_exists():
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    module, func = scripts["llm-atlas"].split(":")
    assert callable(getattr(__import__(module, fromlist=[func]), func))


def test_package_version_is_the_ontology_version(ontology):
    assert __version__ == str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo))


def test_every_setting_is_documented_in_the_readme():
    from dataclasses import fields

    from llm_atlas.config import Settings

    readme = (REPO / "README.md").read_text()
    missing = [f.name for f in fields(Settings) if f"LLM_ATLAS_{f.name.upper()}" not in readme]
    assert missing == []


def test_every_command_is_documented_in_the_readme():
    from llm_atlas.cli import main

    readme = (REPO / "README.md").read_text()
    missing = [name for name in main.commands if f"`llm-atlas {name}" not in readme]
    assert missing == []


def test_settings_come_from_the_environment():
    from llm_atlas.config import from_env

    settings = from_env({"LLM_ATLAS_TIMEOUT": "2.5", "LLM_ATLAS_MEMORY": "true",
                         "LLM_ATLAS_TOKEN": "t"})
    assert (settings.timeout, settings.memory, settings.token) == (2.5, True, "t")


def test_the_safety_section_names_modules_that_exist_and_what_the_platform_must_provide():
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Safety: what is enforced where", 1)[1].split("\n## ", 1)[0]
    cited = set(re.findall(r"`([a-z_/]+\.py)`", section))
    assert {"core/checking/sandbox.py", "core/sparql/guard.py", "web/body_gate.py",
            "core/checking/checker.py"} <= cited
    package = REPO / "service" / "llm_atlas"
    assert sorted(name for name in cited
                  if not name.startswith("tests/") and not (package / name).exists()) == []
    assert "What the platform must provide" in section


def test_the_what_is_in_the_graph_counts_are_the_files_counts(knowledge):
    from llm_atlas.core.knowledge.graph_counts import graph_counts

    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- counts:")[1].split("<!-- end counts -->")[0]
    stated = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0] and cells[0] not in ("", "count") and set(cells[1]) - {"-"}:
            stated[cells[0]] = cells[1]
    assert stated == graph_counts(knowledge)
    assert (REPO / "docs" / "images" / "matrix.png").exists()
