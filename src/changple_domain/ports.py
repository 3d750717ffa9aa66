"""Ports: one Protocol per outside capability. Adapters and in-memory fakes subclass them
explicitly; they are runtime-checkable for Litestar's and dependency-injector's checks.
Every signature speaks domain types only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import BinaryIO, Protocol, Self, runtime_checkable

from changple_domain.model.access import ServiceToken
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.batches import AppliedJob, BatchJob, BatchState
from changple_domain.model.chat import ChatMessage, ChatSession, NewChatMessage
from changple_domain.model.content import (
    ArchiveSummary,
    ContentState,
    ContentView,
    NewContent,
    NotionContent,
    ProcessedExport,
    UploadLimits,
)
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.providers import (
    EmbeddingRequest,
    EmbeddingResult,
    MetadataValue,
    ProviderJobStatus,
    ScrapedArticle,
    SummaryRequest,
    SummaryResult,
    VectorMatch,
    VectorRecord,
)
from changple_domain.model.runs import PipelineRun
from changple_domain.model.scans import ScanRun
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, SocialProfile, User


class PostSelection(StrEnum):
    """Which posts a page query returns; each is a comparison of recorded hashes."""

    ALL = "all"
    SUMMARY_STALE = "summary_stale"  # summary_hash differs from content_hash (or is missing)
    INDEX_STALE = "index_stale"  # indexed_hash differs from content_hash (or is missing)
    IN_INDEX = "in_index"  # some version of the post has vectors in the index


# --- repositories -------------------------------------------------------------------------


@runtime_checkable
class PostRepository(Protocol):
    def get(self, article_id: int) -> CafePost | None: ...
    def get_many(self, article_ids: Iterable[int]) -> dict[int, CafePost]: ...
    def upsert_many(self, posts: Sequence[CafePost]) -> None:
        """Insert or replace posts by article id, in one round trip per chunk."""
        ...

    def page(
        self, *, after_id: int = 0, limit: int = 500, selection: PostSelection = PostSelection.ALL
    ) -> list[CafePost]:
        """Posts with article_id > after_id, ascending: keyset pages that stay fast at any depth."""
        ...

    def count(self, selection: PostSelection = PostSelection.ALL) -> int: ...
    def max_article_id(self) -> int | None: ...
    def ids_by_hash(self, content_hashes: Iterable[str]) -> dict[str, list[int]]:
        """For each hash that some post has, every article id with it, ascending (finds duplicates)."""
        ...

    def ids_published_since(self, since: datetime, *, limit: int = 1000) -> list[int]:
        """Article ids of posts published at or after `since`, newest first (the refresh scan)."""
        ...

    def shared_hashes(self) -> dict[str, list[int]]:
        """Every content hash that more than one post has, with those article ids ascending: the
        duplicate groups, found in one query instead of one lookup per page of posts."""
        ...

    def raise_chunk_marks(self, marks: Mapping[int, int]) -> None:
        """Lift each post's `indexed_chunks` to at least the given count, never lower. Recorded
        before vectors are written, so no chunk in the index is ever unknown to the store."""
        ...

    def record_index_states(self, posts: Sequence[CafePost]) -> int:
        """Write only the index facts of these posts (indexed hash, chunk count, embedding stage),
        and only where the stored post still has the same content hash, so an edit that landed
        meanwhile is never undone. Returns how many posts were written."""
        ...


@runtime_checkable
class PostStatusRepository(Protocol):
    def get(self, article_id: int) -> PostStatus | None: ...
    def get_many(self, article_ids: Iterable[int]) -> dict[int, PostStatus]: ...
    def upsert_many(self, statuses: Sequence[PostStatus]) -> None: ...
    def with_kind(self, kind: PostStatusKind, *, after_id: int = 0, limit: int = 500) -> list[PostStatus]: ...
    def kinds_between(self, after_id: int, up_to_id: int) -> dict[int, PostStatusKind]:
        """The status kind of every id in (after_id, up_to_id]: a page of posts' statuses by range."""
        ...

    def counts(self) -> dict[PostStatusKind, int]: ...
    def highest_id(self, kinds: Iterable[PostStatusKind]) -> int | None:
        """The highest article id whose status is one of `kinds` (where the next scan starts)."""
        ...


@runtime_checkable
class AuthorRepository(Protocol):
    def add(self, author: AllowedAuthor) -> None:
        """Raises AlreadyExists when the name is taken."""
        ...

    def save(self, author: AllowedAuthor) -> None: ...
    def get(self, name: str) -> AllowedAuthor | None: ...
    def list(self, *, active_only: bool = False, search: str | None = None) -> list[AllowedAuthor]: ...


@runtime_checkable
class BrandRepository(Protocol):
    def add(self, brand: GoodToKnowBrand) -> None:
        """Raises AlreadyExists when the name is taken."""
        ...

    def save(self, brand: GoodToKnowBrand) -> None: ...
    def get(self, name: str) -> GoodToKnowBrand | None: ...
    def list(self, *, good_to_know_only: bool = False, search: str | None = None) -> list[GoodToKnowBrand]: ...


@runtime_checkable
class BatchJobRepository(Protocol):
    def add(self, job: BatchJob) -> None:
        """Raises AlreadyExists when the id is taken."""
        ...

    def save(self, job: BatchJob) -> None:
        """Replace a stored job; raises NotFound when it was never added."""
        ...

    def get(self, job_id: str) -> BatchJob | None: ...
    def in_states(self, states: Iterable[BatchState], *, limit: int = 1000) -> list[BatchJob]: ...
    def recent(self, *, limit: int = 50) -> list[BatchJob]: ...
    def for_post(self, article_id: int) -> list[BatchJob]:
        """Every job that carried the post, newest first: the post's trail."""
        ...

    def for_run(self, run_id: str) -> list[BatchJob]:
        """Every job a pipeline run submitted, oldest first."""
        ...

    def applied_since(self, since: datetime) -> list[AppliedJob]:
        """Jobs applied at or after `since`, oldest first, without their items (the daily chart)."""
        ...


@runtime_checkable
class PipelineRunRepository(Protocol):
    def add(self, run: PipelineRun) -> None:
        """Raises AlreadyExists when the id or the key is taken."""
        ...

    def save(self, run: PipelineRun) -> None: ...
    def get(self, run_id: str) -> PipelineRun | None: ...
    def get_by_key(self, key: str) -> PipelineRun | None: ...
    def recent(self, *, limit: int = 20) -> list[PipelineRun]: ...


@runtime_checkable
class ScanRunRepository(Protocol):
    def add(self, scan: ScanRun) -> None:
        """Raises AlreadyExists when the id or the key is taken."""
        ...

    def save(self, scan: ScanRun) -> None: ...
    def get(self, scan_id: str) -> ScanRun | None: ...
    def get_by_key(self, key: str) -> ScanRun | None: ...
    def recent(self, *, limit: int = 20) -> list[ScanRun]: ...


@runtime_checkable
class UserRepository(Protocol):
    def add(self, new: NewUser) -> User:
        """Create the user and return it with its id; AlreadyExists when the social id is taken."""
        ...

    def save(self, user: User) -> None:
        """Replace a stored user (NotFound when it is gone)."""
        ...

    def get(self, user_id: int) -> User | None: ...
    def get_by_social_id(self, provider: str, social_id: str) -> User | None: ...
    def list(self, *, limit: int = 100, offset: int = 0) -> list[User]: ...
    def delete(self, user_id: int) -> bool:
        """Remove the user; True when there was one. Their chat sessions and views go with them."""
        ...


@runtime_checkable
class ServiceTokenRepository(Protocol):
    def add(self, token: ServiceToken) -> None:
        """AlreadyExists when the id, or the name among active tokens, is taken."""
        ...

    def save(self, token: ServiceToken) -> None: ...
    def get(self, token_id: str) -> ServiceToken | None: ...
    def get_by_name(self, name: str) -> ServiceToken | None:
        """The active token with this name, if any."""
        ...

    def list(self, *, include_revoked: bool = False) -> list[ServiceToken]: ...


@runtime_checkable
class RevocationRepository(Protocol):
    """Provider tokens to revoke later, kept only while the provider has not confirmed it."""

    def add(self, pending: PendingRevocation) -> PendingRevocation: ...
    def save(self, pending: PendingRevocation) -> None: ...
    def remove(self, pending_id: int) -> None: ...
    def list(self, *, limit: int = 100) -> list[PendingRevocation]: ...


@runtime_checkable
class ContentRepository(Protocol):
    def add(self, new: NewContent) -> NotionContent:
        """Create the content and return it with its id."""
        ...

    def save(self, content: NotionContent) -> None:
        """Replace stored content (NotFound when it is gone)."""
        ...

    def get(self, content_id: int) -> NotionContent | None: ...
    def get_many(self, content_ids: Iterable[int]) -> dict[int, NotionContent]: ...
    def page(
        self,
        *,
        state: ContentState | None = ContentState.PUBLISHED,
        preferred: bool | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[NotionContent]:
        """Newest first (created_at, then id, descending); None for `state` or `preferred` means any."""
        ...

    def count(self, *, state: ContentState | None = ContentState.PUBLISHED, preferred: bool | None = None) -> int: ...
    def stuck(self, *, updated_before: datetime, limit: int = 100) -> list[NotionContent]:
        """Content still PROCESSING that nothing touched since `updated_before` (a lost job)."""
        ...

    def delete(self, content_id: int) -> bool:
        """Remove the content; True when there was one. Its views go with it."""
        ...


@runtime_checkable
class ContentViewRepository(Protocol):
    def add(self, view: ContentView) -> None: ...
    def last_viewed_at(self, user_id: int, content_id: int) -> datetime | None: ...
    def history(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ContentView]:
        """The user's latest view of each content, most recent first."""
        ...

    def count_history(self, user_id: int) -> int:
        """How many different contents the user has viewed."""
        ...


@runtime_checkable
class ChatRepository(Protocol):
    def get_session(self, nonce: str) -> ChatSession | None: ...
    def add_session(self, session: ChatSession) -> None:
        """AlreadyExists when the nonce is taken."""
        ...

    def save_session(self, session: ChatSession) -> None:
        """Store the title, times and count. The owner is set by `add_session` for good: a save
        naming another owner is IllegalTransition and changes nothing."""
        ...

    def sessions_of(self, user_id: int, *, limit: int = 20, offset: int = 0) -> list[ChatSession]:
        """The user's sessions, most recently active first (then nonce, for a stable order)."""
        ...

    def count_sessions_of(self, user_id: int) -> int: ...
    def delete_session(self, nonce: str) -> bool:
        """Remove the session and its messages; True when there was one."""
        ...

    def add_message(self, message: NewChatMessage) -> ChatMessage:
        """Store the message in its (existing) session and return it with its id."""
        ...

    def messages(self, nonce: str, *, limit: int = 100, after_id: int = 0) -> list[ChatMessage]:
        """The session's messages with id > after_id, oldest first."""
        ...


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

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


# --- time and work ------------------------------------------------------------------------


@runtime_checkable
class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@runtime_checkable
class TaskQueue(Protocol):
    def enqueue(self, task: str, **arguments: str | int) -> None:
        """Ask for `task` to run in the background with ids and primitives only (at least once)."""
        ...


@runtime_checkable
class Mutex(Protocol):
    def hold(self, name: str, *, ttl_seconds: float) -> AbstractContextManager[bool]:
        """Try to take the named lock without waiting; the context value says whether we got it.
        The lock frees itself after `ttl_seconds` if its holder dies."""
        ...


# --- outside providers ------------------------------------------------------------------------


@runtime_checkable
class CafeSource(Protocol):
    def fetch(self, article_id: int) -> ScrapedArticle:
        """Look at one article id and say what is there (never raises for a missing article)."""
        ...


@runtime_checkable
class BatchSummarizer(Protocol):
    """A provider's batch API for summaries. Results carry the request key's article id and content
    hash; per-request failures come back as results with `error` set, never as exceptions."""

    provider: str
    model: str

    def submit(self, job: BatchJob, requests: Sequence[SummaryRequest]) -> str:
        """Create the provider job named with `job.display_name`; returns the provider's job id.
        Not idempotent at the provider: callers record `job` first and call `find` after a crash.
        Raises ProviderUnavailable (retry later) or ProviderRejected (do not retry)."""
        ...

    def find(self, job: BatchJob) -> str | None:
        """The provider job id created for `job` earlier, if the provider has one (crash recovery)."""
        ...

    def status(self, provider_job_id: str) -> ProviderJobStatus: ...
    def results(self, provider_job_id: str) -> Iterator[SummaryResult]:
        """Every result of a finished job (also whatever an expired job left), in any order."""
        ...

    def cancel(self, provider_job_id: str) -> None: ...


@runtime_checkable
class QueryEmbedder(Protocol):
    """Embeds one search query at once, as search needs; every BatchEmbedder is one, and a cache
    may stand in front of it."""

    model: str

    def embed_query(self, text: str) -> tuple[float, ...]: ...


@runtime_checkable
class BatchEmbedder(Protocol):
    """A provider's batch API for embeddings: one request per post, one vector per chunk."""

    provider: str
    model: str
    dimensions: int

    def submit(self, job: BatchJob, requests: Sequence[EmbeddingRequest]) -> str: ...
    def find(self, job: BatchJob) -> str | None: ...
    def status(self, provider_job_id: str) -> ProviderJobStatus: ...
    def results(self, provider_job_id: str) -> Iterator[EmbeddingResult]: ...
    def cancel(self, provider_job_id: str) -> None: ...
    def embed_query(self, text: str) -> tuple[float, ...]:
        """Embed one search query at once (not through a batch)."""
        ...


@runtime_checkable
class VectorIndex(Protocol):
    """Vectors with metadata, addressed by id (`post-{article_id}#{chunk}`), scored by cosine."""

    def upsert(self, records: Sequence[VectorRecord]) -> None:
        """Insert or replace; the adapter splits to the provider's request limits."""
        ...

    def delete(self, ids: Sequence[str]) -> None:
        """Delete these ids; unknown ids are ignored."""
        ...

    def list_ids(self, prefix: str) -> list[str]:
        """Every id starting with `prefix` (all pages)."""
        ...

    def fetch(self, ids: Sequence[str]) -> dict[str, VectorRecord]: ...
    def query(
        self, vector: Sequence[float], *, top_k: int = 10, filter: dict[str, MetadataValue] | None = None
    ) -> list[VectorMatch]:
        """The `top_k` nearest records; `filter` keeps records whose metadata equals each value
        (or, for a list-valued field, contains it)."""
        ...


@runtime_checkable
class OAuthProvider(Protocol):
    """A social login provider (Naver). Network calls are async because they run inside HTTP
    requests. Errors: ProviderRejected for a refused code or token (do not retry),
    ProviderUnavailable when the provider is down or slow (retry later)."""

    name: str

    def authorize_url(self, *, state: str) -> str:
        """Where to send the visitor's browser to sign in; `state` comes back on the callback."""
        ...

    async def exchange_code(self, *, code: str, state: str) -> OAuthTokens: ...
    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile: ...
    async def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """A new live access token from the refresh token; the refresh token stays (Naver sends no
        new one). GrantGone when the provider refuses the refresh token: the grant is gone."""
        ...

    async def revoke(self, tokens: OAuthTokens) -> None:
        """Ask the provider to delete the grant behind this access token. Returning means it accepted,
        not that the grant is gone: Naver accepts a dead access token and deletes nothing. TokenRefused
        when the provider calls the access token invalid; ProviderRejected for any other refusal."""
        ...


# --- content ------------------------------------------------------------------------------------


@runtime_checkable
class FileStorage(Protocol):
    """Bytes under keys like `content/12/files/001.jpg`: lowercase-safe paths with '/' folders.
    Keys with '..', a leading '/', or characters outside [A-Za-z0-9._/-] are refused (InvalidInput)."""

    def save(self, key: str, data: bytes | BinaryIO) -> int:
        """Write (or replace) the file whole, streaming a file object; returns its size. A reader
        never sees half a file."""
        ...

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A readable, seekable file; NotFound when there is none."""
        ...

    def read(self, key: str) -> bytes:
        """The whole file; NotFound when there is none."""
        ...

    def size(self, key: str) -> int | None:
        """The file's size, or None when there is none."""
        ...

    def delete(self, key: str) -> None:
        """Remove the file; a missing one is fine."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every file whose key starts with `prefix` (a folder, ending in '/'); returns how many."""
        ...

    def list(self, prefix: str) -> list[str]:
        """Every key starting with `prefix`, sorted."""
        ...


@runtime_checkable
class ExportProcessor(Protocol):
    """Turns a Notion HTML export (a zip) into a sanitized page, its images and plain text.
    Refusals raise UnsafeUpload with the reason; nothing is written anywhere by the processor."""

    def check(self, archive: BinaryIO, limits: UploadLimits) -> ArchiveSummary:
        """Read the zip's directory only (no decompression) and refuse what it already shows:
        not a zip, zip slip, links and devices, too many entries, too many declared bytes, high
        ratios, encryption, no HTML page."""
        ...

    def process(
        self,
        archive: BinaryIO,
        *,
        limits: UploadLimits,
        asset_url_prefix: str,
        thumbnail: BinaryIO | None = None,
    ) -> ProcessedExport:
        """Extract with the same checks enforced on the bytes actually read, convert and shrink
        the images (HEIC/HEIF to JPEG, EXIF dropped, Pillow's bomb guard at `max_image_pixels`),
        point the page's image references at `asset_url_prefix` + asset name, sanitize the HTML,
        extract plain text, and make a thumbnail (the given one, else the first image, else a card)."""
        ...
