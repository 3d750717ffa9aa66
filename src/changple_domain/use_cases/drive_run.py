"""`changple pipeline run`: one run driven to its end in this process. Start (or resume) the run for
a key, then tick until nothing is left to send or wait for, pausing between ticks as the workflow's
timings say. The worker does the same through queued steps; this is the synchronous way."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from changple_domain.model.runs import PipelineRun, RunTrigger
from changple_domain.policies.workflow import WorkflowTimings, poll_delay
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.pipeline_runs import StartRun, start_run
from changple_domain.use_cases.run_pipeline import TickReport, latest_open_run, pipeline_tick

LOCKED_RETRY_SECONDS = 1.0  # another tick holds the lock: look again soon


class DrivenRun(BaseModel):
    run: PipelineRun
    ticks: int
    last: TickReport


def drive_run(
    key: str | None,
    *,
    wait: bool,
    ports: PipelinePorts,
    timings: WorkflowTimings,
    on_tick: Callable[[PipelineRun, TickReport], None] | None = None,
    max_ticks: int = 10_000,
) -> DrivenRun:
    """Tick the run for `key` until it is done (or once, with `wait=False`); `on_tick` sees each."""
    started = start_run(
        StartRun(key=key or None, trigger=RunTrigger.MANUAL), uow=ports.uow, clock=ports.clock, ids=ports.ids
    )
    ticks, quiet, report = 0, 0, None
    while ticks < max_ticks:
        report = pipeline_tick(ports, run_id=started.run.id)
        ticks += 1
        if on_tick is not None:
            on_tick(started.run, report)
        if report.done or not wait:
            break
        quiet = 0 if report.made_progress else quiet + 1
        if report.skipped:
            ports.sleep(LOCKED_RETRY_SECONDS)
        elif not report.made_progress:
            ports.sleep(poll_delay(quiet - 1, timings))
    assert report is not None  # max_ticks >= 1
    with ports.uow:
        run = ports.uow.runs.get(started.run.id) or started.run
    return DrivenRun(run=run, ticks=ticks, last=report)


def tick_latest_open_run(*, ports: PipelinePorts) -> TickReport:
    """One tick for the newest open run (or for no run): `changple pipeline poll`."""
    run = latest_open_run(ports.uow)
    return pipeline_tick(ports, run_id=run.id if run else None)
