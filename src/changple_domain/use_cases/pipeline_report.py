"""What the operator sees: an estimate of the next run (a dry run that calls no provider), and
the status of the pipeline (posts by stage, open jobs with progress, recent runs, cost)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from pydantic import BaseModel

from changple_domain.model.batches import BatchJob
from changple_domain.model.runs import PipelineRun
from changple_domain.model.scans import ScanRun
from changple_domain.policies.chunking import chunk_post
from changple_domain.policies.cost import Cost, cost_of
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.summary_prompt import SYSTEM_INSTRUCTION, render_prompt
from changple_domain.policies.tokens import estimate_tokens
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.plan import UNFINISHED_STATES, WorkPlan, plan_work
from changple_domain.use_cases.submit_batches import summary_request


class StageEstimate(BaseModel):
    posts: int = 0
    requests: int = 0
    inputs: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    batch_cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)


class RunEstimate(BaseModel):
    summaries: StageEstimate
    embeddings: StageEstimate
    removals: int
    total_batch_cost_usd: Decimal
    total_standard_cost_usd: Decimal


def estimate_run(
    *,
    uow: UnitOfWork,
    policy: IngestionPolicy,
    config: PipelineConfig,
    summary_model: str,
    embedding_model: str,
    only: Collection[int] | None = None,
) -> RunEstimate:
    """What a run would send and cost now, without calling any provider. Posts still needing a
    summary are counted for embedding too, with the summary's expected size in place of it. With
    `only`, what it would send and cost for those posts alone (the legacy import's posts just
    carried): the whole estimate restricted to them, at a cost proportional to them."""
    plan = plan_work(uow=uow, policy=policy, page_size=config.page_size, only=only)
    summaries, embeddings = StageEstimate(), StageEstimate()
    summary_placeholder = "요약 " * (config.expected_summary_output_tokens // 2)
    for ids, needs_summary in ((plan.summary, True), (plan.embedding, False)):
        for start in range(0, len(ids), config.page_size):
            with uow:
                posts = uow.posts.get_many(ids[start : start + config.page_size])
            for post in posts.values():
                if needs_summary:
                    summaries.posts += 1
                    summaries.requests += 1
                    summaries.input_tokens += estimate_tokens(SYSTEM_INSTRUCTION + render_prompt(summary_request(post)))
                    summaries.output_tokens += config.expected_summary_output_tokens
                    post = post.model_copy(update={"summary": summary_placeholder})
                chunks = chunk_post(post, config.chunking)
                embeddings.posts += 1
                embeddings.requests += 1
                embeddings.inputs += len(chunks)
                embeddings.input_tokens += sum(estimate_tokens(c) for c in chunks)
    for stage, model in ((summaries, summary_model), (embeddings, embedding_model)):
        cost = cost_of(model, input_tokens=stage.input_tokens, output_tokens=stage.output_tokens, prices=config.prices)
        stage.batch_cost_usd, stage.standard_cost_usd = cost.batch_usd, cost.standard_usd
    return RunEstimate(
        summaries=summaries,
        embeddings=embeddings,
        removals=len(plan.removal),
        total_batch_cost_usd=summaries.batch_cost_usd + embeddings.batch_cost_usd,
        total_standard_cost_usd=summaries.standard_cost_usd + embeddings.standard_cost_usd,
    )


class JobProgress(BaseModel):
    id: str
    kind: str
    provider: str
    state: str
    requests: int
    completed: int
    failed: int
    created_at: str
    error: str | None

    @classmethod
    def of(cls, job: BatchJob) -> JobProgress:
        return cls(
            id=job.id,
            kind=job.kind.value,
            provider=job.provider,
            state=job.state.value,
            requests=job.request_count,
            completed=job.completed_requests,
            failed=job.failed_requests,
            created_at=job.created_at.isoformat(),
            error=job.error,
        )


class PipelineStatus(BaseModel):
    posts_by_stage: dict[str, int]
    failed_posts: list[dict[str, object]]
    open_jobs: list[JobProgress]
    recent_runs: list[PipelineRun]
    recent_scans: list[ScanRun] = []
    cost: Cost


def pipeline_status(
    *, uow: UnitOfWork, policy: IngestionPolicy, config: PipelineConfig, failed_limit: int = 50
) -> PipelineStatus:
    plan: WorkPlan = plan_work(uow=uow, policy=policy, page_size=config.page_size)
    with uow:
        open_jobs = uow.batches.in_states(UNFINISHED_STATES)
        runs = uow.runs.recent(limit=10)
        scans = uow.scans.recent(limit=10)
        statuses = {k.value: v for k, v in uow.statuses.counts().items()}
    by_stage = {
        "indexed": plan.done,
        "needs_summary": len(plan.summary),
        "summarizing": plan.waiting_summary,
        "needs_embedding": len(plan.embedding),
        "embedding": plan.waiting_embedding,
        "needs_removal": len(plan.removal),
        "failed": len(plan.failed),
        "not_eligible": plan.ineligible,
        **{f"status_{k}": v for k, v in statuses.items()},
    }
    cost = Cost()
    for run in runs:
        cost = cost + Cost(batch_usd=run.cost_usd, standard_usd=run.standard_cost_usd)
    return PipelineStatus(
        posts_by_stage=by_stage,
        failed_posts=[f.model_dump() for f in plan.failed[:failed_limit]],
        open_jobs=[JobProgress.of(j) for j in open_jobs],
        recent_runs=runs,
        recent_scans=scans,
        cost=cost,
    )
