"""Reading cafe posts outside the pipeline: who may see which.

The public (visitors, signed-in readers, and the chat agent, whose answers go to them) sees a post
only while the ingestion policy lets it into the index: the same verdict the pipeline uses, so a
disabled author, an excluded board, a deleted or members-only post or a duplicate is hidden the
moment the rule changes, not when the next run has cleaned the index. Operators
(`Caller.sees_every_post`) see every stored post. A hidden post is told apart from a missing one by
nothing, so ids cannot be probed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import InvalidInput, NotFound
from changple_domain.model.access import Caller
from changple_domain.model.posts import CafePost
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.evaluate_ingestion import judge_posts

PUBLIC = Caller()  # whoever reads without a say: the rule for visitors
MAX_POSTS_PER_READ = 100


class PostBatch(BaseModel):
    """Posts asked for together, in the order asked; `missing` holds the ids the viewer may not
    read, whether they were never stored or are hidden (the two are not told apart)."""

    model_config = ConfigDict(frozen=True)

    items: list[CafePost]
    missing: list[int]


def read_posts(article_ids: Sequence[int], *, uow: UnitOfWork, policy: IngestionPolicy, viewer: Caller) -> PostBatch:
    """Up to MAX_POSTS_PER_READ posts in one read (the chat agent's citations), each id once."""
    wanted = list(dict.fromkeys(article_ids))
    if not wanted:
        raise InvalidInput("name at least one article id, e.g. ?ids=1003,1010")
    if len(wanted) > MAX_POSTS_PER_READ:
        raise InvalidInput(f"at most {MAX_POSTS_PER_READ} posts at once, not {len(wanted)}")
    found = visible_posts(wanted, uow=uow, policy=policy, viewer=viewer)
    return PostBatch(items=[found[i] for i in wanted if i in found], missing=[i for i in wanted if i not in found])


def read_post(article_id: int, *, uow: UnitOfWork, policy: IngestionPolicy, viewer: Caller) -> CafePost:
    """One post this viewer may see; NotFound, with the same words, for a missing or hidden one."""
    with uow:
        found = visible_within([article_id], uow=uow, policy=policy, viewer=viewer).get(article_id)
    if found is None:
        raise NotFound(f"no post with article id {article_id}")
    return found


def visible_posts(
    article_ids: Iterable[int], *, uow: UnitOfWork, policy: IngestionPolicy, viewer: Caller = PUBLIC
) -> dict[int, CafePost]:
    """The posts among these ids that this viewer may see (others are simply absent)."""
    with uow:
        return visible_within(article_ids, uow=uow, policy=policy, viewer=viewer)


def visible_within(
    article_ids: Iterable[int], *, uow: UnitOfWork, policy: IngestionPolicy, viewer: Caller = PUBLIC
) -> dict[int, CafePost]:
    """`visible_posts` inside a unit of work the caller holds open."""
    posts = uow.posts.get_many(set(article_ids))
    if viewer.sees_every_post or not posts:
        return posts
    verdicts = judge_posts(posts.values(), uow=uow, policy=policy)
    return {i: p for i, p in posts.items() if verdicts[i].decision.eligible}
