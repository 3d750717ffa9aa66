"""Every cafe source fetches many ids the same way: answers in id order whatever the concurrency,
pauses as asked, and makes no fetch nobody reads once the caller stops."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from changple_adapters.cafe_threads import PerThreadCafeSource
from changple_adapters.memory import MemoryCafeSource
from changple_domain.model import CafePost
from changple_domain.ports import CafeSource

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


def post(article_id: int) -> CafePost:
    return CafePost(
        article_id=article_id,
        title=f"상담 후기 {article_id}",
        board="창업 이야기",
        author="창플지기",
        content=f"보증금과 권리금을 따져 본 상담 기록입니다. 글 번호 {article_id}.",
        published_at=NOW,
    )


@pytest.mark.parametrize("concurrency", [1, 3])
def test_answers_come_in_id_order_and_pauses_are_asked_for(concurrency: int) -> None:
    source = MemoryCafeSource([post(i) for i in (1, 2, 4, 7)])
    got = [a.article_id for a in source.fetch_many(range(1, 9), concurrency=concurrency, pause=lambda: 0.25)]
    assert got == list(range(1, 9))
    assert sorted(source.fetched) == list(range(1, 9))
    # one at a time: a pause between fetches; several: one before each, inside its thread
    assert source.pauses == [0.25] * (7 if concurrency == 1 else 8)


@pytest.mark.parametrize("concurrency", [1, 3])
def test_a_caller_that_stops_early_leaves_the_rest_unfetched(concurrency: int) -> None:
    source = MemoryCafeSource([post(i) for i in range(1, 100)])
    answers = source.fetch_many(iter(range(1, 100)), concurrency=concurrency, pause=lambda: 0.0)
    assert [next(answers).article_id for _ in range(3)] == [1, 2, 3]
    answers.close()  # type: ignore[attr-defined]
    assert len(source.fetched) <= 3 + concurrency


def test_a_source_per_thread_is_a_cafe_source_and_closes_every_one() -> None:
    made: list[MemoryCafeSource] = []

    def build() -> CafeSource:
        made.append(MemoryCafeSource([post(1), post(2), post(3)]))
        return made[-1]

    source = PerThreadCafeSource(build)
    assert isinstance(source, CafeSource)
    got = [a.article_id for a in source.fetch_many(range(1, 7), concurrency=3, pause=lambda: 0.0)]
    assert got == [1, 2, 3, 4, 5, 6]
    source.close()
    assert 1 <= len(made) <= 3
    assert all(m.closed == 1 for m in made)
