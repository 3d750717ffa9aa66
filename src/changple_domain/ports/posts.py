"""Posts, their statuses, and the records of scans, runs and batch jobs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol, TypeVar, runtime_checkable

from changple_domain.model.batches import AppliedJob, BatchJob, BatchState, BatchTally
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.runs import PipelineRun, RunState
from changple_domain.model.scans import ScanRun

R = TypeVar("R", PipelineRun, ScanRun)


class PostSelection(StrEnum):
    """Which posts a page query returns; each is a comparison of recorded hashes."""

    ALL = "all"
    SUMMARY_STALE = "summary_stale"  # summary_hash differs from content_hash (or is missing)
    INDEX_STALE = "index_stale"  # indexed_hash differs from content_hash (or is missing)
    IN_INDEX = "in_index"  # some version of the post has vectors in the index


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

    def planning_digest(self) -> str:
        """A digest of what planning reads of every post: article id, the three hashes, author,
        board, publication time, stage attempts and errors, and the kind of its status. Two equal
        digests of one store mean planning would sort every post the same way; reading it costs
        one narrow pass, a fraction of planning itself."""
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
class BatchJobRepository(Protocol):
    def add(self, job: BatchJob) -> None:
        """Raises AlreadyExists when the id is taken."""
        ...

    def save(self, job: BatchJob) -> None:
        """Replace a stored job; raises NotFound when it was never added."""
        ...

    def get(self, job_id: str) -> BatchJob | None: ...
    def in_states(self, states: Iterable[BatchState], *, limit: int = 1000) -> list[BatchJob]: ...
    def recent(self, *, limit: int = 50, offset: int = 0) -> list[BatchJob]:
        """Newest first (by creation), skipping `offset`."""
        ...

    def for_post(self, article_id: int) -> list[BatchJob]:
        """Every job that carried the post, newest first: the post's trail."""
        ...

    def for_run(self, run_id: str) -> list[BatchJob]:
        """Every job a pipeline run submitted, oldest first."""
        ...

    def applied_since(self, since: datetime) -> list[AppliedJob]:
        """Jobs applied at or after `since`, oldest first, without their items (the daily chart)."""
        ...

    def tally(self) -> list[BatchTally]:
        """Every (kind, provider, state) that has jobs, with their count and cost summed."""
        ...


@runtime_checkable
class RunRecordRepository(Protocol[R]):
    """The records of pipeline runs and of scans: one shape, an id, a unique key, a state and when
    it started."""

    def add(self, record: R) -> None:
        """Raises AlreadyExists when the id or the key is taken."""
        ...

    def save(self, record: R) -> None: ...
    def get(self, record_id: str) -> R | None: ...
    def get_by_key(self, key: str) -> R | None: ...
    def recent(self, *, limit: int = 20, offset: int = 0) -> list[R]:
        """Newest first (by start), skipping `offset`."""
        ...

    def count_by_state(self) -> dict[RunState, int]:
        """How many are in each state (states with none are left out)."""
        ...


@runtime_checkable
class PipelineRunRepository(RunRecordRepository[PipelineRun], Protocol):
    """Pipeline runs."""


@runtime_checkable
class ScanRunRepository(RunRecordRepository[ScanRun], Protocol):
    """Scans of the cafe."""
