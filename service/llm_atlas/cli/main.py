"""The `llm-atlas` command group and its commands on the knowledge files."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llm_atlas import __version__, formats
from llm_atlas.cli.choices import FormatChoice
from llm_atlas.cli.commands_store import build, export, load, query, serve
from llm_atlas.cli.exits import EXIT_CANNOT_RUN, EXIT_INVALID, EXIT_OK, AtlasGroup
from llm_atlas.core.checking.checks import CheckReport, Problem, run_check
from llm_atlas.core.checking.reasoning import reason
from llm_atlas.core.knowledge.sources import find_sources
from llm_atlas.errors import AtlasError


@click.group(cls=AtlasGroup)
@click.version_option(__version__, prog_name="llm-atlas")
def main() -> None:
    """The LLM ATLAS knowledge graph: check, build, query and serve it."""


def _problem_line(problem: Problem) -> str:
    where = " ".join(
        part for part in (
            problem.file,
            f"<{problem.term}>" if problem.term else None,
            f"path <{problem.path}>" if problem.path else None,
        ) if part
    )
    return f"  {problem.severity.upper():9} [{problem.area}] {where}: {problem.message}"


def _print_check(report: CheckReport) -> None:
    click.echo(
        f"checked {report.annotation_files} annotation files "
        f"({report.annotation_triples} triples, {report.papers} papers, "
        f"{report.annotations} annotations) and the ontology ({report.ontology_triples} triples, "
        f"{report.inferred_triples} inferred by HermiT)"
    )
    for problem in report.problems:
        click.echo(_problem_line(problem))
    violations, warnings = len(report.violations), len(report.problems) - len(report.violations)
    verdict = "OK" if report.ok else "INVALID"
    click.echo(f"{verdict}: {violations} violations, {warnings} warnings")


@main.command()
@click.option("--sources", "root", type=click.Path(file_okay=False), help="Root of the knowledge "
              "(folder holding ontology/ and annotations/); default: the shipped copy.")
@click.option("--no-reasoning", is_flag=True, help="Skip HermiT (it needs Java).")
def check(root: str | None, no_reasoning: bool) -> None:
    """Validate every shipped annotation, the ontology's metadata and HermiT consistency.

    Exit 0 when all hold, 1 when content is invalid, 2 when the check could not run.
    """
    # SourcesNotFound and ReasonerUnavailable reach the command group: one line, exit 2
    report = run_check(find_sources(root), reasoning=not no_reasoning)
    _print_check(report)
    sys.exit(EXIT_OK if report.ok else EXIT_INVALID)


@main.command("release")
@click.argument("version")
@click.option("--out", type=click.Path(file_okay=False), help="Folder for the dumps, VoID and "
              "SHA256SUMS (default: ROOT/releases/VERSION).")
@click.option("--root", type=click.Path(file_okay=False), help="The repository checkout to "
              "release (holding ontology/, annotations/, CITATION.cff, CHANGELOG.md); default: "
              "the source tree.")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Release date YYYY-MM-DD (default: today, UTC).")
def release_command(version: str, out: str | None, root: str | None, day) -> None:
    """Release VERSION: bump the ontology's header, snapshot it, dump the knowledge graph.

    Exit 0 released, 1 the checks of `llm-atlas check` failed, 2 refused (a version that is not
    MAJOR.MINOR.PATCH or not greater than the current one, a missing file); 1 and 2 write nothing.
    """
    from datetime import UTC, datetime

    from llm_atlas.cli.release import run_release

    when = day.date() if day else datetime.now(UTC).date()
    sys.exit(run_release(version, out, root, when))


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "rdf_format", type=FormatChoice(formats.rdf_syntaxes, rdflib_names=True),
              help="Syntax of every file (default: by each file's extension).")
@click.option("--report", "report_kind", type=click.Choice(["text", "json", "turtle"]),
              default="text", show_default=True, help="How to print the SHACL report.")
@click.option("--sources", "root", type=click.Path(file_okay=False), help="Root of the knowledge "
              "whose shapes and ontology to validate against; default: the shipped copy.")
def validate_command(files, rdf_format, report_kind, root) -> None:
    """Validate RDF files (Turtle, TriG, JSON-LD, RDF/XML, N-Triples) against the shapes.

    Each file is checked on its own, with the ontology. Exit 0 when every file conforms, 1 when
    any has a violation, 2 when any could not be read or parsed.
    """
    from llm_atlas.cli.validate import RENDERERS, validate_files

    sources = find_sources(root)
    syntax = formats.get(rdf_format).rdflib if rdf_format else None
    outcome = validate_files([Path(f) for f in files], sources, syntax)
    click.echo(RENDERERS[report_kind](outcome), nl=False)
    for entry in outcome.unreadable if report_kind != "text" else []:
        click.echo(f"error: {entry.error}", err=True)
    if outcome.unreadable:
        sys.exit(EXIT_CANNOT_RUN)
    sys.exit(EXIT_OK if outcome.conforms else EXIT_INVALID)


@main.command("import-bibtex")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write one {slug}.ttl per entry into (created if missing).")
@click.option("--force", is_flag=True, help="Write papers that are already in the graph and "
              "overwrite files in --out.")
@click.option("--sources", "root", type=click.Path(file_okay=False), help="Root of the knowledge "
              "whose annotations/ holds the papers already there; default: the shipped copy.")
def import_bibtex_command(file, out, force, root) -> None:
    """Turn BibTeX entries into paper descriptions with an annotation skeleton to fill in.

    One line per entry: the file written, or what is wrong. Exit 0 when every entry was
    written, 1 when any was refused (nothing written for it), 2 when the file is unreadable.
    """
    from llm_atlas.core.review.bibtex_import import import_bibtex
    from llm_atlas.errors import BibSyntaxError

    sources = find_sources(root)
    try:
        outcomes = import_bibtex(Path(file).read_text(encoding="utf-8"), Path(out),
                                 sources.annotations_dir, force)
    except OSError as exc:
        click.echo(f"error: {exc.filename or file}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except UnicodeDecodeError:
        click.echo(f"error: {file}: not UTF-8 text: save it as UTF-8", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    except BibSyntaxError as exc:
        click.echo(f"error: {file}: not readable as BibTeX: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if not outcomes:
        click.echo(f"error: {file}: no BibTeX entries found", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    for outcome in outcomes:
        click.echo(f"wrote {outcome.path} (entry {outcome.key})" if outcome.path else
                   f"entry {outcome.key} (line {outcome.line}): {'; '.join(outcome.problems)}")
    sys.exit(EXIT_INVALID if any(o.problems for o in outcomes) else EXIT_OK)


@main.command("reason")
@click.option("--sources", "root", type=click.Path(file_okay=False), help="Root of the knowledge.")
@click.option("--out", type=click.Path(dir_okay=False), help="Where to write the inferred triples "
              "(default: ontology/inferred.ttl of the sources).")
def reason_command(root: str | None, out: str | None) -> None:
    """Run HermiT over the ontology and write what it infers as Turtle."""
    sources = find_sources(root)
    try:
        result = reason(sources.ontology_graph())
    except AtlasError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    if not result.ok:
        click.echo("HermiT: the ontology is inconsistent or has unsatisfiable classes:", err=True)
        for iri in result.unsatisfiable:
            click.echo(f"  unsatisfiable: <{iri}>", err=True)
        sys.exit(EXIT_INVALID)
    target = Path(out) if out else sources.inferred_file
    header = (
        "# Generated by `llm-atlas reason`: what HermiT infers from ontology/atlas.ttl beyond\n"
        "# its asserted triples. Do not edit by hand.\n"
    )
    target.write_text(header + result.inferred.serialize(format="turtle"), encoding="utf-8")
    click.echo(f"wrote {len(result.inferred)} inferred triples to {target}")


@main.command("review-sheet")
@click.argument("sheets", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None,
              help="Annotation folder to write (default: annotations/ of --root).")
@click.option("--keep", multiple=True,
              help="Sheet file name whose existing files keep their hand-written annotations.")
@click.option("--root", type=click.Path(file_okay=False), default=None,
              help="Knowledge source tree (default: the shipped one).")
def review_sheet(sheets, out, keep, root) -> None:
    """Write annotation files and the review protocol from screening sheets (curators' tool)."""
    from llm_atlas.core.review.protocol import write_review
    from llm_atlas.core.review.sheet import read_sheets
    from llm_atlas.errors import SheetError

    sources = find_sources(root)
    try:
        rows, again = read_sheets([Path(s) for s in sheets])
    except SheetError as exc:
        raise click.UsageError(str(exc)) from exc
    target = Path(out) if out else sources.annotations_dir
    errors = write_review(rows, again, sources.ontology_graph(), target, set(keep))
    for error in errors:
        click.echo(error, err=True)
    if errors:
        sys.exit(1)
    included = sum(row.included for row in rows)
    click.echo(f"wrote {included} works and the review files to {target} "
               f"({len(rows) - included} excluded)")


# the commands that open a store or serve it
for _command in (build, load, serve, query, export):
    main.add_command(_command)
