"""Choosing among the registry's formats (llm_atlas.formats) by Accept, name or extension."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from llm_atlas import formats
from llm_atlas.formats import Format

HTML = formats.get("html")


def solutions() -> tuple[Format, ...]:
    """What SELECT and ASK answer in, in order of preference."""
    return formats.of_kind(formats.SOLUTIONS)


def graphs() -> tuple[Format, ...]:
    """What CONSTRUCT, DESCRIBE and every RDF resource answer in, in order of preference."""
    return formats.of_kind(formats.GRAPH)


def documents() -> list[Format]:
    """What an IRI of ours dereferences to, in order of preference when the client does not
    mind (`*/*`, no Accept): Turtle first for tools and curl; browsers name HTML and get it."""
    return [*graphs(), HTML]


class NotAcceptable(Exception):
    """None of the offered formats is acceptable to the client."""

    def __init__(self, offered: Sequence[Format]):
        self.offered = list(offered)
        super().__init__("no acceptable format; this resource is available as "
                         + ", ".join(f.media_type for f in offered))


def parse_accept(header: str | None) -> tuple[tuple[str, float], ...]:
    """Media ranges and their q-values, in header order; malformed entries are skipped."""
    # Clients send the same few headers again and again; long ones are not kept.
    return _parse_accept(header) if header and len(header) > 256 else _cached_accept(header)


def _parse_accept(header: str | None) -> tuple[tuple[str, float], ...]:
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                if math.isnan(q):  # malformed too; NaN would compare neither above nor below 0
                    q = 0.0
        ranges.append((media, q))
    return tuple(ranges)


_cached_accept = lru_cache(maxsize=256)(_parse_accept)


def _quality(fmt: Format, ranges: tuple[tuple[str, float], ...]) -> float:
    """The q of the most specific range that matches a format (RFC 9110 section 12.5.1)."""
    best, best_specificity = 0.0, -1
    for media in fmt.media_types:
        kind, _, _sub = media.partition("/")
        for accepted, q in ranges:
            if accepted == media:
                specificity = 3 if media == fmt.media_type else 2
            elif accepted == f"{kind}/*" and media == fmt.media_type:
                # a wildcard covers the type we would send, not an alias we merely accept
                # (`application/*` must not get text/turtle by way of application/x-turtle)
                specificity = 1
            elif accepted == "*/*":
                specificity = 0
            else:
                continue
            if specificity > best_specificity:
                best, best_specificity = q, specificity
    return best


def choose(offered: Sequence[Format], accept: str | None) -> Format:
    """The offered format the client prefers; the first offered when Accept is absent."""
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    scored = [(_quality(f, ranges), -i, f) for i, f in enumerate(offered)]
    q, _, best = max(scored, key=lambda s: (s[0], s[1]))
    if q <= 0:
        raise NotAcceptable(offered)
    return best


def by_name(offered: Sequence[Format], name: str) -> Format:
    """A format named in a `format=` parameter or by a file extension."""
    wanted = name.strip().lower()
    for fmt in offered:
        if wanted in (fmt.name, fmt.media_type, fmt.extension, *fmt.aliases):
            return fmt
    raise NotAcceptable(offered)


def negotiate(offered: Sequence[Format], named: str | None, accept: str | None) -> Format:
    """A `format=` name when given, else the client's Accept; 406 when neither fits."""
    return by_name(offered, named) if named else choose(offered, accept)


def by_extension(offered: Sequence[Format], extension: str) -> Format | None:
    """The format a file extension names exactly (`ttl`, `jsonld`, `rdf`, `nt`, `html`), or None."""
    wanted = extension.lower()
    return next((f for f in offered if f.extension == wanted), None)


def prefers_html(accept: str | None) -> bool:
    """True when the client names HTML explicitly and ranks it at least as high as our data formats.

    Browsers do; curl's `*/*` and SPARQL clients' explicit result types do not.
    """
    ranges = parse_accept(accept)
    named = {m for m, _ in ranges}
    if not named & {HTML.media_type, *HTML.aliases}:
        return False
    html = _quality(HTML, ranges)
    return html > 0 and html >= max(_quality(f, ranges) for f in (*solutions(), *graphs()))
