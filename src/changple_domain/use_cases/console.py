"""What the operations console shows: the overview (posts by stage, the next run's estimate, the
last 30 days, what is running) and the activity panel it refreshes while work is under way.

The activity panel is read every second or so while something runs, so it reads only the newest
records (scans, runs, open jobs): never a walk over every post."""

from __future__ import annotations

from pydantic import BaseModel

from changple_domain.model.legacy import LegacyImportReport
from changple_domain.model.runs import PipelineRun, RunState
from changple_domain.model.scans import ScanRun
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.ports import Clock, UnitOfWork
from changple_domain.use_cases.daily_activity import DayActivity, daily_activity
from changple_domain.use_cases.pipeline_report import (
    JobProgress,
    PipelineStatus,
    RunEstimate,
    estimate_run,
    pipeline_status,
)
from changple_domain.use_cases.plan import UNFINISHED_STATES


class Activity(BaseModel):
    """The newest scan and run, and every batch job not yet applied. `busy` while any of them is
    still going: the console keeps refreshing until it is not."""

    latest_scan: ScanRun | None
    latest_run: PipelineRun | None
    open_jobs: list[JobProgress]

    @property
    def busy(self) -> bool:
        scanning = self.latest_scan is not None and self.latest_scan.state is RunState.RUNNING
        running = self.latest_run is not None and self.latest_run.state is RunState.RUNNING
        return scanning or running or bool(self.open_jobs)


def activity(*, uow: UnitOfWork) -> Activity:
    with uow:
        scans = uow.scans.recent(limit=1)
        runs = uow.runs.recent(limit=1)
        jobs = uow.batches.in_states(UNFINISHED_STATES, limit=100)
    return Activity(
        latest_scan=scans[0] if scans else None,
        latest_run=runs[0] if runs else None,
        open_jobs=[JobProgress.of(job) for job in jobs],
    )


class Overview(BaseModel):
    status: PipelineStatus
    estimate: RunEstimate
    days: list[DayActivity]
    activity: Activity
    last_legacy_import: LegacyImportReport | None = None  # the changple2 cut-over, once one ran


def console_overview(
    *,
    uow: UnitOfWork,
    clock: Clock,
    policy: IngestionPolicy,
    config: PipelineConfig,
    summary_model: str,
    embedding_model: str,
    days: int = 30,
) -> Overview:
    """Everything on the console's first page, by the same rules as `changple pipeline status`
    and `changple pipeline estimate`."""
    return Overview(
        status=pipeline_status(uow=uow, policy=policy, config=config),
        estimate=estimate_run(
            uow=uow, policy=policy, config=config, summary_model=summary_model, embedding_model=embedding_model
        ),
        days=daily_activity(uow=uow, clock=clock, days=days),
        activity=activity(uow=uow),
        last_legacy_import=_last_legacy_import(uow),
    )


def _last_legacy_import(uow: UnitOfWork) -> LegacyImportReport | None:
    with uow:
        return uow.legacy.last_report()
