"""Recording posts seen again exactly as stored writes nothing to the database: counted as the SQL
statements the driver is asked to run, on each SQL backend."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.posts import PostStatusKind
from changple_domain.model.providers import ScrapedArticle, ScrapeOutcome
from changple_domain.use_cases.record_articles import RecordArticles, record_articles
from tests.contract.factories import T0, make_post


class _Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> Any:
        return self.at


@contextmanager
def _writes() -> Iterator[list[str]]:
    """The INSERT, UPDATE and DELETE statements any engine runs while inside."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(Engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", note)


def _saved(article_id: int, **overrides: Any) -> ScrapedArticle:
    return ScrapedArticle(article_id=article_id, outcome=ScrapeOutcome.SAVED, post=make_post(article_id, **overrides))


def test_an_unchanged_rerecord_writes_nothing(sql_uow: SqlUnitOfWork) -> None:
    clock = _Clock()
    first = record_articles(RecordArticles(articles=tuple(_saved(i) for i in range(1, 6))), uow=sql_uow, clock=clock)
    assert first.new == 5
    clock.at = T0 + timedelta(hours=1)

    again = tuple(_saved(i, scraped_at=T0 + timedelta(hours=1)) for i in range(1, 6))  # a later scan, same posts
    with _writes() as writes:
        report = record_articles(RecordArticles(articles=again), uow=sql_uow, clock=clock)

    assert (report.unchanged, report.new, report.changed) == (5, 0, 0)
    assert writes == []
    with sql_uow:
        status = sql_uow.statuses.get(3)
        post = sql_uow.posts.get(3)
    assert status is not None
    assert (status.kind, status.updated_at) == (PostStatusKind.SAVED, T0)
    assert post is not None
    assert post.scraped_at == T0


def test_a_rerecord_writes_only_what_changed(sql_uow: SqlUnitOfWork) -> None:
    clock = _Clock()
    record_articles(RecordArticles(articles=tuple(_saved(i) for i in range(1, 6))), uow=sql_uow, clock=clock)
    clock.at = T0 + timedelta(hours=1)
    moved = _saved(2, board="새 게시판")  # same content hash, another board: must still be stored
    gone = ScrapedArticle(article_id=4, outcome=ScrapeOutcome.DELETED)

    with _writes() as writes:
        report = record_articles(
            RecordArticles(articles=(_saved(1), moved, _saved(3), gone, _saved(5))), uow=sql_uow, clock=clock
        )

    assert (report.unchanged, report.deleted) == (4, 1)
    assert writes, "the board move and the deletion must be written"
    with sql_uow:
        assert sql_uow.posts.get(2).board == "새 게시판"  # type: ignore[union-attr]
        statuses = sql_uow.statuses.get_many([1, 2, 4])
    assert statuses[4].kind is PostStatusKind.DELETED
    assert statuses[2].updated_at == T0 + timedelta(hours=1)  # rewritten with its post
    assert statuses[1].updated_at == T0  # seen as stored: untouched
