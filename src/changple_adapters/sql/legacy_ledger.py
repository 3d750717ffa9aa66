"""What changple remembers of changple2 imports, in SQL: the marks of carried rows and the reports."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from changple_adapters.sql._support import chunked, dialect_insert, one_of, translate_errors
from changple_adapters.sql.tables import (
    AuthorRow,
    BrandRow,
    ChatMessageRow,
    ChatSessionRow,
    ContentRow,
    ContentViewRow,
    LegacyBlockRow,
    LegacyImportRow,
    LegacyMarkRow,
    PostRow,
    PostStatusRow,
    UserRow,
)
from changple_domain.model.legacy import LegacyEntity, LegacyImportReport, LegacyMark
from changple_domain.ports import LegacyLedger

MARKS: Table = LegacyMarkRow.__table__  # type: ignore[assignment]
IMPORTS: Table = LegacyImportRow.__table__  # type: ignore[assignment]
BLOCKS: Table = LegacyBlockRow.__table__  # type: ignore[assignment]
_LOOKUP_CHUNK = 1000
# The tables an entity's carried rows go into, whose lookups the import makes page after page.
_CARRIED_INTO: dict[LegacyEntity, str] = {
    LegacyEntity.POSTS: PostRow.__tablename__,
    LegacyEntity.STATUSES: PostStatusRow.__tablename__,
    LegacyEntity.AUTHORS: AuthorRow.__tablename__,
    LegacyEntity.BRANDS: BrandRow.__tablename__,
    LegacyEntity.USERS: UserRow.__tablename__,
    LegacyEntity.CONTENTS: ContentRow.__tablename__,
    LegacyEntity.VIEWS: ContentViewRow.__tablename__,
    LegacyEntity.CHAT_SESSIONS: ChatSessionRow.__tablename__,
    LegacyEntity.CHAT_MESSAGES: ChatMessageRow.__tablename__,
}


class SqlLegacyLedger(LegacyLedger):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def marks(self, entity: LegacyEntity, legacy_ids: Iterable[int]) -> dict[int, LegacyMark]:
        found: dict[int, LegacyMark] = {}
        for chunk in chunked(sorted(set(legacy_ids)), _LOOKUP_CHUNK):
            query = select(MARKS).where(MARKS.c.entity == entity.value, one_of(self._session, MARKS.c.legacy_id, chunk))
            for row in self._session.execute(query).mappings():
                found[row["legacy_id"]] = LegacyMark.model_validate(dict(row))
        return found

    @translate_errors
    def put_marks(self, marks: Sequence[LegacyMark]) -> None:
        if not marks:
            return
        statement = dialect_insert(self._session, MARKS)
        statement = statement.on_conflict_do_update(
            index_elements=[MARKS.c.entity, MARKS.c.legacy_id],
            set_={"target": statement.excluded.target, "fingerprint": statement.excluded.fingerprint},
        )
        rows = [mark.model_dump(mode="json") for mark in marks]
        for chunk in chunked(rows, 500):
            self._session.execute(statement, chunk)

    @translate_errors
    def count(self, entity: LegacyEntity) -> int:
        query = select(func.count()).select_from(MARKS).where(MARKS.c.entity == entity.value)
        return int(self._session.execute(query).scalar_one())

    @translate_errors
    def refresh_statistics(self, entity: LegacyEntity) -> None:
        """ANALYZE the marks table and the tables `entity`'s rows went into (Postgres and SQLite
        keep statistics per table): they grow from empty during a first import, and with no
        statistics, or those from when they were small, the planner scans all of a table for each
        page's lookup of 500 keys (marks by legacy id, users by Naver id, posts by content hash)."""
        for name in filter(None, (MARKS.name, _CARRIED_INTO.get(entity))):
            self._session.execute(text(f"ANALYZE {name}"))

    @translate_errors
    def block_digests(self, entity: LegacyEntity, block_size: int) -> dict[int, str]:
        query = select(BLOCKS.c.block, BLOCKS.c.digest).where(
            BLOCKS.c.entity == entity.value, BLOCKS.c.block_size == block_size
        )
        return {int(block): str(digest) for block, digest in self._session.execute(query)}

    @translate_errors
    def put_block_digest(self, entity: LegacyEntity, block_size: int, block: int, digest: str) -> None:
        statement = dialect_insert(self._session, BLOCKS)
        statement = statement.on_conflict_do_update(
            index_elements=[BLOCKS.c.entity, BLOCKS.c.block_size, BLOCKS.c.block],
            set_={"digest": statement.excluded.digest},
        )
        self._session.execute(
            statement, [{"entity": entity.value, "block_size": block_size, "block": block, "digest": digest}]
        )

    @translate_errors
    def save_report(self, report: LegacyImportReport) -> None:
        finished = report.finished_at or report.started_at
        values = {"dry_run": report.dry_run, "finished_at": finished, "report": report.model_dump(mode="json")}
        self._session.execute(insert(IMPORTS).values(**values))

    @translate_errors
    def last_report(self) -> LegacyImportReport | None:
        query = select(IMPORTS.c.report).order_by(IMPORTS.c.id.desc()).limit(1)
        stored = self._session.execute(query).scalar_one_or_none()
        return None if stored is None else LegacyImportReport.model_validate(stored)
