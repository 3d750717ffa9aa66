"""Ports: one Protocol per outside capability, grouped by area in this package and re-exported here,
so `from changple_domain.ports import UnitOfWork` works for every port. Adapters and in-memory fakes
subclass them explicitly; they are runtime-checkable for Litestar's and dependency-injector's checks.
Every signature speaks domain types only."""

from changple_domain.ports.accounts import (
    LoginLinkStore,
    OAuthProvider,
    RevocationRepository,
    ServiceTokenRepository,
    UserRepository,
)
from changple_domain.ports.catalog import AuthorRepository, BrandRepository, CatalogRepository
from changple_domain.ports.chat import ChatRepository
from changple_domain.ports.content import (
    AnswerCache,
    ContentChanges,
    ContentRepository,
    ContentViewRepository,
    ExportProcessor,
    FileStorage,
)
from changple_domain.ports.legacy import LegacyLedger, LegacySource
from changple_domain.ports.posts import (
    BatchJobRepository,
    PipelineRunRepository,
    PostRepository,
    PostSelection,
    PostStatusRepository,
    ScanRunRepository,
)
from changple_domain.ports.providers import BatchEmbedder, BatchSummarizer, CafeSource, QueryEmbedder, VectorIndex
from changple_domain.ports.runtime import Clock, IdSource, Mutex, TaskQueue
from changple_domain.ports.unit_of_work import UnitOfWork

__all__ = [
    "AnswerCache",
    "AuthorRepository",
    "BatchEmbedder",
    "BatchJobRepository",
    "BatchSummarizer",
    "BrandRepository",
    "CafeSource",
    "CatalogRepository",
    "ChatRepository",
    "Clock",
    "ContentChanges",
    "ContentRepository",
    "ContentViewRepository",
    "ExportProcessor",
    "FileStorage",
    "IdSource",
    "LegacyLedger",
    "LegacySource",
    "LoginLinkStore",
    "Mutex",
    "OAuthProvider",
    "PipelineRunRepository",
    "PostRepository",
    "PostSelection",
    "PostStatusRepository",
    "QueryEmbedder",
    "RevocationRepository",
    "ScanRunRepository",
    "ServiceTokenRepository",
    "TaskQueue",
    "UnitOfWork",
    "UserRepository",
    "VectorIndex",
]
