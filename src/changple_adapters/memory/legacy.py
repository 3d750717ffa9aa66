"""What changple remembers of changple2 imports, in memory (the fake the SQL ledger is held to)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from changple_adapters.memory.repositories import MemoryTables
from changple_domain.model.legacy import LegacyEntity, LegacyImportReport, LegacyMark
from changple_domain.ports import LegacyLedger


class MemoryLegacyLedger(LegacyLedger):
    def __init__(self, tables: MemoryTables, next_id: Callable[[str], int]) -> None:
        self._marks, self._imports, self._next_id = tables.legacy_marks, tables.legacy_imports, next_id
        self._blocks = tables.legacy_blocks

    def marks(self, entity: LegacyEntity, legacy_ids: Iterable[int]) -> dict[int, LegacyMark]:
        found = (self._marks.get((entity.value, legacy_id)) for legacy_id in set(legacy_ids))
        return {mark.legacy_id: mark for mark in found if mark is not None}

    def put_marks(self, marks: Sequence[LegacyMark]) -> None:
        for mark in marks:
            self._marks[(mark.entity.value, mark.legacy_id)] = mark

    def count(self, entity: LegacyEntity) -> int:
        return sum(1 for kind, _ in self._marks if kind == entity.value)

    def refresh_statistics(self, entity: LegacyEntity) -> None:
        """A dict has no planner."""

    def block_digests(self, entity: LegacyEntity, block_size: int) -> dict[int, str]:
        return {b: d for (kind, size, b), d in self._blocks.items() if (kind, size) == (entity.value, block_size)}

    def put_block_digest(self, entity: LegacyEntity, block_size: int, block: int, digest: str) -> None:
        self._blocks[(entity.value, block_size, block)] = digest

    def save_report(self, report: LegacyImportReport) -> None:
        self._imports[self._next_id("legacy_imports")] = report

    def last_report(self) -> LegacyImportReport | None:
        return self._imports[max(self._imports)] if self._imports else None
