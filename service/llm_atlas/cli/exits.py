"""Exit codes: the one place that says what an error means to the shell."""

from __future__ import annotations

import click

from llm_atlas.errors import AtlasError, RDFSyntaxError, UnsupportedFormat, meaning_of

EXIT_OK, EXIT_INVALID, EXIT_CANNOT_RUN = 0, 1, 2
# What an error no command handles itself means for the exit code: content the user gave is
# invalid (1); anything else kept the command from running (2: settings, sources, store, Java).
EXIT_OF: dict[type[AtlasError], int] = {RDFSyntaxError: EXIT_INVALID,
                                        UnsupportedFormat: EXIT_INVALID}


def exit_code_for(exc: AtlasError) -> int:
    """The exit code of an error that reached the command group."""
    return meaning_of(exc, EXIT_OF, EXIT_CANNOT_RUN)


class AtlasGroup(click.Group):
    """The command group: an `AtlasError` a command lets through is one line and its exit code,
    never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except AtlasError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exit_code_for(exc))
