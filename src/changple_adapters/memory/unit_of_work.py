"""An in-memory unit of work with real transaction semantics: changes are staged on a copy of
the tables and reach the shared store only on commit, which applies just this transaction's
changes (no lost updates) and refuses an insert whose key another transaction took meanwhile,
as a database's unique constraint would. Foreign keys are settled on the merged tables at commit
(see `settle_references`), so a cascade reaches rows other transactions committed meanwhile."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from changple_adapters.memory.accounts import (
    MemoryRevocationRepository,
    MemoryServiceTokenRepository,
    MemoryUserRepository,
)
from changple_adapters.memory.content import (
    MemoryChatRepository,
    MemoryContentRepository,
    MemoryContentViewRepository,
    settle_references,
)
from changple_adapters.memory.legacy import MemoryLegacyLedger
from changple_adapters.memory.repositories import (
    MemoryBatchJobRepository,
    MemoryCatalogRepository,
    MemoryPostRepository,
    MemoryPostStatusRepository,
    MemoryTables,
)
from changple_adapters.memory.run_records import MemoryPipelineRunRepository, MemoryScanRunRepository
from changple_domain.errors import AlreadyExists
from changple_domain.model.access import ServiceToken
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.users import User
from changple_domain.ports import UnitOfWork

_TABLES = (
    "posts",
    "statuses",
    "authors",
    "brands",
    "batches",
    "runs",
    "scans",
    "users",
    "service_tokens",
    "revocations",
    "contents",
    "content_views",
    "chat_sessions",
    "chat_messages",
    "legacy_marks",
    "legacy_imports",
    "legacy_blocks",
)


class MemoryStore:
    """The committed state, shared by every unit of work made from it (one store, many workers)."""

    def __init__(self) -> None:
        self.tables = MemoryTables()
        self.lock = threading.Lock()
        self._sequences: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        """An id no other transaction gets, like a database sequence (never reused, gaps allowed)."""
        with self.lock:
            self._sequences[table] = self._sequences.get(table, 0) + 1
            return self._sequences[table]


class MemoryUnitOfWork(UnitOfWork):
    def __init__(
        self, store: MemoryStore | None = None, *, on_content_commit: Callable[[], None] | None = None
    ) -> None:
        self.store = store or MemoryStore()
        self._on_content_commit = on_content_commit  # told after a commit that wrote content
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
        self.authors = MemoryCatalogRepository(self._staged, AllowedAuthor)
        self.brands = MemoryCatalogRepository(self._staged, GoodToKnowBrand)
        self.batches = MemoryBatchJobRepository(self._staged)
        self.runs = MemoryPipelineRunRepository(self._staged)
        self.scans = MemoryScanRunRepository(self._staged)
        self.users = MemoryUserRepository(self._staged, self.store.next_id)
        self.service_tokens = MemoryServiceTokenRepository(self._staged)
        self.revocations = MemoryRevocationRepository(self._staged, self.store.next_id)
        self.contents = MemoryContentRepository(self._staged, self.store.next_id)
        self.content_views = MemoryContentViewRepository(self._staged, self.store.next_id)
        self.chats = MemoryChatRepository(self._staged, self.store.next_id)
        self.legacy = MemoryLegacyLedger(self._staged, self.store.next_id)

    def commit(self) -> None:
        if self._staged is None or self._base is None:
            raise RuntimeError("commit outside a unit-of-work block")
        staged, base = self._staged, self._base
        with self.store.lock:
            committed = self.store.tables
            self._check_conflicts(staged, committed)
            merged = committed.copy()  # the shared store changes only once everything below passed
            written: dict[str, set[object]] = {}
            contents_deleted = bool(base.contents.keys() - staged.contents.keys())
            for name in _TABLES:
                before: dict[Any, Any] = getattr(base, name)
                target: dict[Any, Any] = getattr(merged, name)
                after: dict[Any, Any] = getattr(staged, name)
                changed = written.setdefault(name, set())
                for key, value in after.items():
                    if before.get(key) is not value:
                        target[key] = value
                        changed.add(key)
                for key in before.keys() - after.keys():  # deleted in this transaction
                    target.pop(key, None)
            settle_references(merged, written)
            self.store.tables = merged
        self._begin()
        if self._on_content_commit is not None and (written["contents"] or contents_deleted):
            self._on_content_commit()

    @staticmethod
    def _check_conflicts(staged: MemoryTables, committed: MemoryTables) -> None:
        for name, keys in staged.added.items():
            taken = [key for key in keys if key in getattr(committed, name)]
            if taken:
                raise AlreadyExists(f"{name} {taken[0]!r} was added by another transaction")
        committed_people = {(u.provider, u.social_id) for u in committed.users.values()}
        new_users: list[User] = [staged.users[i] for i in staged.added.get("users", ())]  # type: ignore[index]
        if any((u.provider, u.social_id) in committed_people for u in new_users):
            raise AlreadyExists("a user with this social id was added by another transaction")
        active_names = {t.name for t in committed.service_tokens.values() if t.active}
        new_tokens: list[ServiceToken] = [
            staged.service_tokens[i]  # type: ignore[index]
            for i in staged.added.get("service_tokens", ())
        ]
        for token in new_tokens:
            if token.active and token.name in active_names:
                raise AlreadyExists(f"service token '{token.name}' was added by another transaction")
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
