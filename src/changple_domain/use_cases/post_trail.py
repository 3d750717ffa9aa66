"""One post's ingestion trail for operators: its recorded hashes and stage attempts, the policy's
verdict and what the pipeline still owes it, its status, and every batch that carried it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from changple_domain.errors import NotFound
from changple_domain.model.posts import PostStatus
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.evaluate_ingestion import verdict_for
from changple_domain.use_cases.pipeline_report import JobProgress


class PostTrail(BaseModel):
    article_id: int
    post: dict[str, Any] | None
    status: PostStatus | None
    batches: list[dict[str, Any]]


def post_trail(article_id: int, *, uow: UnitOfWork, policy: IngestionPolicy) -> PostTrail:
    """Everything recorded about one article id; NotFound when we never saw it."""
    verdict = verdict_for(article_id, uow=uow, policy=policy)
    with uow:
        found = uow.posts.get(article_id)
        status = uow.statuses.get(article_id)
        jobs = uow.batches.for_post(article_id)
    if found is None and status is None:
        raise NotFound(f"no post or status for article id {article_id}")
    post_part = None
    if found is not None and verdict is not None:
        post_part = {
            "title": found.title,
            "content_hash": found.content_hash,
            "summary_hash": found.summary_hash,
            "indexed_hash": found.indexed_hash,
            "indexed_chunks": found.indexed_chunks,
            "summary_stage": found.summary_stage.model_dump(),
            "embedding_stage": found.embedding_stage.model_dump(),
            "eligible": verdict.decision.eligible,
            "reason": verdict.decision.message,
            "need": verdict.need.value,
            "failure": verdict.failure,
        }
    return PostTrail(
        article_id=article_id,
        post=post_part,
        status=status,
        batches=[
            {
                **JobProgress.of(job).model_dump(),
                "content_hash": next((i.content_hash for i in job.items if i.article_id == article_id), None),
            }
            for job in jobs
        ],
    )
