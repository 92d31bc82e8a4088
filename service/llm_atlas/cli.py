"""The `llm-atlas` command line; the only place that chooses exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .checks import CheckReport, Problem, run_check
from .errors import AtlasError, ReasonerUnavailable, SourcesNotFound
from .reasoning import reason
from .sources import find_sources

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2


def _sources(root: str | None):
    try:
        return find_sources(root)
    except SourcesNotFound as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)


@click.group()
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
    sources = _sources(root)
    try:
        report = run_check(sources, reasoning=not no_reasoning)
    except (SourcesNotFound, ReasonerUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
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

    from .cli_release import run_release

    when = day.date() if day else datetime.now(UTC).date()
    sys.exit(run_release(version, out, root, when))


@main.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--format", "rdf_format", type=click.Choice(["turtle", "trig", "json-ld", "xml",
              "nt", "nquads"]), help="Syntax of every file (default: by each file's extension).")
@click.option("--report", "report_kind", type=click.Choice(["text", "json", "turtle"]),
              default="text", show_default=True, help="How to print the SHACL report.")
@click.option("--sources", "root", type=click.Path(file_okay=False), help="Root of the knowledge "
              "whose shapes and ontology to validate against; default: the shipped copy.")
def validate_command(files, rdf_format, report_kind, root) -> None:
    """Validate RDF files (Turtle, TriG, JSON-LD, RDF/XML, N-Triples) against the shapes.

    Each file is checked on its own, with the ontology. Exit 0 when every file conforms, 1 when
    any has a violation, 2 when any could not be read or parsed.
    """
    from .cli_validate import RENDERERS, validate_files

    sources = _sources(root)
    outcome = validate_files([Path(f) for f in files], sources, rdf_format)
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
    from .bibtex import BibSyntaxError
    from .bibtex_import import import_bibtex

    sources = _sources(root)
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
    sources = _sources(root)
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


def _store_options(func):
    """Options every command that opens the store shares."""
    func = click.option("--data-dir", type=click.Path(file_okay=False),
                        help="Store folder (default: a per-user data folder; "
                        "env LLM_ATLAS_DATA_DIR).")(func)
    func = click.option("--memory", is_flag=True, default=None,
                        help="Use a throwaway store that is removed on exit.")(func)
    func = click.option("--sources", "root", type=click.Path(file_okay=False),
                        help="Build from another copy of the knowledge.")(func)
    return func


def _settings(**overrides):
    from .config import from_env

    for name in ("data_dir", "token_file"):
        if overrides.get(name):
            overrides[name] = Path(overrides[name])
    return from_env().with_overrides(**overrides)


def _remote_options(func):
    """Options naming a remote SPARQL engine."""
    func = click.option("--store-auth", help="Engine credentials: basic:USER:PASSWORD or "
                        "bearer:TOKEN (env LLM_ATLAS_STORE_AUTH).")(func)
    func = click.option("--update-url", help="The engine's update endpoint, when it is not "
                        "the query endpoint.")(func)
    return func


@main.command()
@_store_options
@_remote_options
@click.option("--into", "into", help="Load into this remote SPARQL query endpoint instead.")
@click.option("--batch", type=int, default=5000, show_default=True,
              help="Triples per update request when loading into a remote engine.")
def build(data_dir, memory, root, store_auth, update_url, into, batch) -> None:
    """Load the shipped ontology, inferences and annotations into the store (idempotent)."""
    from .app import make_store
    from .errors import StoreError

    settings = _settings(data_dir=data_dir, memory=memory, sources=root, store=into,
                         update_url=update_url, store_auth=store_auth)
    store = make_store(settings, build_if_empty=False)
    try:
        if into:
            summary = _build_remote(store, settings, batch)
            click.echo(f"{into}: loaded {summary['loaded']} graphs ({summary['triples']} "
                       f"triples), skipped {summary['skipped']} already there")
            return
        store.start()
        summary = store.build()
        click.echo(f"built {summary['graphs']} graphs, {summary['triples']} triples "
                   f"into {'a throwaway store' if settings.memory else settings.data_dir}")
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    finally:
        store.close()


def _build_remote(store, settings, batch: int) -> dict:
    from .layout import shipped_graphs
    from .remote_build import build_into

    sources = find_sources(settings.sources)
    total = len(shipped_graphs(sources))
    with click.progressbar(length=total, label="loading graphs", file=sys.stderr) as bar:
        return build_into(store, sources, batch=batch, progress=lambda part, _new: bar.update(1))


LOADABLE = {".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
            ".rdf": "rdfxml", ".jsonld": "jsonld"}


@main.command()
@_store_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--graph", help="Named graph for triples (quads keep their own graphs).")
def load(data_dir, memory, root, files, graph) -> None:
    """Bulk-load RDF files into the store (Oxigraph's bulk loader; not one transaction)."""
    from .app import make_store
    from .errors import StoreError

    settings = _settings(data_dir=data_dir, memory=memory, sources=root)
    store = make_store(settings, build_if_empty=False)
    try:
        store.start()
        for name in files:
            fmt = LOADABLE.get(Path(name).suffix.lower())
            if fmt is None:
                click.echo(f"error: {name}: use one of {', '.join(LOADABLE)}", err=True)
                sys.exit(EXIT_CANNOT_RUN)
            added = store.bulk_load(str(Path(name).resolve()), fmt, graph)
            click.echo(f"loaded {added} quads from {name}")
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    finally:
        store.close()


@main.command()
@_store_options
@_remote_options
@click.option("--store", "store_url", help="Serve from this remote SPARQL query endpoint "
              "instead of the embedded store (env LLM_ATLAS_STORE).")
@click.option("--host", help="Interface to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port (default 8000).")
@click.option("--threads", type=int, help="Python threads that answer requests (default 16).")
@click.option("--token-file", type=click.Path(), help="File holding the bearer token that "
              "enables writes (env LLM_ATLAS_TOKEN_FILE).")
@click.option("--token", help="Bearer token that enables writes; discouraged, since every user "
              "of the machine sees it in `ps`: use --token-file or LLM_ATLAS_TOKEN.")
@click.option("--timeout", type=float, help="Seconds a query may run (default 30).")
@click.option("--base-iri", help="Base IRI mapped to this service.")
@click.option("--public-url", help="The URL clients reach the service at, for the absolute URLs "
              "it answers (default http://HOST:PORT/; env LLM_ATLAS_PUBLIC_URL).")
def serve(data_dir, memory, root, store_auth, update_url, store_url, host, port, threads,
          token_file, token, timeout, base_iri, public_url) -> None:
    """Run the SPARQL service (Granian), building the store on first start."""
    from .config import resolved
    from .errors import SettingsError
    from .server import serve as run_server

    settings = _settings(data_dir=data_dir, memory=memory, sources=root, host=host, port=port,
                         threads=threads, token=token, timeout=timeout, base_iri=base_iri,
                         store=store_url, update_url=update_url, store_auth=store_auth,
                         token_file=token_file, public_url=public_url)
    try:
        settings = resolved(settings)
    except SettingsError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    sys.exit(run_server(settings))


@main.command()
@click.argument("text", required=False)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False),
              help="Read the query from a file.")
@click.option("--name", help="Run a named query from queries/ (see /queries).")
@click.option("--param", "params", multiple=True, help="NAME=VALUE for --name (repeatable).")
@click.option("--endpoint", help="Ask this SPARQL endpoint instead of the local store.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=click.Choice(["table", "json", "xml", "csv", "tsv", "turtle", "ntriples",
                                 "rdfxml", "jsonld"]), help="Output format.")
@_store_options
def query(text, file, name, params, endpoint, fmt, data_dir, memory, root) -> None:
    """Ask a SPARQL query: a string, --file F, or --name CQ --param k=v."""
    from .app import make_store
    from .cli_query import QueryInputError, query_text, run_local, run_remote, table
    from .errors import AtlasError

    settings = _settings(data_dir=data_dir, memory=memory, sources=root)
    try:
        sparql = query_text(text, file, name, params, find_sources(settings.sources).queries_dir)
    except (QueryInputError, AtlasError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    wire = "json" if fmt == "table" else fmt
    try:
        if endpoint:
            body = run_remote(endpoint, sparql, wire, settings.timeout)
        else:
            store = make_store(settings)
            try:
                store.start()
                body = run_local(store, sparql, wire)
            finally:
                store.close()
    except AtlasError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    except OSError as exc:  # SPARQLWrapper's HTTP and connection errors
        click.echo(f"error: {endpoint}: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    is_results = body.lstrip().startswith(b"{") and fmt == "table"
    click.echo(table(body) if is_results else body.decode("utf-8"), nl=not body.endswith(b"\n"))


@main.command()
@_store_options
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write site/ and w3id.org/<id>/.htaccess into.")
@click.option("--site-url", help="Where the static copy will be hosted (the redirect target).")
@click.option("--base-iri", help="Base IRI mapped to the site (default: the shipped one).")
def export(data_dir, memory, root, out, site_url, base_iri) -> None:
    """Write a static copy of every page and RDF document, and the w3id redirect rules."""
    from .app import create_app
    from .errors import SettingsError, StoreError
    from .export import PLACEHOLDER_SITE, export_site

    settings = _settings(data_dir=data_dir, memory=memory, sources=root, base_iri=base_iri)
    try:
        app = create_app(settings)
    except (StoreError, SettingsError) as exc:  # a token file named in the environment, too
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_CANNOT_RUN)
    try:
        report = export_site(app, Path(out), site_url or PLACEHOLDER_SITE)
    finally:
        app.extensions["llm_atlas"].store.close()
    click.echo(f"wrote {report.files} files to {report.site} and the redirect rules to "
               f"{report.redirects / '.htaccess'}")
    if not site_url:
        click.echo(f"note: the rules redirect to {PLACEHOLDER_SITE}; pass --site-url", err=True)
    for url, status in report.failed:
        click.echo(f"  FAILED {status} {url}", err=True)
    if report.failed or report.files == 0:
        sys.exit(EXIT_INVALID)


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
    from .review_protocol import write_review
    from .review_sheet import SheetError, read_sheets

    sources = _sources(root)
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
