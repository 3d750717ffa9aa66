"""Plan: from recorded hashes, what every post still needs. Posts already carried by an open or
not-yet-applied batch for their current content are waiting, never sent twice."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model.batches import BatchJob, BatchKind, BatchState
from changple_domain.model.posts import PostNeed
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.evaluate_ingestion import EvaluateIngestion, iter_verdicts, iter_verdicts_of

UNFINISHED_STATES = tuple(s for s in BatchState if s is not BatchState.APPLIED)


class FailedPost(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: int
    reason: str


class WorkPlan(BaseModel):
    """Article ids per need, in article-id order."""

    summary: list[int] = Field(default_factory=list)
    embedding: list[int] = Field(default_factory=list)
    removal: list[int] = Field(default_factory=list)
    failed: list[FailedPost] = Field(default_factory=list)
    waiting_summary: int = 0
    waiting_embedding: int = 0
    done: int = 0
    ineligible: int = 0

    @property
    def total(self) -> int:
        """Every eligible post the pipeline is carrying to the index: indexed, or on its way."""
        return self.done + len(self.summary) + len(self.embedding) + self.waiting_summary + self.waiting_embedding

    @property
    def has_work(self) -> bool:
        return bool(self.summary or self.embedding or self.removal)

    @property
    def in_flight(self) -> bool:
        return bool(self.waiting_summary or self.waiting_embedding)


def in_flight(jobs: Iterable[BatchJob], kind: BatchKind) -> set[tuple[int, str]]:
    """(article id, content hash) pairs that unfinished jobs of `kind` carry."""
    return {(item.article_id, item.content_hash) for job in jobs if job.kind is kind for item in job.items}


def plan_work(
    *, uow: UnitOfWork, policy: IngestionPolicy, page_size: int = 1000, only: Collection[int] | None = None
) -> WorkPlan:
    """Walk every stored post once and sort it by what it needs; with `only`, just the stored posts
    it names (the same plan as the whole one, restricted to them)."""
    with uow:
        unfinished = uow.batches.in_states(UNFINISHED_STATES, limit=100_000)
    summarizing = in_flight(unfinished, BatchKind.SUMMARIZE)
    embedding = in_flight(unfinished, BatchKind.EMBED)
    plan = WorkPlan()
    verdicts = (
        iter_verdicts(EvaluateIngestion(policy=policy, page_size=page_size), uow=uow)
        if only is None
        else iter_verdicts_of(only, uow=uow, policy=policy, page_size=page_size)
    )
    for verdict in verdicts:
        need, article_id = verdict.need, verdict.article_id
        key = (article_id, verdict.content_hash)
        if need is PostNeed.SUMMARY:
            if key in summarizing:
                plan.waiting_summary += 1
            else:
                plan.summary.append(article_id)
        elif need is PostNeed.EMBEDDING:
            if key in embedding:
                plan.waiting_embedding += 1
            else:
                plan.embedding.append(article_id)
        elif need is PostNeed.REMOVAL:
            plan.removal.append(article_id)
        elif need is PostNeed.FAILED:
            plan.failed.append(FailedPost(article_id=article_id, reason=verdict.failure or "failed"))
        elif verdict.decision.eligible:
            plan.done += 1
        else:
            plan.ineligible += 1
    return plan


def planning_stamp(*, uow: UnitOfWork, policy: IngestionPolicy) -> str:
    """A digest of everything `plan_work` reads: the policy, every post's planning facts (with its
    status), the authors, and the unfinished jobs. Equal stamps give equal plans, so a tick that
    polled no change and finds the stamp of its last plan has nothing new to plan."""
    digest = hashlib.sha256(policy.model_dump_json().encode())
    with uow:
        digest.update(uow.posts.planning_digest().encode())
        for author in sorted(uow.authors.list(), key=lambda entry: entry.name):
            digest.update(author.model_dump_json().encode())
        unfinished = uow.batches.in_states(UNFINISHED_STATES, limit=100_000)
    for job in sorted(unfinished, key=lambda job: job.id):
        digest.update(f"{job.id}\x1f{job.state.value}\x1f{len(job.items)}".encode())
    return digest.hexdigest()
