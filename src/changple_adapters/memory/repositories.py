"""Dictionary-backed repositories. They hold frozen domain models, so no caller can change a
stored record except through the repository."""

from __future__ import annotations

import builtins
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar, Generic, Protocol, TypeVar

from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.access import ServiceToken
from changple_domain.model.authors import AllowedAuthor, CatalogEntry, GoodToKnowBrand, clean_name
from changple_domain.model.batches import AppliedJob, BatchJob, BatchKind, BatchState, BatchTally
from changple_domain.model.chat import ChatMessage, ChatSession
from changple_domain.model.content import ContentView, NotionContent
from changple_domain.model.legacy import LegacyImportReport, LegacyMark
from changple_domain.model.posts import CafePost, PostStatus, PostStatusKind
from changple_domain.model.runs import PipelineRun
from changple_domain.model.scans import ScanRun
from changple_domain.model.users import PendingRevocation, User
from changple_domain.policies.change_detection import PlanningFacts, planning_digest
from changple_domain.ports import (
    BatchJobRepository,
    CatalogRepository,
    PostRepository,
    PostSelection,
    PostStatusRepository,
)

E = TypeVar("E", bound=CatalogEntry)


@dataclass
class MemoryTables:
    """The rows of one store; a unit of work copies them to stage changes."""

    posts: dict[int, CafePost] = field(default_factory=dict)
    statuses: dict[int, PostStatus] = field(default_factory=dict)
    authors: dict[str, AllowedAuthor] = field(default_factory=dict)
    brands: dict[str, GoodToKnowBrand] = field(default_factory=dict)
    batches: dict[str, BatchJob] = field(default_factory=dict)
    runs: dict[str, PipelineRun] = field(default_factory=dict)
    scans: dict[str, ScanRun] = field(default_factory=dict)
    users: dict[int, User] = field(default_factory=dict)
    service_tokens: dict[str, ServiceToken] = field(default_factory=dict)
    revocations: dict[int, PendingRevocation] = field(default_factory=dict)
    contents: dict[int, NotionContent] = field(default_factory=dict)
    content_views: dict[int, ContentView] = field(default_factory=dict)  # keyed by a sequence number
    chat_sessions: dict[str, ChatSession] = field(default_factory=dict)
    chat_messages: dict[int, ChatMessage] = field(default_factory=dict)
    legacy_marks: dict[tuple[str, int], LegacyMark] = field(default_factory=dict)
    legacy_imports: dict[int, LegacyImportReport] = field(default_factory=dict)
    legacy_blocks: dict[tuple[str, int, int], str] = field(default_factory=dict)  # (entity, size, block)
    # Keys inserted with add() in this transaction: at commit they must still be free.
    added: dict[str, set[object]] = field(default_factory=dict)

    def note_added(self, table: str, key: object) -> None:
        self.added.setdefault(table, set()).add(key)

    def copy(self) -> MemoryTables:
        return MemoryTables(
            posts=dict(self.posts),
            statuses=dict(self.statuses),
            authors=dict(self.authors),
            brands=dict(self.brands),
            batches=dict(self.batches),
            runs=dict(self.runs),
            scans=dict(self.scans),
            users=dict(self.users),
            service_tokens=dict(self.service_tokens),
            revocations=dict(self.revocations),
            contents=dict(self.contents),
            content_views=dict(self.content_views),
            chat_sessions=dict(self.chat_sessions),
            chat_messages=dict(self.chat_messages),
            legacy_marks=dict(self.legacy_marks),
            legacy_imports=dict(self.legacy_imports),
            legacy_blocks=dict(self.legacy_blocks),
        )


def _selected(post: CafePost, selection: PostSelection) -> bool:
    if selection is PostSelection.SUMMARY_STALE:
        return post.summary_hash != post.content_hash
    if selection is PostSelection.INDEX_STALE:
        return post.indexed_hash != post.content_hash
    if selection is PostSelection.IN_INDEX:
        return post.indexed_hash is not None
    return True


class _ArticleRecord(Protocol):
    @property
    def article_id(self) -> int: ...


A = TypeVar("A", bound=_ArticleRecord)


class _ByArticleId(Generic[A]):
    """A table of one record per article id (posts, statuses)."""

    _rows: dict[int, A]

    def get(self, article_id: int) -> A | None:
        return self._rows.get(article_id)

    def get_many(self, article_ids: Iterable[int]) -> dict[int, A]:
        return {i: self._rows[i] for i in article_ids if i in self._rows}

    def upsert_many(self, records: Sequence[A]) -> None:
        for record in records:
            self._rows[record.article_id] = record


class MemoryPostRepository(_ByArticleId[CafePost], PostRepository):
    def __init__(self, tables: MemoryTables) -> None:
        self._rows = tables.posts
        self._statuses = tables.statuses

    def page(
        self, *, after_id: int = 0, limit: int = 500, selection: PostSelection = PostSelection.ALL
    ) -> list[CafePost]:
        if limit <= 0:
            return []
        ids = sorted(i for i in self._rows if i > after_id)
        out: list[CafePost] = []
        for article_id in ids:
            post = self._rows[article_id]
            if _selected(post, selection):
                out.append(post)
                if len(out) >= limit:
                    break
        return out

    def count(self, selection: PostSelection = PostSelection.ALL) -> int:
        return sum(1 for post in self._rows.values() if _selected(post, selection))

    def max_article_id(self) -> int | None:
        return max(self._rows, default=None)

    def planning_digest(self) -> str:
        def facts(post: CafePost) -> PlanningFacts:
            status = self._statuses.get(post.article_id)
            summary, embedding = post.summary_stage, post.embedding_stage
            return (
                post.article_id,
                post.content_hash,
                post.summary_hash,
                post.indexed_hash,
                post.author,
                post.board,
                post.published_at.astimezone(UTC).isoformat(),
                summary.attempts,
                summary.last_error,
                embedding.attempts,
                embedding.last_error,
                status.kind.value if status else "",
            )

        return planning_digest(facts(self._rows[i]) for i in sorted(self._rows))

    def ids_published_since(self, since: datetime, *, limit: int = 1000) -> list[int]:
        recent = [p for p in self._rows.values() if p.published_at >= since]
        recent.sort(key=lambda p: (p.published_at, p.article_id), reverse=True)
        return [p.article_id for p in recent[: max(limit, 0)]]

    def ids_by_hash(self, content_hashes: Iterable[str]) -> dict[str, list[int]]:
        wanted = set(content_hashes)
        found: dict[str, list[int]] = {}
        for article_id in sorted(self._rows):
            content_hash = self._rows[article_id].content_hash
            if content_hash in wanted:
                found.setdefault(content_hash, []).append(article_id)
        return found

    def shared_hashes(self) -> dict[str, list[int]]:
        holders: dict[str, list[int]] = {}
        for article_id in sorted(self._rows):
            holders.setdefault(self._rows[article_id].content_hash, []).append(article_id)
        return {content_hash: ids for content_hash, ids in holders.items() if len(ids) > 1}

    def raise_chunk_marks(self, marks: Mapping[int, int]) -> None:
        for article_id, chunks in marks.items():
            post = self._rows.get(article_id)
            if post is not None and post.indexed_chunks < chunks:
                self._rows[article_id] = post.model_copy(update={"indexed_chunks": chunks})

    def record_index_states(self, posts: Sequence[CafePost]) -> int:
        written = 0
        for post in {p.article_id: p for p in posts}.values():
            stored = self._rows.get(post.article_id)
            if stored is None or stored.content_hash != post.content_hash:
                continue
            self._rows[post.article_id] = stored.model_copy(
                update={
                    "indexed_hash": post.indexed_hash,
                    "indexed_chunks": post.indexed_chunks,
                    "embedding_stage": post.embedding_stage,
                }
            )
            written += 1
        return written


class MemoryPostStatusRepository(_ByArticleId[PostStatus], PostStatusRepository):
    def __init__(self, tables: MemoryTables) -> None:
        self._rows = tables.statuses

    def with_kind(self, kind: PostStatusKind, *, after_id: int = 0, limit: int = 500) -> list[PostStatus]:
        ids = sorted(i for i, s in self._rows.items() if s.kind is kind and i > after_id)
        return [self._rows[i] for i in ids[:limit]]

    def kinds_between(self, after_id: int, up_to_id: int) -> dict[int, PostStatusKind]:
        return {i: s.kind for i, s in self._rows.items() if after_id < i <= up_to_id}

    def counts(self) -> dict[PostStatusKind, int]:
        return dict(Counter(s.kind for s in self._rows.values()))

    def highest_id(self, kinds: Iterable[PostStatusKind]) -> int | None:
        wanted = set(kinds)
        return max((i for i, s in self._rows.items() if s.kind in wanted), default=None)


class MemoryCatalogRepository(CatalogRepository[E]):
    """The entries of one catalog kind, in the table named after the kind."""

    def __init__(self, tables: MemoryTables, entry_type: type[E]) -> None:
        self._tables = tables
        self._kind = entry_type.kind
        self._rows: dict[str, E] = getattr(tables, self._kind.value)

    def add(self, entry: E) -> None:
        if entry.name in self._rows:
            raise AlreadyExists(f"{entry.title} '{entry.name}' already exists")
        self._rows[entry.name] = entry
        self._tables.note_added(self._kind.value, entry.name)

    def save(self, entry: E) -> None:
        self._rows[entry.name] = entry

    def get(self, name: str) -> E | None:
        return self._rows.get(clean_name(name)) if name.strip() else None

    def list(
        self, *, enabled_only: bool = False, search: str | None = None, detail: str | None = None
    ) -> builtins.list[E]:
        needle = (search or "").casefold()
        return [
            entry
            for entry in (self._rows[name] for name in sorted(self._rows) if needle in name.casefold())
            if (entry.enabled or not enabled_only) and (detail is None or entry.detail == detail)
        ]


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


K = TypeVar("K", bound=_Identified)


class StoredById(Generic[K]):
    """Records kept by their string id (batch jobs, pipeline runs, scans, service tokens): added once,
    saved over."""

    noun: ClassVar[str]  # how errors name one ("batch job")
    table: ClassVar[str]  # the `MemoryTables` attribute holding them

    def __init__(self, tables: MemoryTables) -> None:
        self._tables = tables
        self._rows: dict[str, K] = getattr(tables, self.table)

    def _taken(self, record: K) -> str | None:
        """What makes `record` a duplicate, as the error names it: its id, when that is taken."""
        return record.id if record.id in self._rows else None

    def add(self, record: K) -> None:
        taken = self._taken(record)
        if taken is not None:
            raise AlreadyExists(f"{self.noun} '{taken}' already exists")
        self._rows[record.id] = record
        self._tables.note_added(self.table, record.id)

    def _missing(self, record_id: str) -> str:
        """What saving a record that was never added says."""
        return f"{self.noun} '{record_id}' was never added"

    def save(self, record: K) -> None:
        if record.id not in self._rows:
            raise NotFound(self._missing(record.id))
        self._rows[record.id] = record

    def get(self, record_id: str) -> K | None:
        return self._rows.get(record_id)


class MemoryBatchJobRepository(StoredById[BatchJob], BatchJobRepository):
    noun = "batch job"
    table = "batches"

    def in_states(self, states: Iterable[BatchState], *, limit: int = 1000) -> list[BatchJob]:
        wanted = set(states)
        jobs = sorted((j for j in self._rows.values() if j.state in wanted), key=lambda j: (j.created_at, j.id))
        return jobs[:limit]

    def recent(self, *, limit: int = 50, offset: int = 0) -> list[BatchJob]:
        newest_first = sorted(self._rows.values(), key=lambda j: (j.created_at, j.id), reverse=True)
        return newest_first[max(offset, 0) :][: max(limit, 0)]

    def for_run(self, run_id: str) -> list[BatchJob]:
        return sorted((j for j in self._rows.values() if j.run_id == run_id), key=lambda j: (j.created_at, j.id))

    def for_post(self, article_id: int) -> list[BatchJob]:
        jobs = [j for j in self._rows.values() if any(item.article_id == article_id for item in j.items)]
        return sorted(jobs, key=lambda j: (j.created_at, j.id), reverse=True)

    def applied_since(self, since: datetime) -> list[AppliedJob]:
        jobs = sorted(
            (j for j in self._rows.values() if j.applied_at is not None and j.applied_at >= since),
            key=lambda j: (j.applied_at, j.id),
        )
        return [AppliedJob.model_validate(j.model_dump(include=set(AppliedJob.model_fields))) for j in jobs]

    def tally(self) -> list[BatchTally]:
        groups: dict[tuple[BatchKind, str, BatchState], list[BatchJob]] = {}
        for job in self._rows.values():
            groups.setdefault((job.kind, job.provider, job.state), []).append(job)
        return [
            BatchTally(
                kind=kind,
                provider=provider,
                state=state,
                jobs=len(jobs),
                cost_usd=sum((j.estimated_cost_usd for j in jobs), Decimal(0)),
                standard_cost_usd=sum((j.standard_cost_usd for j in jobs), Decimal(0)),
            )
            for (kind, provider, state), jobs in sorted(groups.items())
        ]
