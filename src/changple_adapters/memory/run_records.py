"""Pipeline runs and scans in memory: one record shape (an id, a unique key, a state, when it
started), with the same key uniqueness the SQL tables enforce."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import ClassVar, Generic, Protocol, TypeVar

from changple_adapters.memory.repositories import MemoryTables
from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.runs import PipelineRun, RunState
from changple_domain.model.scans import ScanRun
from changple_domain.ports import PipelineRunRepository, ScanRunRepository


class _Record(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def state(self) -> RunState: ...
    @property
    def started_at(self) -> datetime: ...


R = TypeVar("R", bound=_Record)


class _MemoryRecords(Generic[R]):
    noun: ClassVar[str]  # how errors name one ("pipeline run")
    table: ClassVar[str]  # the `MemoryTables` attribute holding them

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables
        self._rows: dict[str, R] = getattr(tables, self.table)

    def add(self, record: R) -> None:
        if record.id in self._rows or any(r.key == record.key for r in self._rows.values()):
            raise AlreadyExists(f"{self.noun} '{record.key}' already exists")
        self._rows[record.id] = record
        self._tables.note_added(self.table, record.id)

    def save(self, record: R) -> None:
        if record.id not in self._rows:
            raise NotFound(f"{self.noun} '{record.id}' was never added")
        self._rows[record.id] = record

    def get(self, record_id: str) -> R | None:
        return self._rows.get(record_id)

    def get_by_key(self, key: str) -> R | None:
        return next((r for r in self._rows.values() if r.key == key), None)

    def recent(self, *, limit: int = 20, offset: int = 0) -> list[R]:
        newest_first = sorted(self._rows.values(), key=lambda r: (r.started_at, r.id), reverse=True)
        return newest_first[max(offset, 0) :][: max(limit, 0)]

    def count_by_state(self) -> dict[RunState, int]:
        return dict(Counter(r.state for r in self._rows.values()))


class MemoryPipelineRunRepository(_MemoryRecords[PipelineRun], PipelineRunRepository):
    noun = "pipeline run"
    table = "runs"


class MemoryScanRunRepository(_MemoryRecords[ScanRun], ScanRunRepository):
    noun = "scan"
    table = "scans"
