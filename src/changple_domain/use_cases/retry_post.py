"""An operator's retry of a post the pipeline gave up on: the stage that failed forgets its
attempts, so the next tick sends the post again. Hashes stay, so nothing done is redone."""

from __future__ import annotations

from changple_domain.errors import IllegalTransition, NotFound
from changple_domain.model.posts import CafePost, PostNeed, Stage
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases.evaluate_ingestion import verdict_for


def retry_failed_post(article_id: int, *, uow: UnitOfWork, policy: IngestionPolicy) -> CafePost:
    """Reset the failed stage of a post whose need is FAILED and return the post. NotFound when
    the post is not stored; IllegalTransition (nothing changes) when it has not failed."""
    verdict = verdict_for(article_id, uow=uow, policy=policy)
    if verdict is None:
        raise NotFound(f"no post with article id {article_id}")
    if verdict.need is not PostNeed.FAILED:
        raise IllegalTransition(
            f"post {article_id} has not failed (it needs {verdict.need.value}): only failed posts can be retried"
        )
    with uow:
        post = uow.posts.get(article_id)
        if post is None:  # pragma: no cover - deleted between the two reads
            raise NotFound(f"no post with article id {article_id}")
        stage: Stage = "summary" if post.summary_hash != post.content_hash else "embedding"
        retried = post.with_stage_reset(stage)
        uow.posts.upsert_many([retried])
        uow.commit()
    return retried
