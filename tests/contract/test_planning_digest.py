"""The planning digest of every store: the same for the same posts on every backend, unchanged by
reading, and changed by every write planning would see (a new post, an edit, a summary, a status)."""

from __future__ import annotations

from changple_adapters.memory import MemoryUnitOfWork
from changple_domain.model.posts import PostStatus, PostStatusKind
from changple_domain.ports import UnitOfWork
from tests.contract.factories import T0, make_post


def _digest(uow: UnitOfWork) -> str:
    with uow:
        return uow.posts.planning_digest()


def _store(uow: UnitOfWork, *ids: int) -> None:
    with uow:
        uow.posts.upsert_many([make_post(i) for i in ids])
        uow.commit()


def test_the_same_posts_digest_the_same_on_every_backend(uow: UnitOfWork) -> None:
    reference = MemoryUnitOfWork()
    for store in (uow, reference):
        _store(store, 3, 1, 2)
    assert _digest(uow) == _digest(reference)
    assert _digest(uow) == _digest(uow)  # reading changes nothing


def test_every_write_planning_reads_changes_the_digest(uow: UnitOfWork) -> None:
    empty = _digest(uow)
    _store(uow, 1, 2)
    seen = {empty, _digest(uow)}

    with uow:
        edited = make_post(2, content="가맹비가 올랐습니다. 수정한 글입니다.")
        uow.posts.upsert_many([edited])
        uow.commit()
    seen.add(_digest(uow))

    with uow:
        summarized = edited.with_summary(
            summary="요약", keywords=("가맹비",), possible_questions=(), made_from=edited.content_hash
        )
        uow.posts.upsert_many([summarized])
        uow.commit()
    seen.add(_digest(uow))

    with uow:
        uow.statuses.upsert_many([PostStatus(article_id=1, kind=PostStatusKind.DELETED, reason="gone", updated_at=T0)])
        uow.commit()
    seen.add(_digest(uow))

    assert len(seen) == 5, "each write must give a digest not seen before"
