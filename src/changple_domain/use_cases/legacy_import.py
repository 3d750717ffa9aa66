"""Importing a changple2 database: the cut-over that brings the monolith's history into changple.

Rules: the schema is checked before anything is written (InvalidInput naming what is missing).
Every page of rows is one transaction that writes the rows and their marks together, upserting by
natural keys (article id, name, Naver id, nonce), so a kill at any moment and a rerun end where an
undisturbed import would. A row whose mark holds the same fingerprint is skipped: a second import
writes nothing, a later one only what changed. changple's own newer data is never overwritten. A
dry run is the same import inside one transaction that is rolled back. The report ends with what
the first pipeline run would cost for the posts this import wrote (`pipeline estimate` gives the
whole store's)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import InvalidInput
from changple_domain.model.legacy import (
    FirstRunCost,
    LegacyAuthor,
    LegacyBatchJob,
    LegacyBrand,
    LegacyEntity,
    LegacyImportReport,
    LegacyMark,
    LegacyPage,
    LegacyPost,
    LegacyPostStatus,
    LegacyRecord,
    LegacyRefusal,
    OpenBatchJob,
    R,
)
from changple_domain.model.posts import CafePost
from changple_domain.ports import Clock, ExportProcessor, FileStorage, LegacySource, UnitOfWork
from changple_domain.use_cases.content_uploads import ContentConfig
from changple_domain.use_cases.legacy_carry import (
    adopt_summary,
    carry_author,
    carry_brand,
    carry_post,
    carry_status,
    changple_is_newer,
    merge_post,
)
from changple_domain.use_cases.legacy_session import DryRunUnitOfWork, as_unit_of_work
from changple_domain.use_cases.pipeline_report import RunEstimate

Progress = Callable[[LegacyEntity, int, int], None]  # entity, rows done, rows in the table
# Marks of one entity written by an import before the ledger's planner statistics are refreshed;
# then again each time that number has grown fourfold (8,000, 32,000, ...): a few ANALYZEs in all.
STATISTICS_AFTER = 2_000


class LegacyImport(BaseModel):
    model_config = ConfigDict(frozen=True)

    dry_run: bool = False
    page_size: int = Field(default=500, gt=0, le=10_000)
    # legacy username -> the Naver id of a changple account a Django superuser without one becomes
    admin_map: dict[str, str] = Field(default_factory=dict)


@dataclass
class ImportContext:
    """What every step of one import shares: the ports, the command and the report being made."""

    cmd: LegacyImport
    source: LegacySource
    uow: UnitOfWork
    clock: Clock
    storage: FileStorage
    processor: ExportProcessor
    content_config: ContentConfig
    on_progress: Progress | None
    report: LegacyImportReport
    # legacy ids of the page being carried that now hold their current mark (marked, or found unchanged)
    marked: set[int] = field(default_factory=set)
    # article ids whose post or status this import wrote: what the first run's estimate covers
    carried_posts: set[int] = field(default_factory=set)
    # entities that had no marks at all when their walk began (a first import): nothing to look up
    never_marked: set[LegacyEntity] = field(default_factory=set)
    # marks written per entity, and the count at which the ledger's statistics are refreshed next
    marks_written: dict[LegacyEntity, int] = field(default_factory=dict)
    statistics_due: dict[LegacyEntity, int] = field(default_factory=dict)

    def refuse(self, record: LegacyRecord, reason: str) -> None:
        self.report.refuse(record.entity, LegacyRefusal(table=record.table, legacy_id=record.legacy_id, reason=reason))

    def mark(self, record: LegacyRecord, target: object) -> LegacyMark:
        self.marked.add(record.legacy_id)
        self.marks_written[record.entity] = self.marks_written.get(record.entity, 0) + 1
        return LegacyMark(
            entity=record.entity, legacy_id=record.legacy_id, target=str(target), fingerprint=record.fingerprint()
        )


def walk(ctx: ImportContext, kind: type[R], carry_page: Callable[[ImportContext, Sequence[R]], None]) -> None:
    """Every row of `kind`'s table, a page at a time, each page carried in its own transaction.

    Where the source digests blocks of ids (Postgres), the walk goes block by block and skips a
    block whose digest is the one remembered from the import that carried all of it: nothing of
    it changed, so reading and fingerprinting its rows would find every mark equal. Elsewhere it
    walks keyset pages."""
    size = ctx.cmd.page_size
    blocks = ctx.source.block_digests(kind, size)
    total = ctx.source.count(kind)
    with ctx.uow:
        if ctx.uow.legacy.count(kind.entity) == 0:  # no page can find a mark: its ids are all new
            ctx.never_marked.add(kind.entity)
    if blocks is None:
        after_id, done = 0, 0
        while (page := ctx.source.page(kind, after_id=after_id, limit=size)).last_id is not None:
            done += _carry(ctx, kind, page, carry_page)
            after_id = page.last_id
            _progress(ctx, kind, done, total)
        return
    with ctx.uow:
        carried = ctx.uow.legacy.block_digests(kind.entity, size)
    tally, done = ctx.report.entities[kind.entity], 0
    for block, found in sorted(blocks.items()):
        if carried.get(block) == found.digest:
            tally.read += found.rows
            tally.unchanged += found.rows
            tally.unread += found.rows
            done += found.rows
        else:
            page = ctx.source.page(kind, after_id=block * size, limit=size, up_to_id=(block + 1) * size)
            done += _carry(ctx, kind, page, carry_page, block=(block, found.digest))
        _progress(ctx, kind, done, total)


def _carry(
    ctx: ImportContext,
    kind: type[R],
    page: LegacyPage[R],
    carry_page: Callable[[ImportContext, Sequence[R]], None],
    block: tuple[int, str] | None = None,
) -> int:
    """Carry one page in one transaction; a block every row of which now holds its current mark
    gets its digest remembered in the same transaction. The rows the page covered."""
    entity = kind.entity
    tally = ctx.report.entities[entity]
    tally.read += len(page.records) + len(page.refusals)
    for refusal in page.refusals:
        ctx.report.refuse(entity, refusal)
    if page.records:
        ctx.marked.clear()
        refused_before = tally.refused
        with ctx.uow:
            carry_page(ctx, page.records)
            # Every row now holds its current mark (a refused one, even after a pending mark, holds none).
            whole = tally.refused == refused_before and all(r.legacy_id in ctx.marked for r in page.records)
            if block is not None and not page.refusals and whole:
                ctx.uow.legacy.put_block_digest(entity, ctx.cmd.page_size, *block)
            ctx.uow.commit()
        _refresh_statistics(ctx, entity)
    return len(page.records) + len(page.refusals)


def _refresh_statistics(ctx: ImportContext, entity: LegacyEntity) -> None:
    """Refresh the ledger's planner statistics once this import's marks of `entity` reach the next
    count due (2,000, then 4x each time), in a transaction of its own after the page's."""
    due = ctx.statistics_due.get(entity, STATISTICS_AFTER)
    written = ctx.marks_written.get(entity, 0)
    if written < due:
        return
    with ctx.uow:
        ctx.uow.legacy.refresh_statistics(entity)
        ctx.uow.commit()
    while due <= written:
        due *= 4
    ctx.statistics_due[entity] = due


def _progress(ctx: ImportContext, kind: type[R], done: int, total: int) -> None:
    if ctx.on_progress is not None:
        ctx.on_progress(kind.entity, done, total)


def unchanged(ctx: ImportContext, records: Sequence[R]) -> tuple[dict[int, LegacyMark], list[R]]:
    """The page's marks, and the records whose fingerprint differs from their mark (or have none)."""
    if not records:
        return {}, []
    if records[0].entity in ctx.never_marked:
        return {}, list(records)
    marks = ctx.uow.legacy.marks(records[0].entity, (r.legacy_id for r in records))
    fresh = []
    for record in records:
        mark = marks.get(record.legacy_id)
        if mark is not None and mark.fingerprint == record.fingerprint():
            ctx.report.entities[record.entity].unchanged += 1
            ctx.marked.add(record.legacy_id)
        else:
            fresh.append(record)
    return marks, fresh


def carry_posts(ctx: ImportContext, records: Sequence[LegacyPost]) -> None:
    _, fresh = unchanged(ctx, records)
    tally = ctx.report.entities[LegacyEntity.POSTS]
    stored = ctx.uow.posts.get_many(r.article_id for r in fresh)
    written: dict[int, CafePost] = {}
    for record in fresh:
        current = written.get(record.article_id) or stored.get(record.article_id)
        post: CafePost | None
        if current is None:
            post, tally.imported = carry_post(record), tally.imported + 1
        elif changple_is_newer(current, record):
            post, tally.kept_newer = adopt_summary(current, record), tally.kept_newer + 1
        else:
            post = merge_post(current, record)
            if post == current:
                post, tally.unchanged = None, tally.unchanged + 1
            else:
                tally.changed += 1
        if post is not None:
            written[post.article_id] = post
    ctx.uow.posts.upsert_many(list(written.values()))
    ctx.carried_posts.update(written)
    ctx.uow.legacy.put_marks([ctx.mark(r, r.article_id) for r in fresh])


def carry_statuses(ctx: ImportContext, records: Sequence[LegacyPostStatus]) -> None:
    _, fresh = unchanged(ctx, records)
    tally = ctx.report.entities[LegacyEntity.STATUSES]
    stored = ctx.uow.statuses.get_many(r.article_id for r in fresh)
    statuses, marks = [], []
    for record in fresh:
        try:
            status = carry_status(record)
        except InvalidInput as refused:
            ctx.refuse(record, refused.detail)
            continue
        current = stored.get(record.article_id)
        if current is not None and current.updated_at > record.updated_at:
            tally.kept_newer += 1
        elif current is None or current != status:
            statuses.append(status)
            if current is None:
                tally.imported += 1
            else:
                tally.changed += 1
        else:
            tally.unchanged += 1
        marks.append(ctx.mark(record, record.article_id))
    ctx.uow.statuses.upsert_many(statuses)
    ctx.carried_posts.update(status.article_id for status in statuses)
    ctx.uow.legacy.put_marks(marks)


def carry_catalog(ctx: ImportContext, records: Sequence[Any]) -> None:
    """Allowed authors and brands by name. An entry changple made itself (no mark) stays as it is."""
    marks, fresh = unchanged(ctx, list(records))
    new_marks = []
    for record in fresh:
        try:
            entry: Any = carry_author(record) if isinstance(record, LegacyAuthor) else carry_brand(record)
        except InvalidInput as refused:
            ctx.refuse(record, refused.detail)
            continue
        repository: Any = ctx.uow.authors if isinstance(record, LegacyAuthor) else ctx.uow.brands
        tally = ctx.report.entities[record.entity]
        current = repository.get(entry.name)
        if current is None:
            repository.add(entry)
            tally.imported += 1
        elif record.legacy_id not in marks:
            tally.kept_newer += 1
        elif current != entry:
            repository.save(entry)
            tally.changed += 1
        else:
            tally.unchanged += 1
        new_marks.append(ctx.mark(record, entry.name))
    ctx.uow.legacy.put_marks(new_marks)


def list_batch_jobs(ctx: ImportContext, records: Sequence[LegacyBatchJob]) -> None:
    """History only: a job still open at the provider is listed with its id, never adopted."""
    for job in records:
        if job.is_open:
            ctx.report.open_batch_jobs.append(
                OpenBatchJob(
                    legacy_id=job.legacy_id,
                    provider=job.provider,
                    provider_job_id=job.provider_job_id,
                    job_type=job.job_type,
                    status=job.status,
                )
            )


def first_run_cost(estimate: RunEstimate) -> FirstRunCost:
    return FirstRunCost(
        summaries=estimate.summaries.requests,
        embeddings=estimate.embeddings.posts,
        batch_cost_usd=estimate.total_batch_cost_usd,
        standard_cost_usd=estimate.total_standard_cost_usd,
    )


def import_legacy(
    cmd: LegacyImport,
    *,
    source: LegacySource,
    uow: UnitOfWork,
    clock: Clock,
    storage: FileStorage,
    processor: ExportProcessor,
    content_config: ContentConfig,
    estimate: Callable[[UnitOfWork, Collection[int]], RunEstimate],
    on_progress: Progress | None = None,
) -> LegacyImportReport:
    """Carry everything of the changple2 database `source` into changple (see the module's rules)."""
    from changple_domain.use_cases.legacy_people import PEOPLE_STEPS

    missing = source.missing()
    if missing:
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise InvalidInput(f"this is not a changple2 database: it has no {shown}")
    dry = DryRunUnitOfWork(uow) if cmd.dry_run else None
    work = as_unit_of_work(dry) if dry is not None else uow
    report = LegacyImportReport(dry_run=cmd.dry_run, started_at=clock.now())
    ctx = ImportContext(cmd, source, work, clock, storage, processor, content_config, on_progress, report)
    with dry if dry is not None else nullcontext():
        walk(ctx, LegacyAuthor, carry_catalog)
        walk(ctx, LegacyBrand, carry_catalog)
        walk(ctx, LegacyPost, carry_posts)
        walk(ctx, LegacyPostStatus, carry_statuses)
        for kind, step in PEOPLE_STEPS:
            walk(ctx, kind, step)
        walk(ctx, LegacyBatchJob, list_batch_jobs)
        ctx.report.first_run = first_run_cost(estimate(work, ctx.carried_posts))
    ctx.report.finished_at = clock.now()
    if not cmd.dry_run:
        with uow:
            uow.legacy.save_report(ctx.report)
            uow.commit()
    return ctx.report
