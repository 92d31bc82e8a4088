"""The commands that open a store: build, load, serve, query and export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from llm_atlas import formats
from llm_atlas.cli.choices import FormatChoice, query_formats
from llm_atlas.cli.exits import EXIT_CANNOT_RUN, EXIT_INVALID
from llm_atlas.core.knowledge.sources import find_sources


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
    from llm_atlas.config import from_env

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


@click.command()
@_store_options
@_remote_options
@click.option("--into", "into", help="Load into this remote SPARQL query endpoint instead.")
@click.option("--batch", type=int, default=5000, show_default=True,
              help="Triples per update request when loading into a remote engine.")
def build(data_dir, memory, root, store_auth, update_url, into, batch) -> None:
    """Load the shipped ontology, inferences and annotations into the store (idempotent)."""
    from llm_atlas.store import make_store

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
    finally:
        store.close()  # a StoreError then reaches the command group: one line, exit 2


def _build_remote(store, settings, batch: int) -> dict:
    from llm_atlas.core.knowledge.layout import shipped_graphs
    from llm_atlas.store.remote.build import build_into

    sources = find_sources(settings.sources)
    total = len(shipped_graphs(sources))
    with click.progressbar(length=total, label="loading graphs", file=sys.stderr) as bar:
        return build_into(store, sources, batch=batch, progress=lambda part, _new: bar.update(1))


@click.command()
@_store_options
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--graph", help="Named graph for triples (quads keep their own graphs).")
def load(data_dir, memory, root, files, graph) -> None:
    """Bulk-load RDF files into the store (Oxigraph's bulk loader; not one transaction)."""
    from llm_atlas.errors import StoreError
    from llm_atlas.store import make_store

    settings = _settings(data_dir=data_dir, memory=memory, sources=root)
    store = make_store(settings, build_if_empty=False)
    try:
        store.start()
        for name in files:
            fmt = formats.for_extension(Path(name).suffix)
            if fmt is None or fmt.oxigraph is None:
                loadable = (f".{e}" for f in formats.of_kind(*formats.RDF_KINDS)
                            if f.oxigraph for e in f.extensions)
                click.echo(f"error: {name}: use one of {', '.join(loadable)}", err=True)
                sys.exit(EXIT_CANNOT_RUN)
            added = store.bulk_load(str(Path(name).resolve()), fmt.name, graph)
            click.echo(f"loaded {added} quads from {name}")
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_INVALID)
    finally:
        store.close()


@click.command()
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
    from llm_atlas.cli.server import serve as run_server
    from llm_atlas.config import resolved

    settings = _settings(data_dir=data_dir, memory=memory, sources=root, host=host, port=port,
                         threads=threads, token=token, timeout=timeout, base_iri=base_iri,
                         store=store_url, update_url=update_url, store_auth=store_auth,
                         token_file=token_file, public_url=public_url)
    # a SettingsError reaches the command group: one line, exit 2
    sys.exit(run_server(resolved(settings)))


@click.command()
@click.argument("text", required=False)
@click.option("--file", "file", type=click.Path(exists=True, dir_okay=False),
              help="Read the query from a file.")
@click.option("--name", help="Run a named query from queries/ (see /queries).")
@click.option("--param", "params", multiple=True, help="NAME=VALUE for --name (repeatable).")
@click.option("--endpoint", help="Ask this SPARQL endpoint instead of the local store.")
@click.option("--format", "fmt", default="table", show_default=True,
              type=FormatChoice(query_formats, extra=("table",)), help="Output format.")
@_store_options
def query(text, file, name, params, endpoint, fmt, data_dir, memory, root) -> None:
    """Ask a SPARQL query: a string, --file F, or --name CQ --param k=v."""
    from llm_atlas.cli.query import QueryInputError, query_text, run_local, run_remote, table
    from llm_atlas.errors import AtlasError
    from llm_atlas.store import make_store

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


@click.command()
@_store_options
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="Folder to write site/ and w3id.org/<id>/.htaccess into.")
@click.option("--site-url", help="Where the static copy will be hosted (the redirect target).")
@click.option("--base-iri", help="Base IRI mapped to the site (default: the shipped one).")
def export(data_dir, memory, root, out, site_url, base_iri) -> None:
    """Write a static copy of every page and RDF document, and the w3id redirect rules."""
    from llm_atlas.web.app import create_app
    from llm_atlas.web.export import PLACEHOLDER_SITE, export_site

    settings = _settings(data_dir=data_dir, memory=memory, sources=root, base_iri=base_iri)
    # a StoreError or SettingsError (a token file named in the environment, too) reaches the
    # command group: one line, exit 2
    app = create_app(settings)
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
