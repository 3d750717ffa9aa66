"""One pipeline run's or one scan's status by id, as the API and the CLI show it: where it stands, its
counts, what it cost so far, when it started and finished, and its error if any."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import NotFound
from changple_domain.model._time import UtcDatetime
from changple_domain.model.pages import Page
from changple_domain.model.runs import PipelineRun, RunCounts, RunState, RunTrigger, StageProgress
from changple_domain.model.scans import ScanCounts, ScanRun
from changple_domain.ports import UnitOfWork

T = TypeVar("T")


class RunStatus(BaseModel):
    """A pipeline run as a caller polls it. `counts` is empty until the run's first tick counted it."""

    model_config = ConfigDict(frozen=True)

    id: str
    key: str
    trigger: RunTrigger
    state: RunState
    stages: dict[str, StageProgress]
    counts: dict[str, int]
    cost_usd: Decimal
    standard_cost_usd: Decimal
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    error: str | None

    @classmethod
    def of(cls, run: PipelineRun) -> RunStatus:
        counts: RunCounts = run.counts
        fields = run.model_dump(exclude={"counts"})
        return cls(**fields, counts=counts.as_written())


class ScanStatus(BaseModel):
    """A scan as a caller polls it; `last_article_id` is where the walk is (or stopped)."""

    model_config = ConfigDict(frozen=True)

    id: str
    key: str
    trigger: RunTrigger
    state: RunState
    phase: str
    counts: ScanCounts
    last_article_id: int | None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    stopped_because: str | None
    error: str | None

    @classmethod
    def of(cls, scan: ScanRun) -> ScanStatus:
        return cls(**scan.model_dump(exclude={"counts"}), counts=scan.counts)


def _found(record: T | None, sentence: str) -> T:
    if record is None:
        raise NotFound(sentence)
    return record


def run_status(run_id: str, *, uow: UnitOfWork) -> RunStatus:
    """The run with this id, or NotFound saying so."""
    with uow:
        run = uow.runs.get(run_id)
    return RunStatus.of(_found(run, f"no pipeline run has the id '{run_id}'"))


def scan_status(scan_id: str, *, uow: UnitOfWork) -> ScanStatus:
    """The scan with this id, or NotFound saying so."""
    with uow:
        scan = uow.scans.get(scan_id)
    return ScanStatus.of(_found(scan, f"no scan has the id '{scan_id}'"))


def list_runs(*, uow: UnitOfWork, limit: int = 20, offset: int = 0) -> Page[RunStatus]:
    """Pipeline runs, newest first, a page at a time."""
    with uow:
        runs = uow.runs.recent(limit=limit, offset=offset)
        total = sum(uow.runs.count_by_state().values())
    return Page(items=[RunStatus.of(run) for run in runs], total=total, limit=limit, offset=offset)


def list_scans(*, uow: UnitOfWork, limit: int = 20, offset: int = 0) -> Page[ScanStatus]:
    """Scans, newest first, a page at a time."""
    with uow:
        scans = uow.scans.recent(limit=limit, offset=offset)
        total = sum(uow.scans.count_by_state().values())
    return Page(items=[ScanStatus.of(scan) for scan in scans], total=total, limit=limit, offset=offset)
