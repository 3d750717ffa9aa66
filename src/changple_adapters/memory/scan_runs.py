"""Scan runs in memory, with the same key uniqueness the SQL table enforces."""

from __future__ import annotations

from collections import Counter

from changple_adapters.memory.repositories import MemoryTables
from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.runs import RunState
from changple_domain.model.scans import ScanRun
from changple_domain.ports import ScanRunRepository


class MemoryScanRunRepository(ScanRunRepository):
    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables
        self._rows = tables.scans

    def add(self, scan: ScanRun) -> None:
        if scan.id in self._rows or any(s.key == scan.key for s in self._rows.values()):
            raise AlreadyExists(f"scan '{scan.key}' already exists")
        self._rows[scan.id] = scan
        self._tables.note_added("scans", scan.id)

    def save(self, scan: ScanRun) -> None:
        if scan.id not in self._rows:
            raise NotFound(f"scan '{scan.id}' was never added")
        self._rows[scan.id] = scan

    def get(self, scan_id: str) -> ScanRun | None:
        return self._rows.get(scan_id)

    def get_by_key(self, key: str) -> ScanRun | None:
        return next((s for s in self._rows.values() if s.key == key), None)

    def recent(self, *, limit: int = 20, offset: int = 0) -> list[ScanRun]:
        newest_first = sorted(self._rows.values(), key=lambda s: (s.started_at, s.id), reverse=True)
        return newest_first[max(offset, 0) :][: max(limit, 0)]

    def count_by_state(self) -> dict[RunState, int]:
        return dict(Counter(s.state for s in self._rows.values()))
