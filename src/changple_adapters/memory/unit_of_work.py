"""An in-memory unit of work with real transaction semantics: changes are staged on a copy of
the tables and become visible to others only on commit."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

from changple_adapters.memory.repositories import (
    MemoryAuthorRepository,
    MemoryBatchJobRepository,
    MemoryBrandRepository,
    MemoryPipelineRunRepository,
    MemoryPostRepository,
    MemoryPostStatusRepository,
    MemoryTables,
)
from changple_domain.ports import UnitOfWork


class MemoryStore:
    """The committed state, shared by every unit of work made from it (one store, many workers)."""

    def __init__(self) -> None:
        self.tables = MemoryTables()
        self.lock = threading.Lock()


class MemoryUnitOfWork(UnitOfWork):
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()
        self._staged: MemoryTables | None = None

    def __enter__(self) -> Self:
        if self._staged is not None:
            raise RuntimeError("this unit of work is already open; enter it one block at a time")
        with self.store.lock:
            self._staged = self.store.tables.copy()
        self._bind(self._staged)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._staged = None

    def _bind(self, tables: MemoryTables) -> None:
        self.posts = MemoryPostRepository(tables)
        self.statuses = MemoryPostStatusRepository(tables)
        self.authors = MemoryAuthorRepository(tables)
        self.brands = MemoryBrandRepository(tables)
        self.batches = MemoryBatchJobRepository(tables)
        self.runs = MemoryPipelineRunRepository(tables)

    def commit(self) -> None:
        if self._staged is None:
            raise RuntimeError("commit outside a unit-of-work block")
        with self.store.lock:
            self.store.tables = self._staged.copy()

    def rollback(self) -> None:
        if self._staged is None:
            raise RuntimeError("rollback outside a unit-of-work block")
        with self.store.lock:
            self._staged = self.store.tables.copy()
        self._bind(self._staged)
