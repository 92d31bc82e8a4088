"""The stores: result writing, the embedded engine and any remote SPARQL 1.1 engine."""

from __future__ import annotations

from llm_atlas.config import Settings, parse_credentials
from llm_atlas.store.embedded.client import EmbeddedStore


def make_store(settings: Settings, *, build_if_empty: bool = True):
    """The store the settings ask for: a remote engine when `store` is set, else embedded.

    An embedded store loads the shipped knowledge on first start unless told not to (the
    `build` and `load` commands do their own loading).
    """
    if settings.store:
        from llm_atlas.store.remote.client import RemoteStore

        return RemoteStore(settings.store, update_url=settings.update_url,
                           credentials=parse_credentials(settings.store_auth),
                           timeout=settings.timeout, max_rows=settings.max_rows)
    return EmbeddedStore(None if settings.memory else settings.data_dir,
                         timeout=settings.timeout, max_rows=settings.max_rows,
                         sources_root=settings.sources, build_if_empty=build_if_empty,
                         cache_bytes=settings.cache_bytes)
