"""The query-embedding cache (issue 16, item 8): a repeated search query never reaches the provider
again, whatever its spacing; another model is another key; a failure is not remembered; the cache
stays within its size."""

from __future__ import annotations

import pytest

from changple_adapters.query_cache import CachedQueryEmbedder
from changple_domain.errors import InvalidSetting, ProviderUnavailable
from changple_domain.ports import QueryEmbedder


class CountingEmbedder(QueryEmbedder):
    def __init__(self, model: str = "m-1") -> None:
        self.model, self.dimensions = model, 3
        self.sent: list[str] = []
        self.failures: list[Exception] = []

    def embed_query(self, text: str) -> tuple[float, ...]:
        self.sent.append(text)
        if self.failures:
            raise self.failures.pop(0)
        return (float(len(text)), 0.5, -1.0)


def test_a_repeated_query_is_embedded_once_whatever_its_spacing() -> None:
    inner = CountingEmbedder()
    cached = CachedQueryEmbedder(inner, max_entries=10)
    first = cached.embed_query("가맹 계약서  확인")
    assert cached.embed_query(" 가맹 계약서 확인\n") == first
    assert cached.embed_query("가맹 계약서 확인") == first
    assert inner.sent == ["가맹 계약서 확인"]
    assert cached.hits == 2
    cached.embed_query("배달 수수료")
    assert inner.sent == ["가맹 계약서 확인", "배달 수수료"]


def test_another_model_is_another_key() -> None:
    inner = CountingEmbedder()
    cached = CachedQueryEmbedder(inner, max_entries=10)
    cached.embed_query("질문")
    inner.model = "m-2"
    cached.embed_query("질문")
    assert inner.sent == ["질문", "질문"]


def test_a_failure_is_not_cached() -> None:
    inner = CountingEmbedder()
    inner.failures.append(ProviderUnavailable("down"))
    cached = CachedQueryEmbedder(inner, max_entries=10)
    with pytest.raises(ProviderUnavailable):
        cached.embed_query("질문")
    assert cached.embed_query("질문") == (2.0, 0.5, -1.0)
    assert len(inner.sent) == 2


def test_the_least_recently_used_query_leaves_first_and_zero_is_off() -> None:
    inner = CountingEmbedder()
    cached = CachedQueryEmbedder(inner, max_entries=2)
    for text in ("a", "b", "a", "c", "a", "b"):
        cached.embed_query(text)
    assert inner.sent == ["a", "b", "c", "b"]  # "b" was the least recent when "c" came
    off = CachedQueryEmbedder(inner := CountingEmbedder(), max_entries=0)
    off.embed_query("a")
    off.embed_query("a")
    assert inner.sent == ["a", "a"]
    with pytest.raises(InvalidSetting):
        CachedQueryEmbedder(inner, max_entries=-1)
