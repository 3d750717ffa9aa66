"""Evaluate the ingestion policies over every stored post: what would be indexed, and why not."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from changple_domain.model.authors import AllowedAuthor
from changple_domain.model.posts import CafePost, PostNeed, PostStatus, PostStatusKind
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
    content_hash: str
    decision: Decision
    need: PostNeed
    failure: str | None = None  # the last error of the stage that gave up, when need is FAILED


class IngestionEvaluation(BaseModel):
    verdicts: list[PostVerdict]

    @property
    def eligible(self) -> list[PostVerdict]:
        return [v for v in self.verdicts if v.decision.eligible]

    def counts_by_reason(self) -> dict[Reason, int]:
        return dict(Counter(v.decision.reason for v in self.verdicts))


def iter_verdicts(cmd: EvaluateIngestion, *, uow: UnitOfWork) -> Iterator[PostVerdict]:
    """Verdicts for all stored posts in article-id order, a page at a time. Posts with the same
    content hash are duplicates of one original: the lowest article id that passes every other
    rule. So a deleted original does not keep its repost out, and a repost by a disallowed
    author does not keep the allowed original out."""
    with uow:
        authors = authors_by_name(uow.authors.list())
        duplicates = Duplicates(groups=uow.posts.shared_hashes())
        after = 0
        while page := uow.posts.page(after_id=after, limit=cmd.page_size):
            statuses = uow.statuses.kinds_between(after, page[-1].article_id)
            after = page[-1].article_id
            yield from _judge(page, statuses, authors=authors, duplicates=duplicates, policy=cmd.policy, uow=uow)


def iter_verdicts_of(
    article_ids: Iterable[int], *, uow: UnitOfWork, policy: IngestionPolicy, page_size: int = 500
) -> Iterator[PostVerdict]:
    """Verdicts for the stored posts among `article_ids` in article-id order, a page at a time, by the
    same rules and the same duplicate groups as `iter_verdicts`: what it yields for them, and
    nothing else. Two reads a page (the posts, their statuses) and one for the duplicate groups."""
    ids = sorted(set(article_ids))
    if not ids:
        return
    with uow:
        authors = authors_by_name(uow.authors.list())
        duplicates = Duplicates(groups=uow.posts.shared_hashes())
        for start in range(0, len(ids), page_size):
            chunk = ids[start : start + page_size]
            page = sorted(uow.posts.get_many(chunk).values(), key=lambda p: p.article_id)
            statuses = {i: s.kind for i, s in uow.statuses.get_many(chunk).items()}
            yield from _judge(page, statuses, authors=authors, duplicates=duplicates, policy=policy, uow=uow)


def verdict_for(article_id: int, *, uow: UnitOfWork, policy: IngestionPolicy) -> PostVerdict | None:
    """The verdict on one stored post, by the same rules as `iter_verdicts` (None if not stored)."""
    with uow:
        post = uow.posts.get(article_id)
        return None if post is None else judge_posts([post], uow=uow, policy=policy)[article_id]


def judge_posts(posts: Iterable[CafePost], *, uow: UnitOfWork, policy: IngestionPolicy) -> dict[int, PostVerdict]:
    """Verdicts on these stored posts by the same rules as `iter_verdicts`, duplicates included,
    inside a unit of work the caller holds open (a few reads, whatever the number of posts)."""
    page = sorted(posts, key=lambda p: p.article_id)
    if not page:
        return {}
    authors = authors_by_name(uow.authors.list())
    holders = uow.posts.ids_by_hash({p.content_hash for p in page})
    duplicates = Duplicates(groups={h: ids for h, ids in holders.items() if len(ids) > 1})
    statuses = {i: s.kind for i, s in uow.statuses.get_many([p.article_id for p in page]).items()}
    judged = _judge(page, statuses, authors=authors, duplicates=duplicates, policy=policy, uow=uow)
    return {v.article_id: v for v in judged}


@dataclass
class Duplicates:
    """The posts sharing a content hash (`groups`), and which of them is the original, once decided."""

    groups: dict[str, list[int]]
    originals: dict[str, int | None] = field(default_factory=dict)


def _judge(
    page: list[CafePost],
    statuses: dict[int, PostStatusKind],
    *,
    authors: Mapping[str, AllowedAuthor],
    duplicates: Duplicates,
    policy: IngestionPolicy,
    uow: UnitOfWork,
) -> Iterator[PostVerdict]:
    """Verdicts for one page of posts, inside an open unit of work."""
    originals = duplicates.originals
    _find_originals(page, statuses, duplicates, authors=authors, policy=policy, uow=uow)
    for post in page:
        content_length = len(normalize_text(post.content))
        decision = evaluate_eligibility(
            post,
            status=statuses.get(post.article_id, PostStatusKind.SAVED),
            authors=authors,
            policy=policy,
            duplicate_of=originals.get(post.content_hash),
            content_length=content_length,
        )
        need = post.needs(eligible=decision.eligible, max_attempts=policy.max_attempts)
        yield PostVerdict(
            article_id=post.article_id,
            title=post.title,
            author=post.author,
            board=post.board,
            content_length=content_length,
            content_hash=post.content_hash,
            decision=decision,
            need=need,
            failure=post.failure_reason() if need is PostNeed.FAILED else None,
        )


def _find_originals(
    page: list[CafePost],
    statuses: dict[int, PostStatusKind],
    duplicates: Duplicates,
    *,
    authors: Mapping[str, AllowedAuthor],
    policy: IngestionPolicy,
    uow: UnitOfWork,
) -> None:
    """Decide the original for the page's hashes that more than one post shares (rare: the other
    holders are looked at only when there are duplicates)."""
    originals = duplicates.originals
    unseen = {p.content_hash for p in page} - originals.keys()
    groups = {h: duplicates.groups[h] for h in unseen if h in duplicates.groups}
    if not groups:
        return
    holder_ids = {i for ids in groups.values() for i in ids}
    holders = {p.article_id: p for p in page if p.article_id in holder_ids}
    holders.update(uow.posts.get_many(holder_ids - holders.keys()))
    kinds = dict(statuses)
    kinds.update({i: s.kind for i, s in uow.statuses.get_many(holder_ids - kinds.keys()).items()})
    for content_hash, ids in groups.items():
        originals[content_hash] = next(
            (
                i
                for i in ids
                if evaluate_eligibility(
                    holders[i], status=kinds.get(i, PostStatusKind.SAVED), authors=authors, policy=policy
                ).eligible
            ),
            None,
        )


def evaluate_ingestion(cmd: EvaluateIngestion, *, uow: UnitOfWork) -> IngestionEvaluation:
    """Every stored post with its eligibility decision and what the pipeline still owes it."""
    return IngestionEvaluation(verdicts=list(iter_verdicts(cmd, uow=uow)))


def iter_unstored(*, uow: UnitOfWork, page_size: int = 500) -> Iterator[PostStatus]:
    """Article ids we looked at but hold no post for (deleted, members-only, skipped, failed),
    with their recorded reason, so a report can account for every id, not only stored posts."""
    with uow:
        for kind in (PostStatusKind.DELETED, PostStatusKind.MEMBERS_ONLY, PostStatusKind.SKIPPED, PostStatusKind.ERROR):
            after = 0
            while page := uow.statuses.with_kind(kind, after_id=after, limit=page_size):
                after = page[-1].article_id
                stored = uow.posts.get_many(s.article_id for s in page)
                yield from (s for s in page if s.article_id not in stored)


class IngestionReport(BaseModel):
    """Every stored post with its verdict, every id looked at but not stored, and the statuses by
    kind: what `changple demo` shows after its scan."""

    verdicts: list[PostVerdict]
    unstored: list[PostStatus]
    statuses: dict[str, int]


def ingestion_report(
    *, uow: UnitOfWork, policy: IngestionPolicy, on_verdict: Callable[[PostVerdict], None] | None = None
) -> IngestionReport:
    verdicts: list[PostVerdict] = []
    for verdict in iter_verdicts(EvaluateIngestion(policy=policy), uow=uow):
        verdicts.append(verdict)
        if on_verdict is not None:
            on_verdict(verdict)
    unstored = list(iter_unstored(uow=uow))
    with uow:
        statuses = {kind.value: n for kind, n in uow.statuses.counts().items()}
    return IngestionReport(verdicts=verdicts, unstored=unstored, statuses=statuses)
