"""Apply finished batch jobs, exactly once each.

Summaries: a result counts only if the post still has the content the job was sent with; stale
results are discarded, errors count as failed attempts, and posts a failed, expired or cancelled
job did not finish go back to the pool with an attempt counted.

Embeddings: vectors are written under deterministic ids, then the post's leftover chunks are
deleted, and only then is the indexed hash recorded. Before writing, the post's chunk high-water
mark is raised, so a crash between the two steps can never leave chunks nobody knows about."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from pydantic import BaseModel

from changple_domain.errors import NotFound, ProviderRejected, ProviderUnavailable
from changple_domain.model.batches import BatchJob, BatchKind, BatchState
from changple_domain.model.posts import CafePost
from changple_domain.model.providers import (
    EmbeddingResult,
    MetadataValue,
    SummaryResult,
    VectorRecord,
    usable_vector,
)
from changple_domain.policies.chunking import chunk_post
from changple_domain.policies.cost import cost_of
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.ports import BatchEmbedder, BatchSummarizer, Clock, UnitOfWork, VectorIndex
from changple_domain.use_cases.pipeline_ports import PipelinePorts


class ApplyReport(BaseModel):
    job_id: str
    kind: BatchKind
    applied: int = 0
    failed: int = 0
    stale: int = 0
    returned: int = 0
    already_applied: bool = False


def vector_id(article_id: int, chunk: int) -> str:
    return f"post-{article_id}#{chunk}"


def _results(
    job: BatchJob, fetch: Callable[[str], Iterable[SummaryResult | EmbeddingResult]]
) -> list[SummaryResult | EmbeddingResult]:
    return list(_stream_results(job, fetch))


def _start_apply(uow: UnitOfWork, job_id: str, kind: BatchKind) -> tuple[BatchJob, ApplyReport]:
    """The job to apply and an empty report; `already_applied` is set when there is nothing to do."""
    with uow:
        job = uow.batches.get(job_id)
    if job is None:
        raise NotFound(f"no batch job '{job_id}'")
    report = ApplyReport(job_id=job.id, kind=job.kind, already_applied=job.state is BatchState.APPLIED)
    if not report.already_applied and (not job.state.awaits_apply or job.kind is not kind):
        raise NotFound(f"batch job '{job.id}' is {job.state.value}, not a finished {kind.value} job")
    return job, report


def _outcome_for_missing(job: BatchJob) -> str:
    return f"batch {job.id} ended {job.state.value}" + (f": {job.error}" if job.error else " without this post")


def apply_summary_job(
    job_id: str, *, uow: UnitOfWork, clock: Clock, summarizer: BatchSummarizer, config: PipelineConfig
) -> ApplyReport:
    job, report = _start_apply(uow, job_id, BatchKind.SUMMARIZE)
    if report.already_applied:
        return report
    results = _results(job, summarizer.results)
    by_post = {r.article_id: r for r in results if isinstance(r, SummaryResult)}
    tokens_in = sum(r.input_tokens for r in by_post.values())
    tokens_out = sum(r.output_tokens for r in by_post.values())
    with uow:
        posts = uow.posts.get_many(item.article_id for item in job.items)
        updated: list[CafePost] = []
        for item in job.items:
            post = posts.get(item.article_id)
            if post is None or post.content_hash != item.content_hash:
                report.stale += 1
                continue
            result = by_post.get(item.article_id)
            if result is None:
                updated.append(post.with_attempt("summary", error=_outcome_for_missing(job)))
                report.returned += 1
            elif result.error or result.summary is None or result.content_hash != post.content_hash:
                updated.append(post.with_attempt("summary", error=result.error or "no summary in the result"))
                report.failed += 1
            else:
                updated.append(
                    post.with_summary(
                        summary=result.summary,
                        keywords=result.keywords,
                        possible_questions=result.possible_questions,
                        made_from=result.content_hash,
                    )
                )
                report.applied += 1
        uow.posts.upsert_many(updated)
        uow.batches.save(_applied(job, clock, tokens_in, tokens_out, config))
        uow.commit()
    return report


def _applied(job: BatchJob, clock: Clock, tokens_in: int, tokens_out: int, config: PipelineConfig) -> BatchJob:
    """Mark applied, replacing estimates with the provider's usage where it reported any."""
    changes: dict[str, object] = {}
    if tokens_in or tokens_out:
        cost = cost_of(job.model, input_tokens=tokens_in, output_tokens=tokens_out, prices=config.prices)
        changes = {
            "input_tokens": tokens_in,
            "output_tokens": tokens_out,
            "estimated_cost_usd": cost.batch_usd,
            "standard_cost_usd": cost.standard_usd,
        }
    elif job.state is not BatchState.SUCCEEDED:
        changes = {"estimated_cost_usd": 0, "standard_cost_usd": 0}  # nothing came back, nothing billed
    return job.advance(BatchState.APPLIED, at=clock.now(), **changes)


def vector_metadata(post: CafePost, chunk: int, text: str) -> dict[str, MetadataValue]:
    return {
        "post_id": post.article_id,
        "title": post.title,
        "board": post.board,
        "author": post.author,
        "published_at": post.published_at.isoformat(),
        "url": post.url,
        "summary_lead": post.summary_lead or "",  # a citation renders from the match alone
        "keywords": list(post.keywords),
        "brands": list(post.brand_mentions),
        "chunk": chunk,
        "content_hash": post.content_hash,
        "text": text,
    }


def apply_embedding_job(
    job_id: str, *, uow: UnitOfWork, clock: Clock, embedder: BatchEmbedder, index: VectorIndex, config: PipelineConfig
) -> ApplyReport:
    """Index a finished embedding job a page of posts at a time, so memory stays flat however big
    the job. A crash part-way leaves the finished pages indexed; applying again skips them."""
    job, report = _start_apply(uow, job_id, BatchKind.EMBED)
    if report.already_applied:
        return report
    wanted = {item.article_id: item.content_hash for item in job.items}
    seen: set[int] = set()
    tokens = 0
    page: list[EmbeddingResult] = []
    for result in _stream_results(job, embedder.results):
        if not isinstance(result, EmbeddingResult) or wanted.get(result.article_id) != result.content_hash:
            continue
        seen.add(result.article_id)
        tokens += result.tokens
        page.append(result)
        if len(page) >= config.page_size:
            _index_page(page, uow=uow, index=index, config=config, report=report)
            page = []
    if page:
        _index_page(page, uow=uow, index=index, config=config, report=report)
    with uow:
        unseen = [article_id for article_id in wanted if article_id not in seen]  # usually none
        current = uow.posts.get_many(unseen)
        missing = [
            post.with_attempt("embedding", error=_outcome_for_missing(job))
            for article_id, post in current.items()
            if post.content_hash == wanted[article_id] and post.indexed_hash != post.content_hash
        ]
        report.returned += len(missing)
        report.stale += len(unseen) - len(current)
        uow.posts.upsert_many(missing)
        uow.batches.save(_applied(job, clock, tokens, 0, config))
        uow.commit()
    return report


def _stream_results(
    job: BatchJob, fetch: Callable[[str], Iterable[SummaryResult | EmbeddingResult]]
) -> Iterator[SummaryResult | EmbeddingResult]:
    """A failed job has no output; an expired or cancelled one may have some (take what is there).
    Lazy, so a big job's vectors are never all in memory at once."""
    if job.state is BatchState.FAILED or job.provider_job_id is None:
        return
    try:
        yield from fetch(job.provider_job_id)
    except ProviderRejected:
        if job.state is BatchState.SUCCEEDED:
            raise


def _index_page(
    page: Sequence[EmbeddingResult], *, uow: UnitOfWork, index: VectorIndex, config: PipelineConfig, report: ApplyReport
) -> None:
    with uow:
        posts = uow.posts.get_many(r.article_id for r in page)
    ready: list[tuple[CafePost, list[VectorRecord]]] = []
    failures: dict[int, str] = {}
    for result in page:
        post = posts.get(result.article_id)
        if post is None or post.content_hash != result.content_hash or post.summary_hash != post.content_hash:
            report.stale += 1
            continue
        if post.indexed_hash == post.content_hash:
            report.applied += 1  # indexed by an earlier, interrupted apply of this same job
            continue
        chunks = chunk_post(post, config.chunking)
        if result.error or result.vectors is None or len(result.vectors) != len(chunks):
            failures[post.article_id] = (
                result.error or f"expected {len(chunks)} vectors, got {len(result.vectors or ())}"
            )
            report.failed += 1
            continue
        if not all(usable_vector(vector) for vector in result.vectors):
            failures[post.article_id] = "the provider sent a vector that is empty, all zeros or not finite"
            report.failed += 1
            continue
        records = [
            VectorRecord(id=vector_id(post.article_id, i), values=vector, metadata=vector_metadata(post, i, chunks[i]))
            for i, vector in enumerate(result.vectors)
        ]
        ready.append((post, records))

    with uow:  # before any vector is written: a crash after this leaves no chunk unknown
        uow.posts.raise_chunk_marks({post.article_id: len(records) for post, records in ready})
        uow.commit()
    index.upsert([record for _, records in ready for record in records])
    stale_ids = [
        vector_id(p.article_id, i)
        for p, records in ready
        for i in range(len(records), max(p.indexed_chunks, len(records)))
    ]
    if stale_ids:
        index.delete(stale_ids)
    with uow:
        # Recorded only where the content is still what was embedded: an edit that landed meanwhile
        # must not be undone (the store checks the hash in the same write).
        indexed = [p.with_index(indexed_hash=p.content_hash, chunks=len(records)) for p, records in ready]
        report.applied += uow.posts.record_index_states(indexed)
        if failures:
            current = uow.posts.get_many(failures)
            uow.posts.upsert_many(
                [
                    c.with_attempt("embedding", error=failures[i])
                    for i, c in current.items()
                    if c.content_hash == posts[i].content_hash
                ]
            )
        uow.commit()


def remove_from_index(article_ids: Sequence[int], *, uow: UnitOfWork, index: VectorIndex) -> int:
    """Delete the vectors of posts that left eligibility (deleted, disallowed author, ...), then
    record that nothing of them is indexed. Returns how many posts were removed."""
    with uow:
        posts = [p for p in uow.posts.get_many(article_ids).values() if p.indexed_chunks or p.indexed_hash]
    ids = [vector_id(p.article_id, i) for p in posts for i in range(max(p.indexed_chunks, 1))]
    if ids:
        index.delete(ids)
    with uow:
        current = uow.posts.get_many(p.article_id for p in posts)
        uow.posts.upsert_many([c.with_index(indexed_hash=None, chunks=0) for c in current.values()])
        uow.commit()
    return len(posts)


def apply_job(job: BatchJob, ports: PipelinePorts) -> ApplyReport:
    """Apply one finished job by the kind recorded on it (a second apply changes nothing)."""
    uow, clock, config = ports.uow, ports.clock, ports.config
    if job.kind is BatchKind.SUMMARIZE:
        return apply_summary_job(job.id, uow=uow, clock=clock, summarizer=ports.summarizer, config=config)
    return apply_embedding_job(job.id, uow=uow, clock=clock, embedder=ports.embedder, index=ports.index, config=config)


def apply_finished(ports: PipelinePorts) -> list[ApplyReport]:
    """Apply every job the provider has finished with; one failing job does not stop the others."""
    with ports.uow:
        finished = ports.uow.batches.in_states([s for s in BatchState if s.awaits_apply])
    reports: list[ApplyReport] = []
    for job in finished:
        try:
            reports.append(apply_job(job, ports))
        except ProviderUnavailable:
            continue  # the next tick tries again; nothing was recorded for this job
    return reports


def apply_job_by_id(job_id: str, *, ports: PipelinePorts) -> ApplyReport | None:
    """Apply the finished job `job_id` (a second apply changes nothing); None when no such job."""
    with ports.uow:
        job = ports.uow.batches.get(job_id)
    if job is None:
        return None
    return apply_job(job, ports)
