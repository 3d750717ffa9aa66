"""Dramatiq actors. Each takes ids and primitives only, calls one use case, and is idempotent,
because delivery is at least once. Actors are bound to an explicit broker, never the global
one at import time, so tests and processes can build as many brokers as they like."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import dramatiq

from changple_adapters.cafe_threads import close_source
from changple_domain.errors import Busy, InvalidSetting, LoginRequired
from changple_domain.model.runs import RunTrigger
from changple_domain.use_cases.accounts import retry_revocations
from changple_domain.use_cases.apply_results import apply_job
from changple_domain.use_cases.content_library import forget_content_vector as forget_vector
from changple_domain.use_cases.content_uploads import requeue_stuck
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.reindex import reindex
from changple_domain.use_cases.run_pipeline import latest_open_run, pipeline_tick
from changple_domain.use_cases.scan_cafe import ScanCafe, scan_cafe
from changple_entrypoints.sample_data import load_sample_into_store

if TYPE_CHECKING:
    from changple_entrypoints.containers import Container

log = logging.getLogger(__name__)

QUEUE = "changple"


def register_actors(broker: dramatiq.Broker, container: Container) -> dict[str, dramatiq.Actor[Any, Any]]:
    """Declare every actor on `broker`, resolving its dependencies from `container` per message."""
    actors: dict[str, dramatiq.Actor[Any, Any]] = {}

    def load_sample_cafe() -> None:
        """Load the bundled sample cafe (idempotent: unchanged posts are recorded as unchanged)."""
        _, recorded = load_sample_into_store(uow=container.uow(), clock=container.clock())
        log.info("sample cafe loaded: %s", recorded.model_dump())

    def start_pipeline_run(key: str, trigger: str = "api") -> None:
        """Create the run for `key` (a second trigger for the same key finds the first) and step it."""
        started = start_run(
            StartRun(key=key, trigger=RunTrigger(trigger)), uow=container.uow(), clock=container.clock()
        )
        log.info(
            "pipeline run %s (%s): %s", started.run.key, started.run.id, "created" if started.created else "exists"
        )
        if started.run.finished_at is None:
            actors["pipeline_step"].send(started.run.id)

    def scan_cafe_task(key: str = "", trigger: str = "api", then_pipeline_key: str = "") -> None:
        """Scan the cafe once per key; then, when asked, start the pipeline run for what was found.
        One scan runs at a time: while another runs, this message comes back later. An expired Naver
        session ends the scan with its reason recorded and is not retried (a person must log in
        again); the pipeline still runs over what was recorded."""
        source = container.cafe_source()
        try:
            report = scan_cafe(
                ScanCafe(key=key or None, trigger=RunTrigger(trigger)),
                uow=container.uow(),
                clock=container.clock(),
                source=source,
                policy=container.ingestion_policy(),
                scan=container.scan_policy(),
                mutex=container.mutex(),
            )
            log.info("scan %s: %s", report.scan.key, report.scan.counts)
            for warning in report.warnings:
                log.warning("scan %s: %s", report.scan.key, warning)
        except Busy:
            delay_seconds = container.settings().scan_busy_retry_seconds
            log.info("scan %s waits %g s: another scan is running", key or "(manual)", delay_seconds)
            actors["scan_cafe"].send_with_options(
                kwargs={"key": key, "trigger": trigger, "then_pipeline_key": then_pipeline_key},
                delay=int(delay_seconds * 1000),
            )
            return
        except LoginRequired as exc:
            log.error("scan %s stopped: %s", key or "(manual)", exc.detail)
        finally:
            close_source(source)
        if then_pipeline_key:
            actors["start_pipeline_run"].send(then_pipeline_key, trigger)

    def pipeline_step(run_id: str = "") -> None:
        """One tick; while work is in flight, step again after the poll interval."""
        report = pipeline_tick(container.pipeline_ports(), run_id=run_id or None)
        log.info("pipeline tick for %s: %s", run_id or "(no run)", report.model_dump(exclude={"plan"}))
        if run_id and not report.done:
            delay_ms = 0 if report.made_progress else int(container.settings().poll_interval_seconds * 1000)
            actors["pipeline_step"].send_with_options(args=(run_id,), delay=delay_ms)

    def poll_pipeline() -> None:
        """The scheduled poll: a tick for the newest open run (or for no run)."""
        run = latest_open_run(container.uow())
        pipeline_step(run.id if run else "")

    def apply_batch(job_id: str) -> None:
        """Apply one finished job (a second apply changes nothing)."""
        ports = container.pipeline_ports()
        with ports.uow:
            job = ports.uow.batches.get(job_id)
        if job is None:
            log.warning("apply_batch: no batch job %s", job_id)
            return
        apply_job(
            job,
            uow=ports.uow,
            clock=ports.clock,
            summarizer=ports.summarizer,
            embedder=ports.embedder,
            index=ports.index,
            config=ports.config,
        )

    def reindex_posts(article_id: int = 0, summaries: bool = False) -> None:
        """Reindex one post, or all posts when `article_id` is 0."""
        count = reindex([article_id] if article_id else None, uow=container.uow(), summaries=summaries)
        log.info("reindex marked %d posts", count)

    def retry_naver_revocations() -> None:
        """Ask Naver again to revoke the withdrawn users' grants it has not confirmed revoked."""
        try:
            oauth = container.oauth()
        except InvalidSetting as exc:
            log.info("revocation retry skipped: %s", exc.detail)
            return
        report = asyncio.run(retry_revocations(oauth=oauth, uow=container.uow(), clock=container.clock()))
        log.info("revocation retry: %s", report.model_dump())

    def process_content(content_id: int) -> None:
        """Publish one uploaded Notion export, or record why it was refused (idempotent)."""
        content = container.process_upload(content_id)
        log.info(
            "content %s: %s%s", content_id, content.state.value, f" ({content.failure})" if content.failure else ""
        )

    def forget_content_vector(content_id: int) -> None:
        """Drop a deleted content's recommendation vector."""
        forget_vector(content_id, index=container.content_index())

    def requeue_stuck_content() -> None:
        """Queue again uploads whose processing message was lost."""
        ids = requeue_stuck(
            uow=container.uow(),
            queue=container.task_queue(),
            clock=container.clock(),
            config=container.content_config(),
        )
        if ids:
            log.warning("queued stuck content uploads again: %s", ids)

    for function in (
        load_sample_cafe,
        process_content,
        forget_content_vector,
        requeue_stuck_content,
        start_pipeline_run,
        pipeline_step,
        poll_pipeline,
        apply_batch,
        reindex_posts,
        retry_naver_revocations,
    ):
        declare = dramatiq.actor(broker=broker, actor_name=function.__name__, queue_name=QUEUE, max_retries=5)
        actors[function.__name__] = declare(function)
    # A scan can run for half an hour (its time budget); Dramatiq's default limit is ten minutes.
    scan_limit_ms = int((container.scan_policy().time_budget_seconds + 600) * 1000)
    actors["scan_cafe"] = dramatiq.actor(
        broker=broker, actor_name="scan_cafe", queue_name=QUEUE, max_retries=3, time_limit=scan_limit_ms
    )(scan_cafe_task)
    return actors
