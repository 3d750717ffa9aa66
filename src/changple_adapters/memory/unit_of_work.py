"""An in-memory unit of work with real transaction semantics: changes are staged on a copy of
the tables and reach the shared store only on commit, which applies just this transaction's
changes (no lost updates) and refuses an insert whose key another transaction took meanwhile,
as a database's unique constraint would."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

from changple_adapters.memory.repositories import (
    MemoryAuthorRepository,
    MemoryBatchJobRepository,
    MemoryBrandRepository,
    MemoryPipelineRunRepository,
    MemoryPostRepository,
    MemoryPostStatusRepository,
    MemoryTables,
)
from changple_adapters.memory.scan_runs import MemoryScanRunRepository
from changple_domain.errors import AlreadyExists
from changple_domain.ports import UnitOfWork

_TABLES = ("posts", "statuses", "authors", "brands", "batches", "runs", "scans")


class MemoryStore:
    """The committed state, shared by every unit of work made from it (one store, many workers)."""

    def __init__(self) -> None:
        self.tables = MemoryTables()
        self.lock = threading.Lock()


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()
        self._base: MemoryTables | None = None
        self._staged: MemoryTables | None = None

    def __enter__(self) -> Self:
        if self._staged is not None:
            raise RuntimeError("this unit of work is already open; enter it one block at a time")
        self._begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._base = self._staged = None

    def _begin(self) -> None:
        with self.store.lock:
            self._base = self.store.tables.copy()
        self._staged = self._base.copy()
        self.posts = MemoryPostRepository(self._staged)
        self.statuses = MemoryPostStatusRepository(self._staged)
        self.authors = MemoryAuthorRepository(self._staged)
        self.brands = MemoryBrandRepository(self._staged)
        self.batches = MemoryBatchJobRepository(self._staged)
        self.runs = MemoryPipelineRunRepository(self._staged)
        self.scans = MemoryScanRunRepository(self._staged)

    def commit(self) -> None:
        if self._staged is None or self._base is None:
            raise RuntimeError("commit outside a unit-of-work block")
        staged, base = self._staged, self._base
        with self.store.lock:
            committed = self.store.tables
            self._check_conflicts(staged, committed)
            for name in _TABLES:
                before: dict[Any, Any] = getattr(base, name)
                target: dict[Any, Any] = getattr(committed, name)
                for key, value in getattr(staged, name).items():
                    if before.get(key) is not value:
                        target[key] = value
        self._begin()

    @staticmethod
    def _check_conflicts(staged: MemoryTables, committed: MemoryTables) -> None:
        for name, keys in staged.added.items():
            taken = [key for key in keys if key in getattr(committed, name)]
            if taken:
                raise AlreadyExists(f"{name} {taken[0]!r} was added by another transaction")
        for name, label in (("runs", "pipeline run"), ("scans", "scan")):
            rows: dict[Any, Any] = getattr(staged, name)
            committed_keys = {row.key for row in getattr(committed, name).values()}
            for row_id in staged.added.get(name, ()):
                if rows[row_id].key in committed_keys:
                    raise AlreadyExists(f"{label} '{rows[row_id].key}' already exists")

    def rollback(self) -> None:
        if self._staged is None:
            raise RuntimeError("rollback outside a unit-of-work block")
        self._begin()
