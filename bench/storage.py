"""Storage throughput: bulk-upsert N synthetic Korean posts, upsert them again unchanged, page
through them, evaluate the ingestion policies over all of them, and time a whole plan against the
planning stamp a waiting pipeline step reads instead. Prints one JSON object.

    python bench/storage.py --posts 10000 [--database-url URL]

Without --database-url it uses a fresh SQLite file in a temporary directory; with a Postgres URL
it creates a scratch database on that server and drops it afterwards."""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import Engine

from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model import AllowedAuthor, CafePost, PostStatus, PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.use_cases.evaluate_ingestion import EvaluateIngestion, iter_verdicts
from changple_domain.use_cases.plan import plan_work, planning_stamp

PARAGRAPH = (
    "상권 분석을 할 때는 유동 인구보다 실제 구매로 이어지는 동선을 먼저 봐야 합니다. "
    "보증금 3천만원, 월세 250만원 매장이라면 월 매출 2,500만원은 나와야 버틸 수 있습니다. "
)
AUTHORS = ["창플지기", "상권읽는남자", "외식경영박사", "세무사정원", "지나가는회원"]
ALLOWED_AUTHORS = AUTHORS[:-1]  # the last one is not in the catalog
BATCH = 1000


def migrated_uow(url: str, authors: list[str]) -> tuple[Engine, SqlUnitOfWork]:
    """A migrated database with `authors` allowed, and a unit of work over it."""
    upgrade_database(url)
    engine = create_engine_for(url)
    uow = SqlUnitOfWork(create_session_factory(engine))
    with uow:
        for name in authors:
            uow.authors.save(AllowedAuthor(name=name))
        uow.commit()
    return engine, uow


def synthetic_posts(count: int) -> Iterator[list[CafePost]]:
    start = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    for first in range(1, count + 1, BATCH):
        yield [
            CafePost(
                article_id=i,
                title=f"[창플 칼럼] 창업 이야기 {i}",
                board="창플 칼럼" if i % 3 else "창업 질문",
                content=PARAGRAPH * (1 + i % 8) + f"글 번호 {i}",
                author=AUTHORS[i % len(AUTHORS)],
                published_at=start + timedelta(minutes=i),
                url=f"https://cafe.naver.com/changple/{i}",
            )
            for i in range(first, min(first + BATCH, count + 1))
        ]


@contextmanager
def scratch_database(url: str | None) -> Iterator[str]:
    if url is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    name = f"changple_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{conninfo.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def upsert_all(uow: SqlUnitOfWork, count: int) -> float:
    began = time.perf_counter()
    now = datetime.now(UTC)
    for posts in synthetic_posts(count):
        with uow:
            uow.posts.upsert_many(posts)
            uow.statuses.upsert_many(
                [PostStatus(article_id=p.article_id, kind=PostStatusKind.SAVED, updated_at=now) for p in posts]
            )
            uow.commit()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description="storage throughput")
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--database-url", default=None, help="a Postgres server URL (default: SQLite)")
    args = parser.parse_args()

    with scratch_database(args.database_url) as url:
        upgrade_database(url)
        engine = create_engine_for(url)
        uow = SqlUnitOfWork(create_session_factory(engine))
        with uow:
            for name in AUTHORS[:4]:
                uow.authors.save(AllowedAuthor(name=name))
            uow.commit()

        insert_seconds = upsert_all(uow, args.posts)
        reupsert_seconds = upsert_all(uow, args.posts)

        began = time.perf_counter()
        paged, after = 0, 0
        with uow:
            while page := uow.posts.page(after_id=after, limit=500):
                paged += len(page)
                after = page[-1].article_id
        page_seconds = time.perf_counter() - began

        began = time.perf_counter()
        eligible = sum(v.decision.eligible for v in iter_verdicts(EvaluateIngestion(policy=IngestionPolicy()), uow=uow))
        evaluate_seconds = time.perf_counter() - began

        # What a pipeline step that only waits on a provider pays now (the stamp) against what it
        # paid before (a whole plan): see run_pipeline's module docstring.
        began = time.perf_counter()
        plan_work(uow=uow, policy=IngestionPolicy())
        plan_seconds = time.perf_counter() - began
        began = time.perf_counter()
        planning_stamp(uow=uow, policy=IngestionPolicy())
        stamp_seconds = time.perf_counter() - began
        dialect = engine.dialect.name
        engine.dispose()

    print(
        json.dumps(
            {
                "database": dialect,
                "posts": args.posts,
                "insert_seconds": round(insert_seconds, 3),
                "insert_posts_per_second": round(args.posts / insert_seconds),
                "reupsert_seconds": round(reupsert_seconds, 3),
                "page_seconds": round(page_seconds, 3),
                "paged": paged,
                "evaluate_seconds": round(evaluate_seconds, 3),
                "evaluate_posts_per_second": round(args.posts / evaluate_seconds),
                "eligible": eligible,
                "plan_seconds": round(plan_seconds, 3),
                "planning_stamp_seconds": round(stamp_seconds, 3),
                "stamp_to_plan_ratio": round(stamp_seconds / plan_seconds, 3),
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()


def saved_article(article_id: int, title: str, content: str, *, start: datetime) -> ScrapedArticle:
    """What a scan finds at `article_id`: a saved column by one of the allowed authors, one minute
    after the one before it (the embedded and emulator pipeline benches record these)."""
    post = CafePost(
        article_id=article_id,
        title=title,
        board="창플 칼럼",
        content=content,
        author=ALLOWED_AUTHORS[article_id % len(ALLOWED_AUTHORS)],
        published_at=start + timedelta(minutes=article_id),
        url=f"https://cafe.naver.com/changple/{article_id}",
    )
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=post)
