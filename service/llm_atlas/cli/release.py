"""`llm-atlas release`: plan, check, then write; the exit codes are the CLI's."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from llm_atlas.cli.exits import EXIT_CANNOT_RUN, EXIT_INVALID, EXIT_OK
from llm_atlas.cli.main import _print_check
from llm_atlas.core.checking.checks import run_check
from llm_atlas.core.knowledge.release import add_dumps, plan_release, released_copy, write_release
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import ReasonerUnavailable, ReleaseRefused, SourcesNotFound


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def run_release(version: str, out: str | None, root: str | None, day: date) -> int:
    """Release VERSION of the knowledge under ROOT; the exit code (0, 1 checks failed, 2 refused).

    Nothing is written unless the version is acceptable and every check passes.
    """
    try:
        sources = find_sources(root)
        plan = plan_release(sources, version, Path(out).resolve() if out else None, day)
    except (SourcesNotFound, ReleaseRefused) as exc:
        click.echo(f"error: {exc}", err=True)
        return EXIT_CANNOT_RUN
    with released_copy(plan) as released:
        try:
            report = run_check(released, reasoning=True)
        except (SourcesNotFound, ReasonerUnavailable) as exc:
            click.echo(f"error: {exc}", err=True)
            return EXIT_CANNOT_RUN
        _print_check(report)
        if not report.ok:
            click.echo(f"release {version} refused: the checks failed; nothing was written",
                       err=True)
            return EXIT_INVALID
        add_dumps(plan, released)
    written = write_release(plan, sources)
    click.echo(f"released {plan.previous} -> {version} ({plan.quads} quads):")
    for path in written:
        click.echo(f"  wrote {_shown(path, sources.root)}")
    return EXIT_OK
