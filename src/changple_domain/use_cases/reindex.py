"""Reindex on purpose (after a model or prompt change): forget what was made for some or all
posts so the next tick redoes it. Never triggered automatically."""

from __future__ import annotations

from collections.abc import Sequence

from changple_domain.errors import NotFound
from changple_domain.ports import UnitOfWork


def reindex(
    article_ids: Sequence[int] | None, *, uow: UnitOfWork, summaries: bool = False, page_size: int = 1000
) -> int:
    """Mark posts (all when `article_ids` is None) as needing embeddings again, and summaries too
    when `summaries`. Vectors stay until replaced (same ids), so search keeps working meanwhile."""
    changed = 0
    with uow:
        if article_ids is not None:
            found = uow.posts.get_many(article_ids)
            missing = sorted(set(article_ids) - found.keys())
            if missing:
                raise NotFound(f"no post with article id {', '.join(map(str, missing[:10]))}")
            pages = [list(found.values())]
        else:
            pages = []
            after = 0
            while page := uow.posts.page(after_id=after, limit=page_size):
                pages.append(page)
                after = page[-1].article_id
        for page in pages:
            updated = []
            for post in page:
                update: dict[str, object] = {"indexed_hash": None}
                post = post.with_stage_reset("embedding")
                if summaries:
                    update["summary_hash"] = None
                    post = post.with_stage_reset("summary")
                updated.append(post.model_copy(update=update))
            uow.posts.upsert_many(updated)
            changed += len(updated)
        uow.commit()
    return changed
