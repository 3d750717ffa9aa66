"""The changple2 database an operator imports from, and what changple remembers of an import."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import BinaryIO, Protocol, runtime_checkable

from changple_domain.model.legacy import (
    BlockDigest,
    LegacyContent,
    LegacyEntity,
    LegacyImportReport,
    LegacyMark,
    LegacyPage,
    R,
)


@runtime_checkable
class LegacySource(Protocol):
    """A changple2 database (and its MEDIA_ROOT), read only. Rows come in keyset pages by id, so
    memory stays flat however large the monolith is."""

    def missing(self) -> list[str]:
        """The tables ('users_user') and columns ('users_user.social_id') changple2 has and this
        database lacks; empty when it is a changple2 database. Extra tables and columns are fine."""
        ...

    def count(self, kind: type[R]) -> int: ...
    def page(self, kind: type[R], *, after_id: int = 0, limit: int = 500, up_to_id: int | None = None) -> LegacyPage[R]:
        """Rows of `kind`'s table with after_id < id (<= up_to_id), ascending; a row that does not
        fit is a refusal."""
        ...

    def block_digests(self, kind: type[R], block_size: int) -> dict[int, BlockDigest] | None:
        """A digest of everything `page` reads for the rows of each block of ids (block b holds
        ids b*block_size+1 .. (b+1)*block_size), computed where the rows are, with the block's row
        count. None when this database cannot digest without reading every row out, which is as
        slow as reading them."""
        ...

    def content_archive(self, content: LegacyContent) -> BinaryIO:
        """The column's Notion export as a zip: its zip file if present, else its extracted export
        zipped. InvalidInput naming the reason when the file is missing or points outside MEDIA_ROOT."""
        ...


@runtime_checkable
class LegacyLedger(Protocol):
    """Marks of carried rows (legacy id -> changple key + fingerprint) and the last import's report.
    Written in the same transaction as the rows they mark, so a crash never separates the two."""

    def marks(self, entity: LegacyEntity, legacy_ids: Iterable[int]) -> dict[int, LegacyMark]: ...
    def put_marks(self, marks: Sequence[LegacyMark]) -> None:
        """Insert or replace marks by (entity, legacy id)."""
        ...

    def count(self, entity: LegacyEntity) -> int: ...
    def refresh_statistics(self, entity: LegacyEntity) -> None:
        """The marks of `entity` grew a lot in this import: bring the store's planner statistics of
        the marks, and of where `entity`'s rows went, up to date (ANALYZE), so the import's lookups
        keep using their indexes even where nothing analyzes tables on its own (autovacuum off).
        Nothing to do where there is no planner."""
        ...

    def block_digests(self, entity: LegacyEntity, block_size: int) -> dict[int, str]:
        """The digests of the blocks of `entity` an earlier import carried whole (see `put_block_digest`)."""
        ...

    def put_block_digest(self, entity: LegacyEntity, block_size: int, block: int, digest: str) -> None:
        """Remember that every row of this block was carried from rows with this digest, in the
        transaction that carried them: the next import skips the block while its digest holds."""
        ...

    def save_report(self, report: LegacyImportReport) -> None: ...
    def last_report(self) -> LegacyImportReport | None: ...
