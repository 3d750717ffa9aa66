"""Evaluate the ingestion policies over every stored post: what would be indexed, and why not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from changple_domain.model.posts import PostNeed, PostStatus, PostStatusKind
from changple_domain.policies.change_detection import normalize_text
from changple_domain.policies.eligibility import (
    Decision,
    IngestionPolicy,
    Reason,
    authors_by_name,
    evaluate_eligibility,
)
from changple_domain.ports import UnitOfWork


class EvaluateIngestion(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: IngestionPolicy
    page_size: int = 500


class PostVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    article_id: int
    title: str
    author: str
    board: str
    content_length: int
    decision: Decision
    need: PostNeed


class IngestionEvaluation(BaseModel):
    verdicts: list[PostVerdict]

    @property
    def eligible(self) -> list[PostVerdict]:
        return [v for v in self.verdicts if v.decision.eligible]

    def counts_by_reason(self) -> dict[Reason, int]:
        return dict(Counter(v.decision.reason for v in self.verdicts))


def iter_verdicts(cmd: EvaluateIngestion, *, uow: UnitOfWork) -> Iterator[PostVerdict]:
    """Verdicts for all stored posts in article-id order, a page at a time. A post whose content
    equals an earlier article's (same hash) is a duplicate; the lowest article id is the original."""
    with uow:
        authors = authors_by_name(uow.authors.list())
        after = 0
        while True:
            page = uow.posts.page(after_id=after, limit=cmd.page_size)
            if not page:
                return
            after = page[-1].article_id
            statuses = uow.statuses.get_many(p.article_id for p in page)
            originals = uow.posts.first_ids_by_hash({p.content_hash for p in page})
            for post in page:
                status = statuses.get(post.article_id)
                decision = evaluate_eligibility(
                    post,
                    status=status.kind if status else PostStatusKind.SAVED,
                    authors=authors,
                    policy=cmd.policy,
                    duplicate_of=originals.get(post.content_hash),
                )
                yield PostVerdict(
                    article_id=post.article_id,
                    title=post.title,
                    author=post.author,
                    board=post.board,
                    content_length=len(normalize_text(post.content)),
                    decision=decision,
                    need=post.needs(eligible=decision.eligible, max_attempts=cmd.policy.max_attempts),
                )


def evaluate_ingestion(cmd: EvaluateIngestion, *, uow: UnitOfWork) -> IngestionEvaluation:
    """Every stored post with its eligibility decision and what the pipeline still owes it."""
    return IngestionEvaluation(verdicts=list(iter_verdicts(cmd, uow=uow)))


def iter_unstored(*, uow: UnitOfWork, page_size: int = 500) -> Iterator[PostStatus]:
    """Article ids we looked at but hold no post for (deleted, members-only, skipped, failed),
    with their recorded reason, so a report can account for every id, not only stored posts."""
    with uow:
        for kind in (PostStatusKind.DELETED, PostStatusKind.MEMBERS_ONLY, PostStatusKind.SKIPPED,
                     PostStatusKind.ERROR):
            after = 0
            while page := uow.statuses.with_kind(kind, after_id=after, limit=page_size):
                after = page[-1].article_id
                stored = uow.posts.get_many(s.article_id for s in page)
                yield from (s for s in page if s.article_id not in stored)
