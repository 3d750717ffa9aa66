"""Batch jobs as the API lists them: the recent ones with their progress, and one job's record."""

from __future__ import annotations

from changple_domain.errors import NotFound
from changple_domain.model.batches import BatchJob
from changple_domain.model.pages import Page
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.pipeline_report import JobProgress


def recent_batches(*, uow: UnitOfWork, limit: int = 50, offset: int = 0) -> Page[JobProgress]:
    """Batch jobs, newest first, a page at a time."""
    with uow:
        jobs = uow.batches.recent(limit=limit, offset=offset)
        total = sum(line.jobs for line in uow.batches.tally())
    return Page(items=[JobProgress.of(job) for job in jobs], total=total, limit=limit, offset=offset)


def batch_record(job_id: str, *, uow: UnitOfWork) -> BatchJob:
    with uow:
        job = uow.batches.get(job_id)
    if job is None:
        raise NotFound(f"no batch job '{job_id}'")
    return job
