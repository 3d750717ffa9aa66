"""Posts and post statuses: the bulk tables, written with dialect upserts and read with Core selects
(no ORM identity map that a bulk upsert could leave stale)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, bindparam, func, or_, select, true, update
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.orm import Session

from changple_adapters.sql._support import (
    ROWS_PER_STATEMENT,
    chunked,
    first_row,
    one_of,
    rows_keyed_in,
    translate_errors,
    trusted,
    upsert,
)
from changple_adapters.sql.tables import Base
from changple_domain.model.posts import KST, CafePost, PostStatus, PostStatusKind, StageRecord
from changple_domain.policies.change_detection import PlanningFacts, planning_digest
from changple_domain.ports import PostRepository, PostSelection, PostStatusRepository

POSTS: Table = Base.metadata.tables["posts"]
STATUSES: Table = Base.metadata.tables["post_statuses"]


def _post_values(post: CafePost, now: datetime) -> dict[str, Any]:
    return {
        "article_id": post.article_id,
        "title": post.title,
        "board": post.board,
        "board_id": post.board_id,
        "content": post.content,
        "author": post.author,
        "published_at": post.published_at,
        "url": post.url,
        "image_urls": list(post.image_urls),
        "keywords": list(post.keywords),
        "summary": post.summary,
        "possible_questions": list(post.possible_questions),
        "brand_mentions": list(post.brand_mentions),
        "content_hash": post.content_hash,
        "summary_hash": post.summary_hash,
        "indexed_hash": post.indexed_hash,
        "indexed_chunks": post.indexed_chunks,
        "summary_attempts": post.summary_stage.attempts,
        "summary_error": post.summary_stage.last_error,
        "embedding_attempts": post.embedding_stage.attempts,
        "embedding_error": post.embedding_stage.last_error,
        "scraped_at": post.scraped_at,
        "updated_at": now,
    }


_PLAIN_POST_COLUMNS = (
    "article_id",
    "title",
    "board",
    "board_id",
    "content",
    "author",
    "url",
    "summary",
    "content_hash",
    "summary_hash",
    "indexed_hash",
    "indexed_chunks",
    "scraped_at",
)


def _post(row: RowMapping) -> CafePost:
    """A stored row as a post, without validating it again: every row was written from a validated
    `CafePost` (its hash computed by the model itself), and reads outnumber writes ten to one in a
    pipeline run. The column types already hand back aware UTC datetimes and decoded JSON lists."""
    values = {key: row[key] for key in _PLAIN_POST_COLUMNS}
    # Stored as UTC; shown again on the cafe's clock, as the scraper produced it.
    values["published_at"] = row["published_at"].astimezone(KST)
    for key in ("image_urls", "keywords", "possible_questions", "brand_mentions"):
        values[key] = tuple(row[key])
    values["summary_stage"] = trusted(
        StageRecord, {"attempts": row["summary_attempts"], "last_error": row["summary_error"]}
    )
    values["embedding_stage"] = trusted(
        StageRecord, {"attempts": row["embedding_attempts"], "last_error": row["embedding_error"]}
    )
    return trusted(CafePost, values)


def _selected(selection: PostSelection) -> ColumnElement[bool]:
    c = POSTS.c
    if selection is PostSelection.SUMMARY_STALE:
        return or_(c.summary_hash.is_(None), c.summary_hash != c.content_hash)
    if selection is PostSelection.INDEX_STALE:
        return or_(c.indexed_hash.is_(None), c.indexed_hash != c.content_hash)
    if selection is PostSelection.IN_INDEX:
        return c.indexed_hash.is_not(None)
    return true()


class SqlPostRepository(PostRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def get(self, article_id: int) -> CafePost | None:
        return first_row(self._session, select(POSTS).where(POSTS.c.article_id == article_id), _post)

    @translate_errors
    def get_many(self, article_ids: Iterable[int]) -> dict[int, CafePost]:
        return {row["article_id"]: _post(row) for row in rows_keyed_in(self._session, POSTS.c.article_id, article_ids)}

    @translate_errors
    def upsert_many(self, posts: Sequence[CafePost]) -> None:
        now = datetime.now(UTC)
        # One statement may not touch a row twice (Postgres refuses), so the last version of an id wins.
        latest = {post.article_id: post for post in posts}
        upsert(self._session, POSTS, [_post_values(post, now) for post in latest.values()], key="article_id")

    @translate_errors
    def page(
        self, *, after_id: int = 0, limit: int = 500, selection: PostSelection = PostSelection.ALL
    ) -> list[CafePost]:
        if limit <= 0:
            return []
        query = (
            select(POSTS)
            .where(POSTS.c.article_id > after_id, _selected(selection))
            .order_by(POSTS.c.article_id)
            .limit(limit)
        )
        return [_post(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def count(self, selection: PostSelection = PostSelection.ALL) -> int:
        query = select(func.count()).select_from(POSTS).where(_selected(selection))
        return int(self._session.execute(query).scalar_one())

    @translate_errors
    def max_article_id(self) -> int | None:
        value = self._session.execute(select(func.max(POSTS.c.article_id))).scalar_one()
        return None if value is None else int(value)

    @translate_errors
    def planning_digest(self) -> str:
        p, s = POSTS.c, STATUSES.c
        query = (
            select(
                p.article_id,
                p.content_hash,
                p.summary_hash,
                p.indexed_hash,
                p.author,
                p.board,
                p.published_at,
                p.summary_attempts,
                p.summary_error,
                p.embedding_attempts,
                p.embedding_error,
                s.kind,
            )
            .outerjoin(STATUSES, s.article_id == p.article_id)
            .order_by(p.article_id)
            .execution_options(yield_per=ROWS_PER_STATEMENT)
        )
        rows = self._session.execute(query)
        utc = 6  # published_at: stored UTC, digested as ISO text like every store does
        facts = (
            cast(PlanningFacts, (*row[:utc], row[utc].astimezone(UTC).isoformat(), *row[utc + 1 : -1], row[-1] or ""))
            for row in rows
        )
        return planning_digest(facts)

    @translate_errors
    def ids_by_hash(self, content_hashes: Iterable[str]) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for chunk in chunked(sorted(set(content_hashes)), ROWS_PER_STATEMENT):
            query = (
                select(POSTS.c.content_hash, POSTS.c.article_id)
                .where(one_of(self._session, POSTS.c.content_hash, chunk))
                .order_by(POSTS.c.content_hash, POSTS.c.article_id)
            )
            for content_hash, article_id in self._session.execute(query):
                found.setdefault(content_hash, []).append(int(article_id))
        return found

    @translate_errors
    def ids_published_since(self, since: datetime, *, limit: int = 1000) -> list[int]:
        if limit <= 0:
            return []
        query = (
            select(POSTS.c.article_id)
            .where(POSTS.c.published_at >= since)
            .order_by(POSTS.c.published_at.desc(), POSTS.c.article_id.desc())
            .limit(limit)
        )
        return [int(article_id) for article_id in self._session.execute(query).scalars()]

    @translate_errors
    def shared_hashes(self) -> dict[str, list[int]]:
        shared = select(POSTS.c.content_hash).group_by(POSTS.c.content_hash).having(func.count() > 1)
        query = (
            select(POSTS.c.content_hash, POSTS.c.article_id)
            .where(POSTS.c.content_hash.in_(shared))
            .order_by(POSTS.c.content_hash, POSTS.c.article_id)
        )
        found: dict[str, list[int]] = {}
        for content_hash, article_id in self._session.execute(query):
            found.setdefault(content_hash, []).append(int(article_id))
        return found

    @translate_errors
    def raise_chunk_marks(self, marks: Mapping[int, int]) -> None:
        if not marks:
            return
        c = POSTS.c
        statement = (
            update(POSTS)
            .where(c.article_id == bindparam("b_id"), c.indexed_chunks < bindparam("b_chunks"))
            .values(indexed_chunks=bindparam("b_chunks"), updated_at=bindparam("b_now"))
        )
        now = datetime.now(UTC)
        rows = [{"b_id": article_id, "b_chunks": chunks, "b_now": now} for article_id, chunks in marks.items()]
        for chunk in chunked(rows, ROWS_PER_STATEMENT):
            self._session.execute(statement, chunk)

    @translate_errors
    def record_index_states(self, posts: Sequence[CafePost]) -> int:
        """One prepared UPDATE per chunk of rows, guarded by the content hash in its WHERE clause:
        the check and the write are one statement, so no edit can slip in between them."""
        if not posts:
            return 0
        c = POSTS.c
        statement = (
            update(POSTS)
            .where(c.article_id == bindparam("b_id"), c.content_hash == bindparam("b_hash"))
            .values(
                indexed_hash=bindparam("b_indexed"),
                indexed_chunks=bindparam("b_chunks"),
                embedding_attempts=bindparam("b_attempts"),
                embedding_error=bindparam("b_error"),
                updated_at=bindparam("b_now"),
            )
        )
        now = datetime.now(UTC)
        latest = {post.article_id: post for post in posts}
        rows = [
            {
                "b_id": post.article_id,
                "b_hash": post.content_hash,
                "b_indexed": post.indexed_hash,
                "b_chunks": post.indexed_chunks,
                "b_attempts": post.embedding_stage.attempts,
                "b_error": post.embedding_stage.last_error,
                "b_now": now,
            }
            for post in latest.values()
        ]
        written = 0
        for chunk in chunked(rows, ROWS_PER_STATEMENT):
            result = self._session.execute(statement, chunk)
            written += cast(CursorResult[Any], result).rowcount
        return written


def _status_values(status: PostStatus) -> dict[str, Any]:
    return {
        "article_id": status.article_id,
        "kind": status.kind.value,
        "reason": status.reason,
        "attempts": status.attempts,
        "updated_at": status.updated_at,
    }


def _status(row: RowMapping) -> PostStatus:
    """Trusted like `_post`: written from a validated status."""
    return PostStatus.model_construct(
        article_id=row["article_id"],
        kind=PostStatusKind(row["kind"]),
        reason=row["reason"],
        attempts=row["attempts"],
        updated_at=row["updated_at"],
    )


class SqlPostStatusRepository(PostStatusRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def get(self, article_id: int) -> PostStatus | None:
        return first_row(self._session, select(STATUSES).where(STATUSES.c.article_id == article_id), _status)

    @translate_errors
    def get_many(self, article_ids: Iterable[int]) -> dict[int, PostStatus]:
        rows = rows_keyed_in(self._session, STATUSES.c.article_id, article_ids)
        return {row["article_id"]: _status(row) for row in rows}

    @translate_errors
    def upsert_many(self, statuses: Sequence[PostStatus]) -> None:
        latest = {status.article_id: status for status in statuses}
        upsert(self._session, STATUSES, [_status_values(status) for status in latest.values()], key="article_id")

    @translate_errors
    def with_kind(self, kind: PostStatusKind, *, after_id: int = 0, limit: int = 500) -> list[PostStatus]:
        if limit <= 0:
            return []
        query = (
            select(STATUSES)
            .where(STATUSES.c.kind == kind.value, STATUSES.c.article_id > after_id)
            .order_by(STATUSES.c.article_id)
            .limit(limit)
        )
        return [_status(row) for row in self._session.execute(query).mappings()]

    @translate_errors
    def kinds_between(self, after_id: int, up_to_id: int) -> dict[int, PostStatusKind]:
        c = STATUSES.c
        query = select(c.article_id, c.kind).where(c.article_id > after_id, c.article_id <= up_to_id)
        return {int(article_id): PostStatusKind(kind) for article_id, kind in self._session.execute(query)}

    @translate_errors
    def counts(self) -> dict[PostStatusKind, int]:
        query = select(STATUSES.c.kind, func.count()).group_by(STATUSES.c.kind)
        return {PostStatusKind(kind): int(n) for kind, n in self._session.execute(query)}

    @translate_errors
    def highest_id(self, kinds: Iterable[PostStatusKind]) -> int | None:
        wanted = sorted({PostStatusKind(kind).value for kind in kinds})
        if not wanted:
            return None
        query = select(func.max(STATUSES.c.article_id)).where(STATUSES.c.kind.in_(wanted))
        value = self._session.execute(query).scalar_one()
        return None if value is None else int(value)
