"""Poll: move each open batch job along its lifecycle from the provider's word; terminal jobs are
never polled again."""

from __future__ import annotations

from pydantic import BaseModel

from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchKind, BatchState
from changple_domain.ports import BatchEmbedder, BatchSummarizer, Clock, UnitOfWork


class PollReport(BaseModel):
    polled: int = 0
    changed: dict[str, str] = {}  # job id -> new state
    unreachable: dict[str, str] = {}  # job id -> why the provider could not answer


def poll_batches(*, uow: UnitOfWork, clock: Clock, summarizer: BatchSummarizer, embedder: BatchEmbedder) -> PollReport:
    """Ask the provider about every SUBMITTED or RUNNING job and record its state and progress."""
    report = PollReport()
    with uow:
        open_jobs = uow.batches.in_states([BatchState.SUBMITTED, BatchState.RUNNING])
    for job in open_jobs:
        provider = summarizer if job.kind is BatchKind.SUMMARIZE else embedder
        if job.provider != provider.provider or job.provider_job_id is None:
            report.unreachable[job.id] = f"job belongs to provider '{job.provider}', not '{provider.provider}'"
            continue
        try:
            status = provider.status(job.provider_job_id)
        except (ProviderUnavailable, ProviderRejected) as exc:
            report.unreachable[job.id] = exc.detail
            continue
        report.polled += 1
        changes: dict[str, object] = {
            "completed_requests": status.completed_requests,
            "failed_requests": status.failed_requests,
        }
        if status.error:
            changes["error"] = status.error
        target = status.state if job.can_move_to(status.state) else job.state
        updated = job.advance(target, at=clock.now(), **changes)
        if updated.state is not job.state:
            report.changed[job.id] = updated.state.value
        with uow:
            uow.batches.save(updated)
            uow.commit()
    return report
