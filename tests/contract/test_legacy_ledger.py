"""Contract of the legacy ledger (marks of carried changple2 rows, import reports) on every
unit-of-work implementation: marks are upserted by (entity, legacy id), vanish with a rollback like
the rows they mark, and the last saved report comes back whole."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.legacy import LegacyEntity, LegacyImportReport, LegacyMark, LegacyRefusal
from changple_domain.ports import UnitOfWork
from tests.contract.conftest import UowFactory
from tests.contract.factories import make_post

T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def mark(
    legacy_id: int, target: str, fingerprint: str = "a" * 64, entity: LegacyEntity = LegacyEntity.POSTS
) -> LegacyMark:
    return LegacyMark(entity=entity, legacy_id=legacy_id, target=target, fingerprint=fingerprint)


def test_marks_upsert_by_entity_and_legacy_id(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with uow:
        uow.legacy.put_marks([mark(1, "1001"), mark(2, "1002"), mark(1, "7", entity=LegacyEntity.USERS)])
        uow.commit()
    with uow:
        uow.legacy.put_marks([mark(1, "1001", fingerprint="b" * 64)])
        uow.commit()
    with uow_factory() as other:
        found = other.legacy.marks(LegacyEntity.POSTS, [1, 2, 3])
        assert sorted(found) == [1, 2]
        assert found[1].fingerprint == "b" * 64
        assert other.legacy.marks(LegacyEntity.USERS, [1])[1].target == "7"
        assert other.legacy.count(LegacyEntity.POSTS) == 2
        assert other.legacy.count(LegacyEntity.CHAT_MESSAGES) == 0


def test_marks_go_with_a_rollback(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with uow:
        uow.legacy.put_marks([mark(5, "1005")])
    with uow_factory() as other:
        assert other.legacy.marks(LegacyEntity.POSTS, [5]) == {}


def test_the_last_report_comes_back(uow_factory: UowFactory) -> None:
    uow = uow_factory()
    with uow:
        assert uow.legacy.last_report() is None
        first = LegacyImportReport(started_at=T0, finished_at=T0)
        second = LegacyImportReport(started_at=T0, finished_at=T0)
        second.refuse(LegacyEntity.POSTS, LegacyRefusal(table="scraper_navercafedata", legacy_id=9, reason="NUL"))
        uow.legacy.save_report(first)
        uow.legacy.save_report(second)
        uow.commit()
    with uow_factory() as other:
        last = other.legacy.last_report()
        assert last == second
        assert last is not None
        assert last.entities[LegacyEntity.POSTS].refused == 1


def test_block_digests_are_kept_per_entity_and_block_size(uow: UnitOfWork) -> None:
    with uow:
        uow.legacy.put_block_digest(LegacyEntity.POSTS, 500, 0, "a" * 32)
        uow.legacy.put_block_digest(LegacyEntity.POSTS, 500, 3, "b" * 32)
        uow.legacy.put_block_digest(LegacyEntity.POSTS, 100, 0, "c" * 32)
        uow.legacy.put_block_digest(LegacyEntity.USERS, 500, 0, "d" * 32)
        uow.legacy.put_block_digest(LegacyEntity.POSTS, 500, 3, "e" * 32)  # carried again: replaced
        uow.commit()
    with uow:
        assert uow.legacy.block_digests(LegacyEntity.POSTS, 500) == {0: "a" * 32, 3: "e" * 32}
        assert uow.legacy.block_digests(LegacyEntity.POSTS, 100) == {0: "c" * 32}
        assert uow.legacy.block_digests(LegacyEntity.CHAT_MESSAGES, 500) == {}


def test_refreshing_statistics_keeps_every_mark(uow: UnitOfWork) -> None:
    with uow:
        uow.legacy.put_marks([mark(i, str(1000 + i)) for i in range(1, 301)])
        uow.commit()
    with uow:
        uow.legacy.refresh_statistics(LegacyEntity.POSTS)
        uow.commit()
    with uow:
        assert uow.legacy.count(LegacyEntity.POSTS) == 300
        assert uow.legacy.marks(LegacyEntity.POSTS, [1, 300, 301]).keys() == {1, 300}


def test_refreshing_statistics_tells_the_planner_how_many_marks_and_posts_there_are(sql_uow: SqlUnitOfWork) -> None:
    """ANALYZE ran on the marks and on where the entity's rows went: Postgres's row estimate of
    each table, SQLite's sqlite_stat1, now count them."""
    with sql_uow:
        sql_uow.legacy.put_marks([mark(i, str(1000 + i)) for i in range(1, 2001)])
        sql_uow.posts.upsert_many([make_post(1000 + i) for i in range(1, 31)])
        sql_uow.commit()
    with sql_uow:
        sql_uow.legacy.refresh_statistics(LegacyEntity.POSTS)
        sql_uow.commit()
    with sql_uow:
        session = sql_uow._session
        assert session is not None
        postgres = session.get_bind().dialect.name == "postgresql"
        known = {}
        for table in ("legacy_marks", "posts"):
            if postgres:
                estimate = session.execute(text(f"SELECT reltuples FROM pg_class WHERE relname = '{table}'")).scalar()
            else:
                stat = session.execute(text(f"SELECT stat FROM sqlite_stat1 WHERE tbl = '{table}'")).scalars().first()
                estimate = str(stat).split()[0]
            known[table] = int(float(estimate))
        assert known == {"legacy_marks": 2000, "posts": 30}
