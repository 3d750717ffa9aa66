"""The run estimate over `only` some posts (what `changple legacy import` reports for the posts it
just carried) is the whole estimate restricted to those posts: the same plan for each of them
(duplicates judged against posts outside `only`, statuses and authors applied), so the estimates
over a set and over the rest add up to the whole store's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from changple_adapters.memory import MemoryUnitOfWork
from changple_domain.model import AllowedAuthor, PostStatus, PostStatusKind
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.use_cases.pipeline_report import RunEstimate, StageEstimate, estimate_run
from changple_domain.use_cases.plan import WorkPlan, plan_work
from tests.contract.factories import make_post

POLICY = IngestionPolicy(min_content_length=10)
CONFIG = PipelineConfig(page_size=3)  # pages smaller than the store: `only` is walked in pages too
T0 = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
SHARED = "같은 글을 두 번 올렸습니다. 가맹비와 인테리어 비용 정리입니다."


def store() -> MemoryUnitOfWork:
    """Posts in every state the plan knows: new, summarized, indexed, deleted while indexed, by an
    author not allowed, and a repost whose original (a lower id) is outside the subsets below."""
    uow = MemoryUnitOfWork()
    with uow:
        uow.authors.add(AllowedAuthor(name="창플지기"))
        posts = [
            make_post(i, content=f"{'가맹비와 인테리어 비용을 정리했습니다. ' * (i % 4 + 1)}({i})")
            for i in range(1, 13)
        ]
        posts[1] = posts[1].with_summary(
            summary="요약", keywords=(), possible_questions=(), made_from=posts[1].content_hash
        )
        indexed = posts[2].with_summary(
            summary="요약", keywords=(), possible_questions=(), made_from=posts[2].content_hash
        )
        posts[2] = indexed.with_index(indexed_hash=indexed.content_hash, chunks=1)
        posts[3] = posts[3].with_index(indexed_hash=posts[3].content_hash, chunks=1)  # deleted below: removal
        posts[4] = make_post(5, author="지나가는회원")
        posts[5] = make_post(6, title="두 번 올린 글", content=SHARED)  # the original
        posts[10] = make_post(11, title="두 번 올린 글", content=SHARED)  # its repost: a duplicate, never summarized
        uow.posts.upsert_many(posts)
        uow.statuses.upsert_many([PostStatus(article_id=4, kind=PostStatusKind.DELETED, updated_at=T0)])
        uow.commit()
    return uow


def estimate(uow: MemoryUnitOfWork, only: set[int] | None = None) -> RunEstimate:
    return estimate_run(
        uow=uow,
        policy=POLICY,
        config=CONFIG,
        summary_model="gemini-2.5-flash",
        embedding_model="text-embedding-3-small",
        only=only,
    )


def restricted(plan: WorkPlan, only: set[int]) -> tuple[list[int], list[int], list[int]]:
    return (
        [i for i in plan.summary if i in only],
        [i for i in plan.embedding if i in only],
        [i for i in plan.removal if i in only],
    )


COUNTS = ("posts", "requests", "inputs", "input_tokens", "output_tokens")  # costs are rounded: not additive


def counts(stage: StageEstimate) -> dict[str, int]:
    return {name: getattr(stage, name) for name in COUNTS}


def added(a: StageEstimate, b: StageEstimate) -> dict[str, int]:
    return {name: getattr(a, name) + getattr(b, name) for name in COUNTS}


@pytest.mark.parametrize("only", [{1, 2, 3, 4}, {2, 5, 11}, {11}, {7, 8, 9, 10, 12}, set()])
def test_the_plan_over_only_is_the_whole_plan_restricted(only: set[int]) -> None:
    uow = store()
    whole = plan_work(uow=uow, policy=POLICY, page_size=3)
    part = plan_work(uow=uow, policy=POLICY, page_size=3, only=only | {999})  # 999 is not stored
    assert (part.summary, part.embedding, part.removal) == restricted(whole, only)
    assert 11 not in whole.summary  # the repost is a duplicate of 6, also when 6 is not in `only`


@pytest.mark.parametrize("only", [{1, 2, 3, 4}, {2, 5, 11}, {7, 8, 9, 10, 12}])
def test_the_estimates_over_a_set_and_the_rest_add_up_to_the_whole(only: set[int]) -> None:
    uow = store()
    whole = estimate(uow)
    assert whole.summaries.requests > 0
    assert whole.embeddings.posts > whole.summaries.posts
    assert whole.removals == 1
    assert estimate(uow, only=set(range(1, 13))) == whole
    part, rest = estimate(uow, only=only), estimate(uow, only=set(range(1, 13)) - only)
    assert added(part.summaries, rest.summaries) == counts(whole.summaries)
    assert added(part.embeddings, rest.embeddings) == counts(whole.embeddings)
    assert part.summaries.posts < whole.summaries.posts or rest.summaries.posts < whole.summaries.posts
    assert part.removals + rest.removals == whole.removals
    assert estimate(uow, only=set()).total_batch_cost_usd == 0
