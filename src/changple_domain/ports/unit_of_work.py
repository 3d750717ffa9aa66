"""The unit of work: one transaction over every repository."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from changple_domain.ports.accounts import RevocationRepository, ServiceTokenRepository, UserRepository
from changple_domain.ports.catalog import AuthorRepository, BrandRepository
from changple_domain.ports.chat import ChatRepository
from changple_domain.ports.content import ContentRepository, ContentViewRepository
from changple_domain.ports.legacy import LegacyLedger
from changple_domain.ports.posts import (
    BatchJobRepository,
    PipelineRunRepository,
    PostRepository,
    PostStatusRepository,
    ScanRunRepository,
)


@runtime_checkable
class UnitOfWork(Protocol):
    """A transaction over every repository. Use as `with uow: ...; uow.commit()`; leaving the
    block without commit rolls back. The same object may be entered again, one block at a time."""

    posts: PostRepository
    statuses: PostStatusRepository
    authors: AuthorRepository
    brands: BrandRepository
    batches: BatchJobRepository
    runs: PipelineRunRepository
    scans: ScanRunRepository
    users: UserRepository
    service_tokens: ServiceTokenRepository
    revocations: RevocationRepository
    contents: ContentRepository
    content_views: ContentViewRepository
    chats: ChatRepository
    legacy: LegacyLedger

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
