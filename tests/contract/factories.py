"""Builders for the records the repository contracts store: realistic Korean text, aware datetimes,
costs with six decimals, so a lossy adapter shows up as a failing comparison."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from changple_domain.model import KST, BatchItem, BatchJob, BatchKind, CafePost, PipelineRun, RunTrigger, StageRecord

T0 = datetime(2026, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def make_post(article_id: int, **overrides: Any) -> CafePost:
    fields: dict[str, Any] = {
        "article_id": article_id,
        "title": f"치킨집 창업 1년 후기 #{article_id}",
        "board": "창업 이야기",
        "board_id": 7,
        "content": f"안녕하세요. 가맹비와 인테리어 비용을 정리했습니다. ({article_id})\n\n두 번째 문단 😀",
        "author": "창플지기",
        "published_at": datetime(2026, 2, 28, 21, 30, 15, tzinfo=KST),
        "url": f"https://cafe.naver.com/changple/{article_id}",
        "scraped_at": T0,
    }
    fields.update(overrides)
    return CafePost(**fields)


def make_full_post(article_id: int) -> CafePost:
    """A post with every field set to something other than its default."""
    post = make_post(
        article_id,
        image_urls=("https://cafeptthumb.pstatic.net/1.jpg", "https://cafeptthumb.pstatic.net/2.jpg"),
        brand_mentions=("교촌치킨", "BBQ"),
        scraped_at=datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=UTC),
    )
    post = post.with_summary(
        summary="가맹비 1,200만 원, 인테리어 3,000만 원. 상권 분석이 중요하다는 결론.",
        keywords=("치킨", "가맹비", "상권"),
        possible_questions=("치킨집 가맹비는 얼마인가요?", "인테리어 비용은?"),
        made_from=post.content_hash,
    )
    post = post.with_index(indexed_hash="0" * 64, chunks=3)
    post = post.with_attempt("summary", error="429 Too Many Requests")
    post = post.with_attempt("summary")
    return post.with_attempt("embedding", error="타임아웃")


def make_job(
    job_id: str,
    *,
    created_at: datetime = T0,
    article_ids: tuple[int, ...] = (30, 10, 20),
    kind: BatchKind = BatchKind.SUMMARIZE,
    **overrides: Any,
) -> BatchJob:
    fields: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "provider": "gemini",
        "model": "gemini-2.5-flash",
        "items": tuple(BatchItem(article_id=a, content_hash=f"{a:064x}", chunk_count=1 + a % 3) for a in article_ids),
        "request_count": len(article_ids),
        "estimated_cost_usd": Decimal("1234.567891"),
        "standard_cost_usd": Decimal("0.000001"),
        "created_at": created_at,
        "updated_at": created_at,
    }
    fields.update(overrides)
    return BatchJob(**fields)


def make_run(run_id: str, *, key: str | None = None, started_at: datetime = T0, **overrides: Any) -> PipelineRun:
    fields: dict[str, Any] = {
        "id": run_id,
        "key": key or f"nightly:{run_id}",
        "trigger": RunTrigger.SCHEDULE,
        "started_at": started_at,
    }
    fields.update(overrides)
    return PipelineRun(**fields)


def later(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


__all__ = ["T0", "StageRecord", "later", "make_full_post", "make_job", "make_post", "make_run"]
