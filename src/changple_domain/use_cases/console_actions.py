"""The console's buttons. Each queues its work and answers with what it did and the activity panel
as it now stands, so the page updates in one round trip (the panel is the answer, not a second
request)."""

from __future__ import annotations

from pydantic import BaseModel

from changple_domain.model.runs import RunOrigin, RunTrigger
from changple_domain.ports import Clock, IdSource, TaskQueue, UnitOfWork
from changple_domain.use_cases.console import Activity, activity
from changple_domain.use_cases.pipeline_runs import StartRun
from changple_domain.use_cases.queue_work import queue_pipeline_run, queue_poll, queue_scan
from changple_domain.use_cases.scan_cafe import ScanCafe


class ConsoleUpdate(BaseModel):
    message: str
    activity: Activity


def console_activity(*, uow: UnitOfWork) -> ConsoleUpdate:
    """The panel alone (the console polls it while work runs)."""
    return ConsoleUpdate(message="", activity=activity(uow=uow))


def console_scan(
    *, ingest_after: bool, uow: UnitOfWork, clock: Clock, queue: TaskQueue, ids: IdSource
) -> ConsoleUpdate:
    scan = queue_scan(
        ScanCafe(trigger=RunTrigger.MANUAL), ingest_after=ingest_after, uow=uow, clock=clock, queue=queue, ids=ids
    )
    then = "; the pipeline runs when it ends" if ingest_after else ""
    return ConsoleUpdate(message=f"scan {scan.key} queued{then}", activity=activity(uow=uow))


def console_run(*, uow: UnitOfWork, clock: Clock, queue: TaskQueue, ids: IdSource) -> ConsoleUpdate:
    run = StartRun(trigger=RunTrigger.MANUAL, origin=RunOrigin.CONSOLE)
    started = queue_pipeline_run(run, uow=uow, clock=clock, queue=queue, ids=ids)
    return ConsoleUpdate(message=f"pipeline run {started.run.key} queued", activity=activity(uow=uow))


def console_poll(*, uow: UnitOfWork, queue: TaskQueue) -> ConsoleUpdate:
    queue_poll(queue=queue)
    message = "poll queued: open jobs are checked and finished ones applied"
    return ConsoleUpdate(message=message, activity=activity(uow=uow))
