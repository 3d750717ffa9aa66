"""SQL repositories. Posts and statuses (bulk tables) live in post_repositories; batch jobs, with
their many items, use Core statements; the small entity tables go through the ORM. All of them
hand out frozen domain models only."""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Select, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from changple_adapters.sql._support import (
    ROWS_PER_STATEMENT,
    chunked,
    count_by,
    dialect_insert,
    refused_as,
    translate_errors,
    trusted,
)
from changple_adapters.sql.post_repositories import SqlPostRepository, SqlPostStatusRepository
from changple_adapters.sql.tables import AuthorRow, BatchItemRow, BatchJobRow, BrandRow, PipelineRunRow
from changple_domain.errors import AlreadyExists, ConcurrentUpdate, InvalidInput, NotFound
from changple_domain.model.authors import AllowedAuthor, CatalogEntry, GoodToKnowBrand, clean_name
from changple_domain.model.batches import AppliedJob, BatchItem, BatchJob, BatchState, BatchTally
from changple_domain.model.runs import PipelineRun, RunState
from changple_domain.ports import BatchJobRepository, CatalogRepository, PipelineRunRepository

E = TypeVar("E", bound=CatalogEntry)

__all__ = [
    "AUTHORS_TABLE",
    "BRANDS_TABLE",
    "SqlBatchJobRepository",
    "SqlCatalogRepository",
    "SqlPipelineRunRepository",
    "SqlPostRepository",
    "SqlPostStatusRepository",
]


def _lookup_name(name: str) -> str | None:
    return clean_name(name) if name.strip() else None


CatalogRow = AuthorRow | BrandRow


@dataclass(frozen=True)
class CatalogTable(Generic[E]):
    """Where one catalog kind is stored: its row class, and the columns of its detail and its flag."""

    entry_type: type[E]
    row: type[AuthorRow] | type[BrandRow]
    detail_column: str
    enabled_column: str


AUTHORS_TABLE = CatalogTable(AllowedAuthor, AuthorRow, detail_column="group_name", enabled_column="active")
BRANDS_TABLE = CatalogTable(GoodToKnowBrand, BrandRow, detail_column="description", enabled_column="good_to_know")


class SqlCatalogRepository(CatalogRepository[E]):
    """The entries of one catalog kind, in that kind's table."""

    def __init__(self, session: Session, table: CatalogTable[E]) -> None:
        self._session = session
        self._table = table

    def _row(self, name: str) -> CatalogRow | None:
        row = self._table.row
        return cast(CatalogRow | None, self._session.scalars(select(row).where(row.name == name)).one_or_none())

    def _new_row(self, entry: E) -> CatalogRow:
        table = self._table
        return table.row(name=entry.name, **{table.detail_column: entry.detail, table.enabled_column: entry.enabled})

    def _entry(self, row: CatalogRow) -> E:
        table, entry_type = self._table, self._table.entry_type
        return entry_type.model_validate(
            {
                "name": row.name,
                entry_type.detail_field: getattr(row, table.detail_column),
                entry_type.enabled_field: getattr(row, table.enabled_column),
            }
        )

    @translate_errors
    def add(self, entry: E) -> None:
        taken = AlreadyExists(f"{entry.title} '{entry.name}' already exists")
        if self._row(entry.name) is not None:
            raise taken
        with refused_as(self._session, taken):
            self._session.add(self._new_row(entry))

    @translate_errors
    def save(self, entry: E) -> None:
        row = self._row(entry.name)
        if row is None:
            with refused_as(self._session, ConcurrentUpdate(f"{entry.title} '{entry.name}' was added meanwhile")):
                self._session.add(self._new_row(entry))
            return
        setattr(row, self._table.detail_column, entry.detail)
        setattr(row, self._table.enabled_column, entry.enabled)
        self._session.flush()

    @translate_errors
    def get(self, name: str) -> E | None:
        wanted = _lookup_name(name)
        row = None if wanted is None else self._row(wanted)
        return None if row is None else self._entry(row)

    @translate_errors
    def list(
        self, *, enabled_only: bool = False, search: str | None = None, detail: str | None = None
    ) -> builtins.list[E]:
        row = self._table.row
        query = select(row)
        if enabled_only:
            query = query.where(getattr(row, self._table.enabled_column).is_(True))
        if detail is not None:
            query = query.where(getattr(row, self._table.detail_column) == detail)
        if search:
            query = query.where(row.name.icontains(search, autoescape=True))
        # Sorted here, not in SQL: database collations disagree on mixed Hangul and Latin names.
        rows = cast(Iterable[CatalogRow], self._session.scalars(query))
        return [self._entry(found) for found in sorted(rows, key=lambda found: found.name)]


_JOB_FIELDS = (
    "kind",
    "provider",
    "model",
    "state",
    "provider_job_id",
    "run_id",
    "request_count",
    "input_tokens",
    "output_tokens",
    "completed_requests",
    "failed_requests",
    "estimated_cost_usd",
    "standard_cost_usd",
    "error",
    "created_at",
    "updated_at",
    "submitted_at",
    "finished_at",
    "applied_at",
)


JOBS: Table = BatchJobRow.__table__  # type: ignore[assignment]
ITEMS: Table = BatchItemRow.__table__  # type: ignore[assignment]


def _job_values(job: BatchJob) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(job, name) for name in _JOB_FIELDS}
    values["kind"], values["state"] = job.kind.value, job.state.value
    return values


def _item_values(job: BatchJob) -> builtins.list[dict[str, Any]]:
    article_ids = [item.article_id for item in job.items]
    if len(set(article_ids)) != len(article_ids):
        raise InvalidInput(f"batch job {job.id} carries the same article more than once")
    return [
        {
            "job_id": job.id,
            "article_id": item.article_id,
            "position": position,
            "content_hash": item.content_hash,
            "chunk_count": item.chunk_count,
        }
        for position, item in enumerate(job.items)
    ]


class SqlBatchJobRepository(BatchJobRepository):
    """Core statements, not ORM objects: a job can carry tens of thousands of items, and building a
    row object for each one cost more than the provider round trip it records."""

    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def add(self, job: BatchJob) -> None:
        taken = AlreadyExists(f"batch job '{job.id}' already exists")
        items = _item_values(job)
        if self._exists(job.id):
            raise taken
        with refused_as(self._session, taken):
            self._session.execute(insert(JOBS).values(id=job.id, **_job_values(job)))
            for chunk in chunked(items, ROWS_PER_STATEMENT):
                self._session.execute(insert(ITEMS), chunk)

    @translate_errors
    def save(self, job: BatchJob) -> None:
        if not self._exists(job.id):
            raise NotFound(f"batch job '{job.id}' was never added")
        items = _item_values(job)  # validate before touching the stored row
        self._session.execute(update(JOBS).where(JOBS.c.id == job.id).values(**_job_values(job)))
        stored = self._session.execute(
            select(ITEMS.c.article_id, ITEMS.c.content_hash, ITEMS.c.chunk_count)
            .where(ITEMS.c.job_id == job.id)
            .order_by(ITEMS.c.position)
        ).all()
        if [tuple(row) for row in stored] != [(i.article_id, i.content_hash, i.chunk_count) for i in job.items]:
            self._session.execute(delete(ITEMS).where(ITEMS.c.job_id == job.id))
            for chunk in chunked(items, ROWS_PER_STATEMENT):
                self._session.execute(insert(ITEMS), chunk)

    @translate_errors
    def get(self, job_id: str) -> BatchJob | None:
        found = self._jobs(select(JOBS).where(JOBS.c.id == job_id))
        return found[0] if found else None

    @translate_errors
    def in_states(self, states: Iterable[BatchState], *, limit: int = 1000) -> builtins.list[BatchJob]:
        wanted = sorted({BatchState(state).value for state in states})
        if not wanted or limit <= 0:
            return []
        return self._jobs(
            select(JOBS).where(JOBS.c.state.in_(wanted)).order_by(JOBS.c.created_at, JOBS.c.id).limit(limit)
        )

    @translate_errors
    def recent(self, *, limit: int = 50, offset: int = 0) -> builtins.list[BatchJob]:
        if limit <= 0:
            return []
        newest_first = select(JOBS).order_by(JOBS.c.created_at.desc(), JOBS.c.id.desc())
        return self._jobs(newest_first.limit(limit).offset(max(offset, 0)))

    @translate_errors
    def for_post(self, article_id: int) -> builtins.list[BatchJob]:
        holding = select(ITEMS.c.job_id).where(ITEMS.c.article_id == article_id)
        return self._jobs(
            select(JOBS).where(JOBS.c.id.in_(holding)).order_by(JOBS.c.created_at.desc(), JOBS.c.id.desc())
        )

    @translate_errors
    def for_run(self, run_id: str) -> builtins.list[BatchJob]:
        return self._jobs(select(JOBS).where(JOBS.c.run_id == run_id).order_by(JOBS.c.created_at, JOBS.c.id))

    @translate_errors
    def applied_since(self, since: datetime) -> builtins.list[AppliedJob]:
        columns = [JOBS.c[name] for name in AppliedJob.model_fields]
        query = (
            select(*columns)
            .where(JOBS.c.applied_at.is_not(None), JOBS.c.applied_at >= since)
            .order_by(JOBS.c.applied_at, JOBS.c.id)
        )
        return [AppliedJob.model_validate(dict(row)) for row in self._session.execute(query).mappings()]

    @translate_errors
    def tally(self) -> builtins.list[BatchTally]:
        group = (JOBS.c.kind, JOBS.c.provider, JOBS.c.state)
        cost, standard = (
            func.coalesce(func.sum(JOBS.c.estimated_cost_usd), 0),
            func.coalesce(func.sum(JOBS.c.standard_cost_usd), 0),
        )
        query = select(*group, func.count(), cost, standard).group_by(*group).order_by(*group)
        return [
            BatchTally(kind=kind, provider=provider, state=state, jobs=jobs, cost_usd=spent, standard_cost_usd=full)
            for kind, provider, state, jobs, spent, full in self._session.execute(query)
        ]

    def _exists(self, job_id: str) -> bool:
        return self._session.execute(select(JOBS.c.id).where(JOBS.c.id == job_id)).first() is not None

    def _jobs(self, query: Select[Any]) -> builtins.list[BatchJob]:
        """The jobs the query selects, in its order, each with its items (one more query per 500 jobs)."""
        rows = self._session.execute(query).mappings().all()
        items: dict[str, builtins.list[BatchItem]] = {row["id"]: [] for row in rows}
        for chunk in chunked(builtins.list(items), ROWS_PER_STATEMENT):
            item_query = (
                select(ITEMS.c.job_id, ITEMS.c.article_id, ITEMS.c.content_hash, ITEMS.c.chunk_count)
                .where(ITEMS.c.job_id.in_(chunk))
                .order_by(ITEMS.c.job_id, ITEMS.c.position)
            )
            for job_id, article_id, content_hash, chunk_count in self._session.execute(item_query):
                # Validated when the job was added; a job can hold 50,000 of them, read on every poll.
                items[job_id].append(
                    trusted(
                        BatchItem, {"article_id": article_id, "content_hash": content_hash, "chunk_count": chunk_count}
                    )
                )
        return [
            BatchJob.model_validate(
                {"id": row["id"], "items": tuple(items[row["id"]]), **{name: row[name] for name in _JOB_FIELDS}}
            )
            for row in rows
        ]


_RUN_FIELDS = (
    "key",
    "trigger",
    "state",
    "counts",
    "cost_usd",
    "standard_cost_usd",
    "error",
    "started_at",
    "finished_at",
)


def _fill_run(row: PipelineRunRow, run: PipelineRun) -> None:
    for name in _RUN_FIELDS:
        value = getattr(run, name)
        setattr(row, name, value.value if name in ("trigger", "state") else value)
    row.counts = run.counts.as_written()
    row.stages = {name: progress.model_dump() for name, progress in run.stages.items()}


def _run(row: PipelineRunRow) -> PipelineRun:
    return PipelineRun.model_validate({"id": row.id, "stages": row.stages, **{n: getattr(row, n) for n in _RUN_FIELDS}})


RUNS: Table = PipelineRunRow.__table__  # type: ignore[assignment]


class SqlPipelineRunRepository(PipelineRunRepository):
    def __init__(self, session: Session) -> None:
        self._session = session

    @translate_errors
    def add(self, run: PipelineRun) -> None:
        """One `INSERT ... ON CONFLICT DO NOTHING`: a taken id or key writes nothing and says so, with no
        read before and no savepoint around it (an API trigger starts a run per request)."""
        row = PipelineRunRow(id=run.id)
        _fill_run(row, run)
        values = {column.key: getattr(row, column.key) for column in RUNS.columns}
        statement = dialect_insert(self._session, RUNS).values(**values).on_conflict_do_nothing().returning(RUNS.c.id)
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT SQLAlchemy sent this way.
        if self._session.execute(statement).first() is None:
            raise AlreadyExists(f"pipeline run '{run.key}' already exists")

    @translate_errors
    def save(self, run: PipelineRun) -> None:
        row = self._session.get(PipelineRunRow, run.id)
        if row is None:
            raise NotFound(f"pipeline run '{run.id}' was never added")
        with refused_as(self._session, AlreadyExists(f"pipeline run key '{run.key}' is taken")):
            _fill_run(row, run)

    def _by_key(self, key: str) -> PipelineRunRow | None:
        return self._session.scalars(select(PipelineRunRow).where(PipelineRunRow.key == key)).one_or_none()

    @translate_errors
    def get(self, run_id: str) -> PipelineRun | None:
        row = self._session.get(PipelineRunRow, run_id)
        return None if row is None else _run(row)

    @translate_errors
    def get_by_key(self, key: str) -> PipelineRun | None:
        row = self._by_key(key)
        return None if row is None else _run(row)

    @translate_errors
    def recent(self, *, limit: int = 20, offset: int = 0) -> builtins.list[PipelineRun]:
        if limit <= 0:
            return []
        newest_first = select(PipelineRunRow).order_by(PipelineRunRow.started_at.desc(), PipelineRunRow.id.desc())
        query = newest_first.limit(limit).offset(max(offset, 0))
        return [_run(row) for row in self._session.scalars(query)]

    @translate_errors
    def count_by_state(self) -> dict[RunState, int]:
        return {RunState(state): n for state, n in count_by(self._session, RUNS.c.state).items()}
