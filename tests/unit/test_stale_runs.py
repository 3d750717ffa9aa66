"""An older pipeline run whose delayed messages were lost must not stay `running`: the next tick that
finds nothing left to do finishes every open run, with its counts and cost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from changple_adapters import memory
from changple_adapters.memory import FixedClock, MemoryUnitOfWork
from changple_domain.model.runs import PipelineRun, RunState, RunTrigger
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.plan import WorkPlan
from changple_domain.use_cases.run_pipeline import TickReport, finish_open_runs, pipeline_tick

START = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def _ports(uow: MemoryUnitOfWork, clock: FixedClock) -> PipelinePorts:
    return PipelinePorts(
        uow=uow,
        clock=clock,
        summarizer=memory.MemoryBatchSummarizer(),
        embedder=memory.MemoryBatchEmbedder(dimensions=8),
        index=memory.MemoryVectorIndex(),
        config=PipelineConfig(),
        policy=IngestionPolicy(),
        sleep=lambda _: None,
        mutex=memory.MemoryMutex(),
        ids=memory.SequentialIds(),
    )


def _open_runs(uow: MemoryUnitOfWork, *keys: str) -> None:
    with uow:
        for n, key in enumerate(keys):
            uow.runs.add(PipelineRun(id=f"run-{n}", key=key, trigger=RunTrigger.SCHEDULE, started_at=START))
        uow.commit()


def _states(uow: MemoryUnitOfWork) -> dict[str, RunState]:
    with uow:
        return {r.key: r.state for r in uow.runs.recent(limit=10)}


def test_a_tick_with_nothing_left_finishes_every_open_run() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock(START + timedelta(days=2))
    _open_runs(uow, "nightly:2026-11-20", "nightly:2026-11-21")

    report = pipeline_tick(_ports(uow, clock))  # a poll with no run of its own

    assert report.done
    assert _states(uow) == {"nightly:2026-11-20": RunState.SUCCEEDED, "nightly:2026-11-21": RunState.SUCCEEDED}
    with uow:
        old = uow.runs.get("run-0")
    assert old is not None
    assert old.finished_at == clock.now()
    assert old.counts.counted


def test_a_tick_with_work_left_leaves_open_runs_open() -> None:
    uow, clock = MemoryUnitOfWork(), FixedClock(START)
    _open_runs(uow, "nightly:2026-11-20")
    waiting = TickReport(plan=WorkPlan(), open_jobs=1, done=False)

    assert finish_open_runs(uow=uow, clock=clock, report=waiting) == []
    assert _states(uow) == {"nightly:2026-11-20": RunState.RUNNING}
