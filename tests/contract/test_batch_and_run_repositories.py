"""Contract of BatchJobRepository and PipelineRunRepository, on every unit-of-work implementation."""

from __future__ import annotations

from datetime import timedelta, timezone
from decimal import Decimal

import pytest

from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model import BatchItem, BatchJob, BatchKind, BatchState, RunState, RunTrigger
from changple_domain.model.runs import RunCounts
from changple_domain.ports import UnitOfWork
from tests.contract.factories import later, make_job, make_run


def test_batch_job_round_trip(uow: UnitOfWork) -> None:
    kst = timezone(timedelta(hours=9))
    job = make_job(
        "sum-1",
        created_at=later(0).astimezone(kst),
        run_id="run-1",
        error="일부 실패",
        input_tokens=12_345_678_901,
        output_tokens=42,
        completed_requests=2,
        failed_requests=1,
    )
    with uow:
        uow.batches.add(job)
        uow.commit()
    with uow:
        got = uow.batches.get("sum-1")
        assert uow.batches.get("sum-2") is None
    assert got == job
    assert got is not None
    assert [item.article_id for item in got.items] == [30, 10, 20]  # the job's order, not the key order
    assert got.estimated_cost_usd == Decimal("1234.567891")
    assert got.standard_cost_usd == Decimal("0.000001")
    assert got.created_at.utcoffset() is not None
    assert got.created_at == later(0)


def test_adding_a_taken_job_id_raises(uow: UnitOfWork) -> None:
    with uow:
        uow.batches.add(make_job("sum-1"))
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.batches.add(make_job("sum-1", kind=BatchKind.EMBED, article_ids=(1,)))
        uow.commit()
    with uow:
        assert uow.batches.get("sum-1") == make_job("sum-1")


def test_saving_walks_the_lifecycle(uow: UnitOfWork) -> None:
    job = make_job("emb-1", kind=BatchKind.EMBED, provider="openai", model="text-embedding-3-large")
    with uow:
        uow.batches.add(job)
        job = job.advance(BatchState.SUBMITTED, at=later(1), provider_job_id="batch_abc123")
        uow.batches.save(job)
        uow.commit()
    with uow:
        assert uow.batches.get("emb-1") == job
        job = job.advance(BatchState.RUNNING, at=later(2))
        job = job.advance(
            BatchState.SUCCEEDED,
            at=later(3),
            completed_requests=3,
            input_tokens=900,
            estimated_cost_usd=Decimal("0.012345"),
        )
        uow.batches.save(job)
        uow.commit()
    with uow:
        got = uow.batches.get("emb-1")
        assert got == job
        assert got is not None
        assert got.state is BatchState.SUCCEEDED
        assert got.finished_at == later(3)
        assert got.submitted_at == later(1)
        job = job.advance(BatchState.APPLIED, at=later(4))
        uow.batches.save(job)
        uow.commit()
    with uow:
        got = uow.batches.get("emb-1")
    assert got is not None
    assert got.state is BatchState.APPLIED
    assert got.applied_at == later(4)


def test_saving_replaces_the_items(uow: UnitOfWork) -> None:
    job = make_job("sum-1")
    with uow:
        uow.batches.add(job)
        fewer = job.model_copy(
            update={
                "items": (
                    BatchItem(article_id=10, content_hash="b" * 64, chunk_count=4),
                    BatchItem(article_id=99, content_hash="c" * 64),
                )
            }
        )
        uow.batches.save(fewer)
        uow.commit()
    with uow:
        assert uow.batches.get("sum-1") == fewer
        assert [j.id for j in uow.batches.for_post(30)] == []
        assert [j.id for j in uow.batches.for_post(99)] == ["sum-1"]


def test_saving_an_unknown_job_raises(uow: UnitOfWork) -> None:
    with uow:
        with pytest.raises(NotFound):
            uow.batches.save(make_job("sum-404"))
        assert uow.batches.get("sum-404") is None


def test_job_queries_order_and_filter(uow: UnitOfWork) -> None:
    jobs = [
        make_job("a", created_at=later(30), article_ids=(1, 2)),
        make_job("b", created_at=later(10), article_ids=(2, 3)),
        make_job("c", created_at=later(20), article_ids=(4,)),
        make_job("d", created_at=later(40), article_ids=(2,)),
    ]
    jobs[2] = jobs[2].advance(BatchState.SUBMITTED, at=later(21))
    jobs[3] = jobs[3].advance(BatchState.FAILED, at=later(41), error="quota")
    with uow:
        for job in jobs:
            uow.batches.add(job)
        uow.commit()
    with uow:
        assert [j.id for j in uow.batches.in_states([BatchState.CREATED, BatchState.SUBMITTED])] == ["b", "c", "a"]
        assert [j.id for j in uow.batches.in_states([BatchState.CREATED], limit=1)] == ["b"]
        assert uow.batches.in_states([]) == []
        assert uow.batches.in_states([BatchState.APPLIED]) == []
        assert [j.id for j in uow.batches.recent()] == ["d", "a", "c", "b"]
        assert [j.id for j in uow.batches.recent(limit=2)] == ["d", "a"]
        assert [j.id for j in uow.batches.recent(limit=2, offset=2)] == ["c", "b"]
        assert uow.batches.recent(offset=4) == []
        trail = uow.batches.for_post(2)
        assert [j.id for j in trail] == ["d", "a", "b"]
        assert trail[0] == jobs[3]
        assert uow.batches.for_post(5) == []


def test_run_round_trip_and_progress(uow: UnitOfWork) -> None:
    run = make_run("run-1", key="nightly:2026-03-01", counts=RunCounts(indexed=120, failed=3))
    with uow:
        uow.runs.add(run)
        uow.commit()
    with uow:
        assert uow.runs.get("run-1") == run
        assert uow.runs.get_by_key("nightly:2026-03-01") == run
        assert uow.runs.get("run-2") is None
        assert uow.runs.get_by_key("nightly:2026-03-02") is None
        run = run.with_stage("summarize", done=40, total=120).with_stage("embed", done=0, total=120)
        run = run.model_copy(update={"cost_usd": Decimal("12.345678"), "standard_cost_usd": Decimal("24.691356")})
        run = run.finished(at=later(90), error="임베딩 제공자 응답 없음")
        uow.runs.save(run)
        uow.commit()
    with uow:
        got = uow.runs.get("run-1")
    assert got == run
    assert got is not None
    assert got.state is RunState.FAILED
    assert got.finished_at == later(90)
    assert got.stages["summarize"].done == 40
    assert got.cost_usd == Decimal("12.345678")


def test_run_id_and_key_are_unique(uow: UnitOfWork) -> None:
    with uow:
        uow.runs.add(make_run("run-1", key="nightly:2026-03-01"))
        uow.commit()
    with uow:
        with pytest.raises(AlreadyExists):
            uow.runs.add(make_run("run-2", key="nightly:2026-03-01", trigger=RunTrigger.MANUAL))
        with pytest.raises(AlreadyExists):
            uow.runs.add(make_run("run-1", key="manual:1"))
        uow.runs.add(make_run("run-3", key="manual:3"))
        uow.commit()
    with uow:
        assert uow.runs.get_by_key("nightly:2026-03-01") == make_run("run-1", key="nightly:2026-03-01")
        assert uow.runs.get("run-2") is None
        assert uow.runs.get_by_key("manual:1") is None
        assert uow.runs.get("run-3") is not None


def test_saving_an_unknown_run_raises(uow: UnitOfWork) -> None:
    with uow, pytest.raises(NotFound):
        uow.runs.save(make_run("run-404"))


def test_recent_runs_newest_first(uow: UnitOfWork) -> None:
    with uow:
        for run_id, minutes in (("r1", 10), ("r2", 30), ("r3", 20)):
            uow.runs.add(make_run(run_id, started_at=later(minutes)))
        assert [r.id for r in uow.runs.recent()] == ["r2", "r3", "r1"]
        assert [r.id for r in uow.runs.recent(limit=1)] == ["r2"]
        assert [r.id for r in uow.runs.recent(limit=1, offset=1)] == ["r3"]
        assert [r.id for r in uow.runs.recent(offset=2)] == ["r1"]


def test_jobs_for_a_run_oldest_first(uow: UnitOfWork) -> None:
    with uow:
        uow.batches.add(make_job("emb-2", created_at=later(2), run_id="run-a", kind=BatchKind.EMBED))
        uow.batches.add(make_job("sum-1", created_at=later(1), run_id="run-a"))
        uow.batches.add(make_job("sum-3", created_at=later(3), run_id="run-b"))
        uow.batches.add(make_job("sum-4", created_at=later(4)))
        uow.commit()
    with uow:
        assert [j.id for j in uow.batches.for_run("run-a")] == ["sum-1", "emb-2"]
        assert [j.id for j in uow.batches.for_run("run-b")] == ["sum-3"]
        assert uow.batches.for_run("run-none") == []


def test_applied_since_lists_applied_jobs_oldest_first_without_items(uow: UnitOfWork) -> None:
    def applied(job_id: str, minutes: int, **changes: object) -> BatchJob:
        job = make_job(job_id, created_at=later(0)).advance(BatchState.SUBMITTED, at=later(1))
        job = job.advance(BatchState.SUCCEEDED, at=later(2), **changes)
        return job.advance(BatchState.APPLIED, at=later(minutes))

    jobs = [
        applied("late", 90, completed_requests=3, failed_requests=1),
        applied("early", 30, completed_requests=2),
        applied("before", 5),
        make_job("open", created_at=later(50)),  # never applied
    ]
    with uow:
        for job in jobs:
            uow.batches.add(job)
        uow.commit()
    with uow:
        found = uow.batches.applied_since(later(30))
        assert uow.batches.applied_since(later(91)) == []
    assert [j.id for j in found] == ["early", "late"]
    late = found[1]
    assert late.kind is BatchKind.SUMMARIZE
    assert late.applied_at == later(90)
    assert late.applied_at.utcoffset() is not None
    assert (late.completed_requests, late.failed_requests) == (3, 1)
    assert late.estimated_cost_usd == Decimal("1234.567891")
    assert late.standard_cost_usd == Decimal("0.000001")


def test_the_tally_counts_and_sums_jobs_by_kind_provider_and_state(uow: UnitOfWork) -> None:
    """What /metrics reports: jobs and spend per (kind, provider, state), from the stored rows."""
    with uow:
        assert uow.batches.tally() == []
    cheap = {"estimated_cost_usd": Decimal("0.25"), "standard_cost_usd": Decimal("0.5")}
    with uow:
        uow.batches.add(make_job("sum-1", **cheap))
        uow.batches.add(make_job("sum-2", **cheap))
        uow.batches.add(make_job("sum-3", state=BatchState.FAILED, **cheap))
        uow.batches.add(make_job("emb-1", kind=BatchKind.EMBED, provider="openai", model="m", **cheap))
        uow.commit()
    with uow:
        tally = {(t.kind, t.provider, t.state): t for t in uow.batches.tally()}
    assert set(tally) == {
        (BatchKind.SUMMARIZE, "gemini", BatchState.CREATED),
        (BatchKind.SUMMARIZE, "gemini", BatchState.FAILED),
        (BatchKind.EMBED, "openai", BatchState.CREATED),
    }
    two = tally[(BatchKind.SUMMARIZE, "gemini", BatchState.CREATED)]
    assert (two.jobs, two.cost_usd, two.standard_cost_usd) == (2, Decimal("0.5"), Decimal("1.0"))
    assert tally[(BatchKind.EMBED, "openai", BatchState.CREATED)].jobs == 1


def test_runs_are_counted_by_state(uow: UnitOfWork) -> None:
    with uow:
        assert uow.runs.count_by_state() == {}
        uow.runs.add(make_run("run-1"))
        uow.runs.add(make_run("run-2").finished(at=later(5)))
        uow.runs.add(make_run("run-3").finished(at=later(6), error="gemini down"))
        uow.runs.add(make_run("run-4"))
        uow.commit()
    with uow:
        assert uow.runs.count_by_state() == {RunState.RUNNING: 2, RunState.SUCCEEDED: 1, RunState.FAILED: 1}
