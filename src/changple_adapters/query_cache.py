"""A bounded in-process cache in front of an embedder's one-query call. Search embeds every query
through the provider (money and a round trip each); people and the chat agent repeat queries, and a
repeat must not pay again. Keyed on the embedder's model and dimensions and the query with its
white space folded (the text the provider is sent), least recently used out first. A failed call is
not cached. Standard library only."""

from __future__ import annotations

import unicodedata
from array import array
from functools import lru_cache

from changple_domain.errors import InvalidSetting
from changple_domain.ports import QueryEmbedder


def fold_query(text: str) -> str:
    """The query as sent and as keyed: NFC, white space runs as one space, no ends."""
    return " ".join(unicodedata.normalize("NFC", text).split())


class CachedQueryEmbedder(QueryEmbedder):
    """`inner`'s `embed_query`, remembered for the last `max_entries` distinct queries (0: off).
    Vectors are kept as packed doubles (12 KB for 1536 dimensions, not 50 KB of float objects)."""

    def __init__(self, inner: QueryEmbedder, *, max_entries: int) -> None:
        if max_entries < 0:
            raise InvalidSetting(f"the query embedding cache holds 0 or more entries, not {max_entries}")
        self.inner = inner
        self.model = inner.model
        self._cached = lru_cache(maxsize=max_entries)(self._embed)

    def _embed(self, model: str, dimensions: int | None, text: str) -> array[float]:
        return array("d", self.inner.embed_query(text))

    def embed_query(self, text: str) -> tuple[float, ...]:
        return tuple(self._cached(self.inner.model, getattr(self.inner, "dimensions", None), fold_query(text)))

    @property
    def hits(self) -> int:
        return self._cached.cache_info().hits
