"""Contract of UnitOfWork: what a block commits is seen later, everything else is rolled back."""

from __future__ import annotations

import pytest

from changple_domain.model import AllowedAuthor
from changple_domain.ports import UnitOfWork
from tests.contract.conftest import UowFactory
from tests.contract.factories import make_job, make_post, make_run


def test_it_is_a_unit_of_work(uow: UnitOfWork) -> None:
    assert isinstance(uow, UnitOfWork)


def test_leaving_without_commit_rolls_back(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1)])
        uow.authors.add(AllowedAuthor(name="김사장"))
        uow.batches.add(make_job("sum-1"))
        uow.runs.add(make_run("run-1"))
        assert uow.posts.get(1) is not None  # a block sees its own writes
    with uow:
        assert uow.posts.get(1) is None
        assert uow.authors.get("김사장") is None
        assert uow.batches.get("sum-1") is None
        assert uow.runs.get("run-1") is None


def _write_then_fail(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1)])
        raise LookupError("boom")


def test_an_exception_rolls_back_and_propagates(uow: UnitOfWork) -> None:
    with pytest.raises(LookupError, match="boom"):
        _write_then_fail(uow)
    with uow:
        assert uow.posts.count() == 0


def test_rollback_discards_and_the_block_goes_on(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1)])
        uow.rollback()
        assert uow.posts.get(1) is None
        uow.posts.upsert_many([make_post(2)])
        uow.commit()
    with uow:
        assert [p.article_id for p in uow.posts.page()] == [2]


def test_commit_then_more_work_in_the_same_block(uow: UnitOfWork) -> None:
    with uow:
        uow.posts.upsert_many([make_post(1)])
        uow.commit()
        uow.posts.upsert_many([make_post(2)])  # not committed
    with uow:
        assert [p.article_id for p in uow.posts.page()] == [1]


def test_committed_data_is_seen_by_another_unit_of_work(uow_factory: UowFactory) -> None:
    writer, reader = uow_factory(), uow_factory()
    with writer:
        writer.posts.upsert_many([make_post(1)])
        with reader:
            assert reader.posts.get(1) is None  # uncommitted work is invisible to others
        writer.commit()
    with reader:
        assert reader.posts.get(1) == make_post(1)


def test_one_block_at_a_time(uow: UnitOfWork) -> None:
    with uow:
        with pytest.raises(RuntimeError):
            uow.__enter__()
        uow.posts.upsert_many([make_post(1)])
        uow.commit()
    with uow:
        assert uow.posts.count() == 1
