"""Work an operator asks for and the worker does: a scan of the cafe, a pipeline run, a poll of
the open batch jobs. Each is recorded (where it has a record) before it is queued, so the caller
can answer at once with what will be done, and a repeated request for one key queues nothing new."""

from __future__ import annotations

from changple_domain.model.scans import ScanRun
from changple_domain.model.tasks import Task
from changple_domain.policies.run_keys import run_key_after_scan
from changple_domain.ports import Clock, IdSource, TaskQueue, UnitOfWork
from changple_domain.use_cases.pipeline_runs import StartedRun, StartRun, start_run
from changple_domain.use_cases.scan_cafe import ScanCafe, start_scan


def queue_scan(
    cmd: ScanCafe, *, ingest_after: bool, uow: UnitOfWork, clock: Clock, queue: TaskQueue, ids: IdSource
) -> ScanRun:
    """Record the scan for `cmd.key` and queue it unless it already started; with `ingest_after`
    the pipeline runs once the scan ends (run key `after:<scan key>`)."""
    scan = start_scan(cmd, uow=uow, clock=clock, ids=ids)
    if scan.not_started:
        queue.enqueue(
            Task.SCAN_CAFE,
            key=scan.key,
            trigger=cmd.trigger.value,
            then_pipeline_key=run_key_after_scan(scan.key) if ingest_after else "",
        )
    return scan


def queue_pipeline_run(cmd: StartRun, *, uow: UnitOfWork, clock: Clock, queue: TaskQueue, ids: IdSource) -> StartedRun:
    """Start the run for the command's key (or a new one) and queue its first step; a key already taken returns that run
    and queues nothing (its own steps are already on their way)."""
    started = start_run(cmd, uow=uow, clock=clock, ids=ids)
    if started.created:
        queue.enqueue(Task.PIPELINE_STEP, run_id=started.run.id)
    return started


def queue_poll(*, queue: TaskQueue) -> None:
    """Ask for one tick now, as the 30-minute schedule does: poll, apply, submit what is ready."""
    queue.enqueue(Task.POLL_PIPELINE)
