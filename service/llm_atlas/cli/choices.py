"""The CLI's format options, whose choices are the format registry's names when asked."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import click

from llm_atlas import formats
from llm_atlas.formats import Format


class FormatChoice(click.Choice):
    """A `--format` option: fixed words and the names of the formats a function lists."""

    def __init__(self, listed: Callable[[], Iterable[Format]], extra: tuple[str, ...] = (),
                 rdflib_names: bool = False):
        self.listed, self.extra, self.rdflib_names = listed, extra, rdflib_names
        super().__init__(())

    @property  # read from the registry each time: a format registered later is offered too
    def choices(self) -> tuple[str, ...]:
        return (*self.extra, *(f.name for f in self.listed()))

    @choices.setter
    def choices(self, _value: Any) -> None:
        pass  # the registry is the list

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        """A name of ours, or (when accepted) rdflib's name of a listed format."""
        # `validate --format` took rdflib's names (nt, xml, json-ld); old command lines still work
        fmt = formats.for_rdflib(value) if self.rdflib_names and isinstance(value, str) else None
        if fmt is not None and fmt in self.listed():
            value = fmt.name
        return super().convert(value, param, ctx)


def query_formats() -> tuple[Format, ...]:
    """What `llm-atlas query` prints in: the formats of SELECT, ASK, CONSTRUCT and DESCRIBE."""
    return formats.of_kind(formats.SOLUTIONS, formats.GRAPH)
