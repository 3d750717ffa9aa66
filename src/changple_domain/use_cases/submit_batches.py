"""Submit summaries and embeddings as provider batch jobs, paying for each post's content once.

Every job is recorded under our own id before the provider is called, and that id is the
provider job's display name. A provider that is down leaves the job CREATED; recovery later asks
the provider for the job by our id and adopts it, or sends it then. So a crash at any point
either finds the provider's job or never made one."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from pydantic import BaseModel

from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchItem, BatchJob, BatchKind, BatchState, new_batch_id
from changple_domain.model.posts import CafePost, Stage
from changple_domain.model.providers import EmbeddingRequest, SummaryRequest
from changple_domain.policies.chunking import chunk_post
from changple_domain.policies.cost import cost_of
from changple_domain.policies.packing import OPENAI_MAX_INPUTS_PER_REQUEST, OPENAI_MAX_TOKENS_PER_REQUEST, pack_lazily
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.retry import backoff_delay, may_retry
from changple_domain.policies.summary_prompt import SYSTEM_INSTRUCTION, render_prompt
from changple_domain.policies.tokens import estimate_tokens, max_tokens
from changple_domain.ports import BatchEmbedder, BatchSummarizer, Clock, IdSource, UnitOfWork

R = TypeVar("R", SummaryRequest, EmbeddingRequest)
Provider = BatchSummarizer | BatchEmbedder


class SubmitReport(BaseModel):
    jobs_submitted: list[str] = []
    jobs_recovered: list[str] = []
    jobs_left_created: list[str] = []
    jobs_failed: list[str] = []
    posts: int = 0
    too_large: list[int] = []


@dataclass(frozen=True)
class Submitter:
    """Everything a submission needs besides the provider: the store, the clock, the settings."""

    uow: UnitOfWork
    clock: Clock
    config: PipelineConfig
    sleep: Callable[[float], None]
    ids: IdSource


def _load_posts(ctx: Submitter, article_ids: Sequence[int]) -> list[CafePost]:
    return list(_iter_posts(ctx, article_ids))


def _iter_posts(ctx: Submitter, article_ids: Sequence[int]) -> Iterator[CafePost]:
    """The posts a page at a time, in the given order, each page in its own short transaction
    (the caller records jobs between pages)."""
    for start in range(0, len(article_ids), ctx.config.page_size):
        page = article_ids[start : start + ctx.config.page_size]
        with ctx.uow:
            found = ctx.uow.posts.get_many(page)
        yield from (found[i] for i in page if i in found)


def _send(ctx: Submitter, job: BatchJob, provider: Provider, requests: Sequence[R], report: SubmitReport) -> None:
    """Call the provider for a recorded job and record what came of it. Before every retry the
    provider is asked whether it has the job after all: an answer lost on the way back (a 5xx or a
    timeout after acceptance) must not become a second, paid job."""
    policy = ctx.config.submit_retry
    failures = 0
    while True:
        try:
            provider_id = provider.submit(job, requests)  # type: ignore[arg-type]
            break
        except ProviderRejected as exc:
            adopted = _safe_find(provider, job)
            if adopted is None:
                _record(ctx, job.advance(BatchState.FAILED, at=ctx.clock.now(), error=f"rejected: {exc.detail}"))
                report.jobs_failed.append(job.id)
                return
            provider_id = adopted
            break
        except ProviderUnavailable as exc:
            adopted = _safe_find(provider, job)
            if adopted is not None:
                provider_id = adopted
                break
            failures += 1
            if not may_retry(failures, policy.max_attempts):
                _record(ctx, job.advance(BatchState.CREATED, at=ctx.clock.now(), error=f"not sent yet: {exc.detail}"))
                report.jobs_left_created.append(job.id)
                return
            ctx.sleep(backoff_delay(failures - 1, policy))
    _record(ctx, job.advance(BatchState.SUBMITTED, at=ctx.clock.now(), provider_job_id=provider_id, error=None))
    report.jobs_submitted.append(job.id)


def _safe_find(provider: Provider, job: BatchJob) -> str | None:
    try:
        return provider.find(job)
    except (ProviderUnavailable, ProviderRejected):
        return None


def _record(ctx: Submitter, job: BatchJob) -> None:
    with ctx.uow:
        ctx.uow.batches.save(job)
        ctx.uow.commit()


def _new_job(
    ctx: Submitter,
    kind: BatchKind,
    provider: Provider,
    run_id: str | None,
    items: list[BatchItem],
    input_tokens: int,
    output_tokens: int,
) -> BatchJob:
    now = ctx.clock.now()
    cost = cost_of(provider.model, input_tokens=input_tokens, output_tokens=output_tokens, prices=ctx.config.prices)
    job = BatchJob(
        id=new_batch_id(kind, ctx.ids.new_id),
        kind=kind,
        provider=provider.provider,
        model=provider.model,
        run_id=run_id,
        items=tuple(items),
        request_count=len(items),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        estimated_cost_usd=cost.batch_usd,
        standard_cost_usd=cost.standard_usd,
        created_at=now,
        updated_at=now,
    )
    with ctx.uow:
        ctx.uow.batches.add(job)
        ctx.uow.commit()
    return job


def _fail_for_good(ctx: Submitter, article_ids: Sequence[int], stage: Stage, reason: str) -> None:
    """A post no batch can carry will not fit next time either: record it failed at once."""
    if not article_ids:
        return
    with ctx.uow:
        posts = ctx.uow.posts.get_many(article_ids)
        ctx.uow.posts.upsert_many(
            [p.with_failure(stage, reason, give_up_after=ctx.config.max_attempts) for p in posts.values()]
        )
        ctx.uow.commit()


def recover_created(
    ctx: Submitter,
    kind: BatchKind,
    provider: Provider,
    request_of: Callable[[CafePost], R],
    report: SubmitReport,
) -> None:
    """Jobs left CREATED (a crash, or the provider was down): adopt the provider's job if it has
    one under our id, else send it now with the same items (their requests made again from the
    posts, `request_of`; a post gone since is left out)."""
    cutoff = ctx.clock.now() - timedelta(seconds=ctx.config.recover_after_seconds)
    with ctx.uow:
        stale = [
            j for j in ctx.uow.batches.in_states([BatchState.CREATED]) if j.kind is kind and j.created_at <= cutoff
        ]
    for job in stale:
        found = _safe_find(provider, job)
        if found is not None:
            _record(ctx, job.advance(BatchState.SUBMITTED, at=ctx.clock.now(), provider_job_id=found, error=None))
            report.jobs_recovered.append(job.id)
        else:
            by_id = {p.article_id: p for p in _load_posts(ctx, [i.article_id for i in job.items])}
            requests = [request_of(by_id[i.article_id]) for i in job.items if i.article_id in by_id]
            _send(ctx, job, provider, requests, report)


# --- summaries ---------------------------------------------------------------------------------


def summary_request(post: CafePost) -> SummaryRequest:
    return SummaryRequest(
        article_id=post.article_id,
        content_hash=post.content_hash,
        title=post.title,
        board=post.board,
        content=post.content,
    )


def _summary_size(request: SummaryRequest) -> int:
    return len(json.dumps(request.model_dump(), ensure_ascii=False).encode()) + len(SYSTEM_INSTRUCTION.encode()) + 512


def submit_summaries(
    article_ids: Sequence[int], *, ctx: Submitter, summarizer: BatchSummarizer, run_id: str | None = None
) -> SubmitReport:
    """Recover leftover jobs, then pack these posts' summary requests into provider batches."""
    report = SubmitReport()
    recover_created(ctx, BatchKind.SUMMARIZE, summarizer, summary_request, report)
    requests = (summary_request(p) for p in _iter_posts(ctx, article_ids[: ctx.config.max_posts_per_submit]))
    too_large: list[SummaryRequest] = []
    for batch in pack_lazily(requests, ctx.config.summary_batch, size_of=_summary_size, too_large=too_large.append):
        items = [BatchItem(article_id=r.article_id, content_hash=r.content_hash) for r in batch]
        tokens_in = sum(estimate_tokens(SYSTEM_INSTRUCTION + render_prompt(r)) for r in batch)
        tokens_out = ctx.config.expected_summary_output_tokens * len(batch)
        job = _new_job(ctx, BatchKind.SUMMARIZE, summarizer, run_id, items, tokens_in, tokens_out)
        _send(ctx, job, summarizer, batch, report)
        report.posts += len(batch)
    report.too_large = [r.article_id for r in too_large]
    _fail_for_good(ctx, report.too_large, "summary", "the post is too large for a summary batch")
    return report


# --- embeddings --------------------------------------------------------------------------------


def embedding_request(post: CafePost, ctx: Submitter) -> EmbeddingRequest:
    chunks = tuple(chunk_post(post, ctx.config.chunking))
    return EmbeddingRequest(
        article_id=post.article_id,
        content_hash=post.content_hash,
        chunks=chunks,
        estimated_tokens=sum(estimate_tokens(c) for c in chunks),
    )


def _fits_one_request(request: EmbeddingRequest) -> bool:
    return (
        len(request.chunks) <= OPENAI_MAX_INPUTS_PER_REQUEST
        and sum(max_tokens(c) for c in request.chunks) <= OPENAI_MAX_TOKENS_PER_REQUEST
    )


def _embedding_size(request: EmbeddingRequest) -> int:
    return sum(len(c.encode()) + 8 for c in request.chunks) + 256


def submit_embeddings(
    article_ids: Sequence[int], *, ctx: Submitter, embedder: BatchEmbedder, run_id: str | None = None
) -> SubmitReport:
    """Recover leftover jobs, then chunk these posts' documents and pack them, one request per post."""
    report = SubmitReport()
    recover_created(ctx, BatchKind.EMBED, embedder, lambda post: embedding_request(post, ctx), report)
    too_large: list[EmbeddingRequest] = []

    def fitting() -> Iterator[EmbeddingRequest]:
        for post in _iter_posts(ctx, article_ids[: ctx.config.max_posts_per_submit]):
            request = embedding_request(post, ctx)
            if _fits_one_request(request):
                yield request
            else:
                too_large.append(request)

    batches = pack_lazily(
        fitting(),
        ctx.config.embedding_batch,
        size_of=_embedding_size,
        inputs_of=lambda r: len(r.chunks),
        too_large=too_large.append,
    )
    for batch in batches:
        items = [
            BatchItem(article_id=r.article_id, content_hash=r.content_hash, chunk_count=len(r.chunks)) for r in batch
        ]
        job = _new_job(ctx, BatchKind.EMBED, embedder, run_id, items, sum(r.estimated_tokens for r in batch), 0)
        _send(ctx, job, embedder, batch, report)
        report.posts += len(batch)
    report.too_large = [r.article_id for r in too_large]
    _fail_for_good(ctx, report.too_large, "embedding", "the post is too long for one embedding request")
    return report
