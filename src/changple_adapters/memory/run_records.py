"""Pipeline runs and scans in memory: one record shape (an id, a unique key, a state, when it
started), with the same key uniqueness the SQL tables enforce."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Protocol, TypeVar

from changple_adapters.memory.repositories import StoredById
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


class _MemoryRecords(StoredById[R]):
    def _taken(self, record: R) -> str | None:
        """A run's key is unique too; the error names the key."""
        if record.id in self._rows or any(r.key == record.key for r in self._rows.values()):
            return record.key
        return None

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
