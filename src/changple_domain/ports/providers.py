"""The outside providers the pipeline calls: the cafe, the summarizer, the embedder, the vector index."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Protocol, runtime_checkable

from changple_domain.model.batches import BatchJob
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


@runtime_checkable
class CafeSource(Protocol):
    """The cafe, read one article id at a time. How many fetches are in flight and how long to
    pause between them are the caller's policy; the threads and the waiting are the adapter's."""

    def fetch(self, article_id: int) -> ScrapedArticle:
        """Look at one article id and say what is there (never raises for a missing article)."""
        ...

    def fetch_many(
        self, article_ids: Iterable[int], *, concurrency: int, pause: Callable[[], float]
    ) -> Iterator[ScrapedArticle]:
        """Fetch the ids and answer in their order, with up to `concurrency` fetches in flight and
        a wait of `pause()` seconds before each (one at a time: between each). `article_ids` is read
        lazily, a few ids ahead of the answers; once the caller stops reading (the iterator is
        closed or dropped), fetches not yet started are not made."""
        ...

    def close(self) -> None:
        """Let go of what the source holds open (a browser); nothing for most. Safe to call twice."""
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
