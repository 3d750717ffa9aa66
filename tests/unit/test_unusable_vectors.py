"""A provider that sends a broken vector for one post fails that post, with the reason, and
indexes the rest: one bad result must never stop a whole page of upserts."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from changple_adapters.memory import (
    FixedClock,
    MemoryBatchEmbedder,
    MemoryBatchSummarizer,
    MemoryMutex,
    MemoryUnitOfWork,
    MemoryVectorIndex,
    SequentialIds,
)
from changple_domain.model import AllowedAuthor, CafePost
from changple_domain.model.providers import EmbeddingResult, ScrapedArticle, ScrapeOutcome, usable_vector
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.record_articles import RecordArticles, record_articles
from changple_domain.use_cases.run_pipeline import pipeline_tick

pytestmark = pytest.mark.hostile  # the hostile-input corpus: `pytest -m hostile`

AUTHOR = "창플지기"
BROKEN_POST = 2


class BrokenVectorEmbedder(MemoryBatchEmbedder):
    """Answers like the memory fake, except that one post's first vector is replaced."""

    def __init__(self, broken: tuple[float, ...]) -> None:
        super().__init__(dimensions=16)
        self.broken = broken

    def results(self, provider_job_id: str) -> Iterator[EmbeddingResult]:
        for result in super().results(provider_job_id):
            if result.article_id == BROKEN_POST and result.vectors:
                result = result.model_copy(update={"vectors": (self.broken, *result.vectors[1:])})
            yield result


@pytest.mark.parametrize(
    ("broken", "why"),
    [
        ((math.nan,) * 16, "not a number"),
        ((1.0, math.inf) + (0.0,) * 14, "infinite"),
        ((0.0,) * 16, "all zeros"),
        ((), "empty"),
    ],
)
def test_a_broken_vector_fails_its_post_and_the_others_are_indexed(broken: tuple[float, ...], why: str) -> None:
    uow = MemoryUnitOfWork()
    clock = FixedClock(datetime(2026, 11, 22, 4, 0, tzinfo=UTC))
    index = MemoryVectorIndex()
    ports = PipelinePorts(
        uow=uow,
        clock=clock,
        summarizer=MemoryBatchSummarizer(polls_until_running=0, polls_until_done=0),
        embedder=BrokenVectorEmbedder(broken),
        index=index,
        config=PipelineConfig(max_attempts=1),
        policy=IngestionPolicy(min_content_length=10, max_attempts=1),
        sleep=lambda _: None,
        mutex=MemoryMutex(),
        ids=SequentialIds(),
    )
    with uow:
        uow.authors.save(AllowedAuthor(name=AUTHOR))
        uow.commit()
    articles = [
        ScrapedArticle(
            article_id=article_id,
            outcome=ScrapeOutcome.SAVED,
            post=CafePost(
                article_id=article_id,
                title=f"창업 노트 {article_id}",
                author=AUTHOR,
                content=f"가맹계약서의 영업지역 조항은 반드시 지도로 확인해야 합니다. 글 {article_id}",
                published_at=datetime(2026, 11, 1, 9, 0),
            ),
        )
        for article_id in (1, 2, 3)
    ]
    record_articles(RecordArticles(articles=tuple(articles)), uow=uow, clock=clock)

    for _ in range(10):
        if pipeline_tick(ports).done:
            break

    with uow:
        posts = uow.posts.get_many([1, 2, 3])
    assert {i for i, p in posts.items() if p.indexed_hash == p.content_hash} == {1, 3}, why
    assert posts[BROKEN_POST].indexed_hash is None
    assert "all zeros or not finite" in (posts[BROKEN_POST].embedding_stage.last_error or "")
    assert not index.list_ids(f"post-{BROKEN_POST}#")
    assert index.list_ids("post-1#")
    assert index.list_ids("post-3#")


def test_usable_vector_checks_every_value_even_when_the_sum_overflows() -> None:
    assert usable_vector((1.0, -2.0))
    assert usable_vector((1e308, 1e308))  # finite values whose sum is not: still usable
    assert not usable_vector((1e308, 1e308, math.nan))
    assert not usable_vector((math.inf, -math.inf))  # sums to nan
    assert not usable_vector((0.0, 0.0))
    assert not usable_vector(())
