"""The work behind each background task, with what follows it. Each function runs one use case,
turns its report into a line for the log and asks the workflow policy what comes next; the worker
sends those follow-ups. Arguments are ids and primitives (they travel in queue messages), and every
function is idempotent because delivery is at least once."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import Busy, LoginRequired
from changple_domain.model.runs import RunTrigger
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.scan import ScanPolicy
from changple_domain.policies.workflow import (
    FollowUp,
    ScanRequest,
    WorkflowTimings,
    after_run_started,
    after_scan,
    after_tick,
    retry_scan_later,
)
from changple_domain.ports import (
    BatchEmbedder,
    BatchSummarizer,
    CafeSource,
    Clock,
    ExportProcessor,
    FileStorage,
    Mutex,
    OAuthProvider,
    TaskQueue,
    UnitOfWork,
    VectorIndex,
)
from changple_domain.use_cases.apply_results import apply_job
from changple_domain.use_cases.content_library import forget_content_vector
from changple_domain.use_cases.content_uploads import ContentConfig, process_content, requeue_stuck
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.reindex import reindex
from changple_domain.use_cases.revocations import retry_revocations
from changple_domain.use_cases.run_pipeline import PipelinePorts, TickReport, latest_open_run, pipeline_tick
from changple_domain.use_cases.scan_cafe import ScanCafe, scan_cafe


class TaskOutcome(BaseModel):
    """What one task did (a line for the log), what an operator should know, and what to send next."""

    model_config = ConfigDict(frozen=True)

    summary: str
    warnings: tuple[str, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()


def scan_cafe_task(
    key: str = "",
    trigger: str = "api",
    then_pipeline_key: str = "",
    *,
    uow: UnitOfWork,
    clock: Clock,
    source: CafeSource,
    policy: IngestionPolicy,
    scan: ScanPolicy,
    mutex: Mutex,
    timings: WorkflowTimings,
) -> TaskOutcome:
    """Scan the cafe once per key. While another scan runs, the request comes back later. An expired
    Naver session ends the scan with its reason recorded and is not retried (a person must log in
    again); the pipeline still runs over what was recorded."""
    request = ScanRequest(key=key, trigger=trigger, then_pipeline_key=then_pipeline_key)
    label = key or "(manual)"
    try:
        report = scan_cafe(
            ScanCafe(key=key or None, trigger=RunTrigger(trigger)),
            uow=uow,
            clock=clock,
            source=source,
            policy=policy,
            scan=scan,
            mutex=mutex,
        )
    except Busy:
        wait = f"waits {timings.scan_busy_retry_seconds:g} s: another scan is running"
        return TaskOutcome(summary=f"scan {label} {wait}", follow_ups=retry_scan_later(request, timings))
    except LoginRequired as exc:
        return TaskOutcome(summary=f"scan {label} stopped", warnings=(exc.detail,), follow_ups=after_scan(request))
    finally:
        close = getattr(source, "close", None)  # TEMP until CafeSource.close lands
        if close is not None:
            close()
    return TaskOutcome(
        summary=f"scan {report.scan.key}: {report.scan.counts}",
        warnings=tuple(report.warnings),
        follow_ups=after_scan(request),
    )


def start_pipeline_run_task(key: str, trigger: str = "api", *, uow: UnitOfWork, clock: Clock) -> TaskOutcome:
    """Create the run for `key` (a second trigger for the same key finds the first) and step it."""
    started = start_run(StartRun(key=key, trigger=RunTrigger(trigger)), uow=uow, clock=clock)
    run = started.run
    return TaskOutcome(
        summary=f"pipeline run {run.key} ({run.id}): {'created' if started.created else 'exists'}",
        follow_ups=after_run_started(run.id, finished=run.finished_at is not None),
    )


def pipeline_step_task(run_id: str = "", *, ports: PipelinePorts, timings: WorkflowTimings) -> TaskOutcome:
    """One tick; while work is in flight the run steps again (see `after_tick`)."""
    report = pipeline_tick(ports, run_id=run_id or None)
    return TaskOutcome(
        summary=f"pipeline tick for {run_id or '(no run)'}: {report.model_dump(exclude={'plan'})}",
        follow_ups=after_tick(run_id, done=report.done, made_progress=report.made_progress, timings=timings),
    )


def tick_latest_open_run(*, ports: PipelinePorts) -> TickReport:
    """One tick for the newest open run (or for no run): `changple pipeline poll`."""
    run = latest_open_run(ports.uow)
    return pipeline_tick(ports, run_id=run.id if run else None)


def poll_pipeline_task(*, ports: PipelinePorts, timings: WorkflowTimings) -> TaskOutcome:
    """The scheduled poll: a tick for the newest open run (or for no run)."""
    run = latest_open_run(ports.uow)
    return pipeline_step_task(run.id if run else "", ports=ports, timings=timings)


def apply_batch_task(
    job_id: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    summarizer: BatchSummarizer,
    embedder: BatchEmbedder,
    index: VectorIndex,
    config: PipelineConfig,
) -> TaskOutcome:
    """Apply one finished job (a second apply changes nothing); an unknown job is a warning."""
    with uow:
        job = uow.batches.get(job_id)
    if job is None:
        return TaskOutcome(summary="apply_batch: nothing applied", warnings=(f"apply_batch: no batch job {job_id}",))
    report = apply_job(job, uow=uow, clock=clock, summarizer=summarizer, embedder=embedder, index=index, config=config)
    return TaskOutcome(summary=f"applied batch job {job_id}: {report.model_dump()}")


def reindex_posts_task(article_id: int = 0, summaries: bool = False, *, uow: UnitOfWork) -> TaskOutcome:
    """Reindex one post, or all posts when `article_id` is 0."""
    count = reindex([article_id] if article_id else None, uow=uow, summaries=summaries)
    return TaskOutcome(summary=f"reindex marked {count} posts")


def retry_revocations_task(*, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock) -> TaskOutcome:
    """Ask Naver again to revoke the withdrawn users' grants it has not confirmed revoked."""
    report = asyncio.run(retry_revocations(oauth=oauth, uow=uow, clock=clock))
    return TaskOutcome(summary=f"revocation retry: {report.model_dump()}")


def process_content_task(
    content_id: int,
    *,
    uow: UnitOfWork,
    storage: FileStorage,
    processor: ExportProcessor,
    clock: Clock,
    config: ContentConfig,
    embedder: BatchEmbedder,
    index: VectorIndex,
) -> TaskOutcome:
    """Publish one uploaded Notion export, or record why it was refused (idempotent)."""
    content = process_content(
        content_id,
        uow=uow,
        storage=storage,
        processor=processor,
        clock=clock,
        config=config,
        embedder=embedder,
        index=index,
    )
    refused = f" ({content.failure})" if content.failure else ""
    return TaskOutcome(summary=f"content {content_id}: {content.state.value}{refused}")


def forget_content_vector_task(content_id: int, *, index: VectorIndex) -> TaskOutcome:
    """Drop a deleted content's recommendation vector."""
    forget_content_vector(content_id, index=index)
    return TaskOutcome(summary=f"content {content_id}: vector dropped")


def requeue_stuck_content_task(
    *, uow: UnitOfWork, queue: TaskQueue, clock: Clock, config: ContentConfig
) -> TaskOutcome:
    """Queue again uploads whose processing message was lost."""
    ids = requeue_stuck(uow=uow, queue=queue, clock=clock, config=config)
    warnings = (f"queued stuck content uploads again: {ids}",) if ids else ()
    return TaskOutcome(summary=f"stuck content uploads queued again: {len(ids)}", warnings=warnings)
