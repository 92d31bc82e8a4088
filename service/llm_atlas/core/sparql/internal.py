"""The service's own fixed queries, kept as `.rq` files in `rq/` beside this module."""

from __future__ import annotations

from functools import cache
from importlib.resources import files


@cache
def internal_query(name: str) -> str:
    """The text of the fixed query `rq/NAME.rq`."""
    return files(__package__).joinpath("rq", f"{name}.rq").read_text(encoding="utf-8")
