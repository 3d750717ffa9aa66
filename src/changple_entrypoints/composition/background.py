"""The work behind every background task, bound to its ports. `background_work` maps each Task to
its bound callable: the worker declares one actor per entry and needs nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dependency_injector import providers

from changple_domain.model.tasks import Task
from changple_domain.ports import Mutex
from changple_domain.use_cases import background as work
from changple_domain.use_cases import revocations
from changple_domain.use_cases.background import TaskOutcome
from changple_entrypoints.composition.content import ContentUseCases
from changple_entrypoints.composition.pipeline import PipelineUseCases
from changple_entrypoints.composition.ports import Ports

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

    from changple_entrypoints.worker.scheduler import Lease
from changple_entrypoints.sample_data import load_sample_task


# APScheduler loads only where a schedule runs (the scheduler process, `serve`), not for every command.
def _lease(mutex: Mutex) -> Lease:
    from changple_entrypoints.worker.scheduler import Lease

    return Lease(mutex)


def _scheduler(**kwargs: Any) -> BaseScheduler:
    from changple_entrypoints.worker.scheduler import build_scheduler

    return build_scheduler(**kwargs)


# What the schedule is made of, from the settings (the lease is each container's own).
_SCHEDULE: dict[str, Any] = {
    "queue": Ports.task_queue,
    "nightly_cron": Ports.settings.provided.nightly_cron,
    "poll_every_minutes": Ports.settings.provided.poll_every_minutes,
    "now": Ports.clock.provided.now,
    "revocation_retry_minutes": Ports.settings.provided.revocation_retry_minutes,
}


class BackgroundWork(PipelineUseCases, ContentUseCases):
    """Each task's work, wrapping the use case it runs (bound once, in its area)."""

    load_sample_cafe = providers.Callable(load_sample_task, uow=Ports.uow, clock=Ports.clock)
    scan_cafe_work = providers.Callable(
        work.scan_cafe_task, scan=PipelineUseCases.scan_cafe.provider, timings=Ports.workflow_timings
    )
    start_pipeline_run = providers.Callable(work.start_pipeline_run_task, start=PipelineUseCases.start_run.provider)
    pipeline_step = providers.Callable(
        work.pipeline_step_task, tick=PipelineUseCases.pipeline_tick.provider, timings=Ports.workflow_timings
    )
    poll_pipeline = providers.Callable(
        work.poll_pipeline_task,
        latest_open_run=PipelineUseCases.latest_open_run.provider,
        tick=PipelineUseCases.pipeline_tick.provider,
        timings=Ports.workflow_timings,
    )
    apply_batch = providers.Callable(work.apply_batch_task, apply=PipelineUseCases.apply_job.provider)
    reindex_posts = providers.Callable(work.reindex_posts_task, reindex=PipelineUseCases.reindex.provider)
    retry_revocations = providers.Callable(
        revocations.retry_revocations, oauth=Ports.oauth, uow=Ports.uow, clock=Ports.clock
    )
    retry_naver_revocations = providers.Callable(work.retry_revocations_task, retry=retry_revocations.provider)
    process_content = providers.Callable(work.process_content_task, process=ContentUseCases.process_upload.provider)
    forget_content_vector_work = providers.Callable(
        work.forget_content_vector_task, forget=ContentUseCases.forget_content_vector.provider
    )
    requeue_stuck_content = providers.Callable(
        work.requeue_stuck_content_task, requeue=ContentUseCases.requeue_stuck_uploads.provider
    )

    # The scheduler's leadership (a held Mutex) and the schedule that sends the timed tasks.
    scheduler_lease = providers.Singleton(_lease, Ports.mutex)
    schedule = providers.Singleton(_scheduler, lease=scheduler_lease, **_SCHEDULE)
    # `changple serve` without Redis: the same schedule on a thread of the server, led through the
    # same lease (a FileMutex under the data directory: one leader per data directory).
    embedded_schedule = providers.Singleton(_scheduler, lease=scheduler_lease, in_background=True, **_SCHEDULE)


def background_work(container: BackgroundWork) -> dict[Task, Callable[..., TaskOutcome]]:
    """Each task's bound work (calling one resolves its ports afresh, so overrides apply)."""
    bound: dict[Task, Callable[..., Any]] = {
        Task.LOAD_SAMPLE_CAFE: container.load_sample_cafe,
        Task.SCAN_CAFE: container.scan_cafe_work,
        Task.START_PIPELINE_RUN: container.start_pipeline_run,
        Task.PIPELINE_STEP: container.pipeline_step,
        Task.POLL_PIPELINE: container.poll_pipeline,
        Task.APPLY_BATCH: container.apply_batch,
        Task.REINDEX_POSTS: container.reindex_posts,
        Task.RETRY_NAVER_REVOCATIONS: container.retry_naver_revocations,
        Task.PROCESS_CONTENT: container.process_content,
        Task.FORGET_CONTENT_VECTOR: container.forget_content_vector_work,
        Task.REQUEUE_STUCK_CONTENT: container.requeue_stuck_content,
    }
    return bound
