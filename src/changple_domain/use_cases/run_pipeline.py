"""One pass of the pipeline ("a tick"): poll open jobs, apply finished ones, plan, remove what
left eligibility, submit what needs work. Ticks are idempotent, so the nightly schedule, the
30-minute poll and an operator's `pipeline run` can all call them safely, in any number.

Planning walks every stored post, so a tick that only waits on the providers skips it: when the
poll moved no job, nothing was applied, and the planning stamp (`plan.planning_stamp`) equals
the one the last tick carried forward, the plan would be the same and the tick ends there."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel

from changple_domain.model.batches import BatchKind
from changple_domain.model.runs import PipelineRun, RunCounts, RunState
from changple_domain.ports import Clock, UnitOfWork
from changple_domain.use_cases.apply_results import apply_finished, remove_from_index
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.plan import UNFINISHED_STATES, WorkPlan, plan_work, planning_stamp
from changple_domain.use_cases.poll_batches import poll_batches
from changple_domain.use_cases.submit_batches import Submitter, submit_embeddings, submit_summaries

TICK_LOCK = "pipeline-tick"
TICK_LOCK_TTL_SECONDS = 1800


class TickReport(BaseModel):
    polled: int = 0
    applied_jobs: int = 0
    posts_summarized: int = 0
    posts_indexed: int = 0
    posts_failed_this_tick: int = 0
    removed: int = 0
    summary_jobs_submitted: int = 0
    embedding_jobs_submitted: int = 0
    jobs_waiting_to_send: int = 0
    plan: WorkPlan
    open_jobs: int = 0
    done: bool = False
    skipped: bool = False  # another tick held the lock; nothing was done
    planned: bool = True  # False: nothing had changed since the last plan, so this tick did not plan
    stamp: str = ""  # the planning stamp this tick's plan (or the plan it kept) was made from

    @property
    def made_progress(self) -> bool:
        """Something was applied or sent, so the next tick may have work at once; otherwise the
        pipeline is waiting on a provider (or on another tick) and should wait a poll interval."""
        return bool(self.applied_jobs or self.summary_jobs_submitted or self.embedding_jobs_submitted)

    @property
    def stamp_to_carry(self) -> str:
        """The stamp the next step may compare with, only when this tick left nothing to send: a
        tick that still has posts to submit (a refused or half-sent batch) must plan again."""
        if self.made_progress or self.jobs_waiting_to_send or self.plan.summary or self.plan.embedding:
            return ""
        return self.stamp


def pipeline_tick(ports: PipelinePorts, *, run_id: str | None = None, planned_stamp: str | None = None) -> TickReport:
    """Move everything one step forward. `done` means nothing is left to send or wait for. Only one
    tick runs at a time anywhere: two planning at once could send the same post twice.
    `planned_stamp` is what the last step carried (`TickReport.stamp_to_carry`): "" asks for a stamp
    without one to compare, None (an operator's run in this process) plans without stamping."""
    with ports.mutex.hold(TICK_LOCK, ttl_seconds=TICK_LOCK_TTL_SECONDS) as held:
        if not held:
            return TickReport(plan=WorkPlan(), skipped=True)
        return _tick(ports, run_id, planned_stamp)


def _tick(ports: PipelinePorts, run_id: str | None, planned_stamp: str | None) -> TickReport:
    uow, clock = ports.uow, ports.clock
    polled = poll_batches(uow=uow, clock=clock, summarizer=ports.summarizer, embedder=ports.embedder)
    applied = apply_finished(ports)
    # Stamped before planning: a write that lands while the plan is made changes the next stamp.
    stamp = planning_stamp(uow=uow, policy=ports.policy) if planned_stamp is not None else ""
    moved = bool(polled.changed) or any(not r.already_applied for r in applied)
    if planned_stamp and not moved and stamp == planned_stamp:
        with uow:
            open_jobs = len(uow.batches.in_states(UNFINISHED_STATES))
        return TickReport(polled=polled.polled, plan=WorkPlan(), open_jobs=open_jobs, planned=False, stamp=stamp)
    plan = plan_work(uow=uow, policy=ports.policy, page_size=ports.config.page_size)
    removed = remove_from_index(plan.removal, uow=uow, index=ports.index) if plan.removal else 0
    ctx = Submitter(uow=uow, clock=clock, config=ports.config, sleep=ports.sleep, ids=ports.ids)
    summaries = submit_summaries(plan.summary, ctx=ctx, summarizer=ports.summarizer, run_id=run_id)
    embeddings = submit_embeddings(plan.embedding, ctx=ctx, embedder=ports.embedder, run_id=run_id)
    with uow:
        open_jobs = len(uow.batches.in_states(UNFINISHED_STATES))
    report = TickReport(
        polled=polled.polled,
        applied_jobs=sum(1 for r in applied if not r.already_applied),
        posts_summarized=sum(r.applied for r in applied if r.kind is BatchKind.SUMMARIZE),
        posts_indexed=sum(r.applied for r in applied if r.kind is BatchKind.EMBED),
        posts_failed_this_tick=sum(r.failed + r.returned for r in applied),
        removed=removed,
        summary_jobs_submitted=len(summaries.jobs_submitted) + len(summaries.jobs_recovered),
        embedding_jobs_submitted=len(embeddings.jobs_submitted) + len(embeddings.jobs_recovered),
        jobs_waiting_to_send=len(summaries.jobs_left_created) + len(embeddings.jobs_left_created),
        plan=plan,
        open_jobs=open_jobs,
        stamp=stamp,
    )
    report.done = open_jobs == 0 and not plan.summary and not plan.embedding
    if run_id is not None:
        record_progress(uow=uow, clock=clock, run_id=run_id, report=report)
    if report.done:
        finish_open_runs(uow=uow, clock=clock, report=report)
    return report


OPEN_RUNS_LOOKED_AT = 200  # the newest runs a finished tick closes; older open ones are long stale


def finish_open_runs(*, uow: UnitOfWork, clock: Clock, report: TickReport) -> list[PipelineRun]:
    """When a tick finds nothing left to send or wait for, every run still `running` has had its work
    done: an older run whose delayed messages were lost is finished here by whichever tick comes
    next (the nightly run's, a poll, another run's), with its counts and cost as of now."""
    if not report.done:
        return []
    with uow:
        open_ids = [r.id for r in uow.runs.recent(limit=OPEN_RUNS_LOOKED_AT) if r.state is RunState.RUNNING]
    finished = (record_progress(uow=uow, clock=clock, run_id=run_id, report=report) for run_id in open_ids)
    return [run for run in finished if run is not None]


def record_progress(*, uow: UnitOfWork, clock: Clock, run_id: str, report: TickReport) -> PipelineRun | None:
    """Write the run's stage counts and its cost so far (summed over its jobs); finish it when done."""
    with uow:
        run = uow.runs.get(run_id)
        if run is None or run.state is not RunState.RUNNING:
            return run
        jobs = uow.batches.for_run(run_id)
        plan = report.plan
        run = run.with_stage("indexed", done=plan.done, total=plan.total)
        run = run.with_stage("summaries", done=plan.total - len(plan.summary) - plan.waiting_summary, total=plan.total)
        counts = RunCounts(
            needs_summary=len(plan.summary) + plan.waiting_summary,
            needs_embedding=len(plan.embedding) + plan.waiting_embedding,
            needs_removal=len(plan.removal),
            failed=len(plan.failed),
            indexed=plan.done,
            ineligible=plan.ineligible,
            jobs=len(jobs),
            open_jobs=report.open_jobs,
        )
        cost = sum((j.estimated_cost_usd for j in jobs), Decimal(0))
        standard = sum((j.standard_cost_usd for j in jobs), Decimal(0))
        run = run.model_copy(update={"counts": counts, "cost_usd": cost, "standard_cost_usd": standard})
        if report.done:
            run = run.finished(at=clock.now())
        uow.runs.save(run)
        uow.commit()
    return run


def latest_open_run(uow: UnitOfWork) -> PipelineRun | None:
    with uow:
        return next((r for r in uow.runs.recent(limit=50) if r.state is RunState.RUNNING), None)
