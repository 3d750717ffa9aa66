"""The work behind each background task, with what follows it. Each function runs one use case
(handed over already bound to its ports), turns its report into a line for the log and asks the
workflow policy what comes next; the worker sends those follow-ups. Arguments are ids and
primitives (they travel in queue messages), and every function is idempotent because delivery is
at least once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import Busy, LoginRequired
from changple_domain.model.content import NotionContent
from changple_domain.model.runs import PipelineRun, RunTrigger
from changple_domain.policies.workflow import (
    FollowUp,
    ScanRequest,
    WorkflowTimings,
    after_run_started,
    after_scan,
    after_tick,
    retry_scan_later,
)
from changple_domain.ports import CafeSource
from changple_domain.use_cases.apply_results import ApplyReport
from changple_domain.use_cases.pipeline_runs import StartedRun, StartRun
from changple_domain.use_cases.revocations import RevocationReport
from changple_domain.use_cases.run_pipeline import TickReport
from changple_domain.use_cases.scan_cafe import ScanCafe, ScanEvent, ScanPorts, ScanReport, scan_cafe


class TaskOutcome(BaseModel):
    """What one task did (a line for the log), what an operator should know, and what to send next."""

    model_config = ConfigDict(frozen=True)

    summary: str
    warnings: tuple[str, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()


def scan_with_own_source(
    cmd: ScanCafe,
    *,
    ports: ScanPorts,
    source: CafeSource,
    on_article: Callable[[ScanEvent], None] | None = None,
) -> ScanReport:
    """One scan with a source of its own (a browser belongs to the scan that opened it), closed
    when the scan ends however it ends."""
    try:
        return scan_cafe(cmd, ports=ports, source=source, on_article=on_article)
    finally:
        source.close()


def scan_cafe_task(
    key: str = "",
    trigger: str = "api",
    then_pipeline_key: str = "",
    *,
    scan: Callable[[ScanCafe], ScanReport],
    timings: WorkflowTimings,
) -> TaskOutcome:
    """Scan the cafe once per key. While another scan runs, the request comes back later. An expired
    Naver session ends the scan with its reason recorded and is not retried (a person must log in
    again); the pipeline still runs over what was recorded."""
    request = ScanRequest(key=key, trigger=trigger, then_pipeline_key=then_pipeline_key)
    label = key or "(manual)"
    try:
        report = scan(ScanCafe(key=key or None, trigger=RunTrigger(trigger)))
    except Busy:
        wait = f"waits {timings.scan_busy_retry_seconds:g} s: another scan is running"
        return TaskOutcome(summary=f"scan {label} {wait}", follow_ups=retry_scan_later(request, timings))
    except LoginRequired as exc:
        return TaskOutcome(summary=f"scan {label} stopped", warnings=(exc.detail,), follow_ups=after_scan(request))
    return TaskOutcome(
        summary=f"scan {report.scan.key}: {report.scan.counts.model_dump()}",
        warnings=tuple(report.warnings),
        follow_ups=after_scan(request),
    )


def start_pipeline_run_task(key: str, trigger: str = "api", *, start: Callable[[StartRun], StartedRun]) -> TaskOutcome:
    """Create the run for `key` (a second trigger for the same key finds the first) and step it."""
    started = start(StartRun(key=key, trigger=RunTrigger(trigger)))
    run = started.run
    return TaskOutcome(
        summary=f"pipeline run {run.key} ({run.id}): {'created' if started.created else 'exists'}",
        follow_ups=after_run_started(run.id, finished=run.finished_at is not None),
    )


def pipeline_step_task(
    run_id: str = "",
    quiet_ticks: int = 0,
    planned_stamp: str = "",
    *,
    tick: Callable[..., TickReport],
    timings: WorkflowTimings,
) -> TaskOutcome:
    """One tick; while work is in flight the run steps again (see `after_tick`), sooner after a
    change and later while the providers report none, planning again only when something changed."""
    report = tick(run_id=run_id or None, planned_stamp=planned_stamp)
    follow_ups = after_tick(
        run_id,
        done=report.done,
        made_progress=report.made_progress,
        timings=timings,
        quiet_ticks=quiet_ticks,
        planned_stamp=report.stamp_to_carry,
    )
    return TaskOutcome(
        summary=f"pipeline tick for {run_id or '(no run)'}: {report.model_dump(exclude={'plan', 'stamp'})}",
        follow_ups=follow_ups,
    )


def poll_pipeline_task(
    *,
    latest_open_run: Callable[[], PipelineRun | None],
    tick: Callable[..., TickReport],
    timings: WorkflowTimings,
) -> TaskOutcome:
    """The scheduled poll: a tick for the newest open run (or for no run)."""
    run = latest_open_run()
    return pipeline_step_task(run.id if run else "", tick=tick, timings=timings)


def apply_batch_task(job_id: str, *, apply: Callable[[str], ApplyReport | None]) -> TaskOutcome:
    """Apply one finished job (a second apply changes nothing); an unknown job is a warning."""
    report = apply(job_id)
    if report is None:
        return TaskOutcome(summary="apply_batch: nothing applied", warnings=(f"apply_batch: no batch job {job_id}",))
    return TaskOutcome(summary=f"applied batch job {job_id}: {report.model_dump()}")


def reindex_posts_task(article_id: int = 0, summaries: bool = False, *, reindex: Callable[..., int]) -> TaskOutcome:
    """Reindex one post, or all posts when `article_id` is 0."""
    count = reindex([article_id] if article_id else None, summaries=summaries)
    return TaskOutcome(summary=f"reindex marked {count} posts")


def retry_revocations_task(*, retry: Callable[[], Coroutine[Any, Any, RevocationReport]]) -> TaskOutcome:
    """Ask Naver again to revoke the withdrawn users' grants it has not confirmed revoked."""
    report = asyncio.run(retry())
    return TaskOutcome(summary=f"revocation retry: {report.model_dump()}")


def process_content_task(content_id: int, *, process: Callable[[int], NotionContent]) -> TaskOutcome:
    """Publish one uploaded Notion export, or record why it was refused (idempotent)."""
    content = process(content_id)
    refused = f" ({content.failure})" if content.failure else ""
    return TaskOutcome(summary=f"content {content_id}: {content.state.value}{refused}")


def forget_content_vector_task(content_id: int, *, forget: Callable[[int], None]) -> TaskOutcome:
    """Drop a deleted content's recommendation vector."""
    forget(content_id)
    return TaskOutcome(summary=f"content {content_id}: vector dropped")


def requeue_stuck_content_task(*, requeue: Callable[[], list[int]]) -> TaskOutcome:
    """Queue again uploads whose processing message was lost."""
    ids = requeue()
    warnings = (f"queued stuck content uploads again: {ids}",) if ids else ()
    return TaskOutcome(summary=f"stuck content uploads queued again: {len(ids)}", warnings=warnings)
