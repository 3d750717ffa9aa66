"""A pipeline step that only waits on the providers does not plan again: planning walks every post,
and while a batch runs for hours nothing it reads has changed. Any change it would see (a job
moving, a new or edited post, the catalog) makes the next step plan, and a step that still has
posts to send always plans."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from changple_adapters import memory
from changple_adapters.memory import FixedClock, MemoryUnitOfWork
from changple_domain.model import AllowedAuthor
from changple_domain.policies.eligibility import IngestionPolicy
from changple_domain.policies.pipeline import PipelineConfig
from changple_domain.policies.workflow import WorkflowTimings
from changple_domain.use_cases import plan as planning
from changple_domain.use_cases.background import pipeline_step_task
from changple_domain.use_cases.pipeline_ports import PipelinePorts
from changple_domain.use_cases.run_pipeline import TickReport, pipeline_tick
from tests.contract.factories import make_post

AUTHOR = "창플지기"
START = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


class Pipeline:
    """Memory ports whose summary batches run until told otherwise, counting the plans made."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.uow = MemoryUnitOfWork()
        self.summarizer = memory.MemoryBatchSummarizer(polls_until_running=1, polls_until_done=10_000)
        self.ports = PipelinePorts(
            uow=self.uow,
            clock=FixedClock(START),
            summarizer=self.summarizer,
            embedder=memory.MemoryBatchEmbedder(dimensions=8),
            index=memory.MemoryVectorIndex(),
            config=PipelineConfig(),
            policy=IngestionPolicy(min_content_length=10),
            sleep=lambda _: None,
            mutex=memory.MemoryMutex(),
            ids=memory.SequentialIds(),
        )
        self.plans = 0
        real = planning.plan_work

        def counted(**kwargs: Any) -> planning.WorkPlan:
            self.plans += 1
            return real(**kwargs)

        monkeypatch.setattr("changple_domain.use_cases.run_pipeline.plan_work", counted)
        with self.uow:
            self.uow.authors.add(AllowedAuthor(name=AUTHOR))
            self.uow.commit()

    def store(self, *ids: int, **overrides: Any) -> None:
        with self.uow:
            self.uow.posts.upsert_many([make_post(i, author=AUTHOR, **overrides) for i in ids])
            self.uow.commit()

    def step(self, planned_stamp: str) -> TickReport:
        return pipeline_tick(self.ports, run_id=None, planned_stamp=planned_stamp)


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch) -> Pipeline:
    return Pipeline(monkeypatch)


def _waiting(pipeline: Pipeline) -> str:
    """Submit what is stored and step until the batch runs at the provider: the stamp to carry."""
    sent = pipeline.step("")
    assert sent.summary_jobs_submitted == 1
    assert sent.stamp_to_carry == ""
    running = pipeline.step("")  # the poll moves the job to running; nothing is left to send
    assert running.planned
    assert not running.made_progress
    assert running.stamp_to_carry
    return running.stamp_to_carry


def test_a_step_that_polled_no_change_keeps_the_last_plan(pipeline: Pipeline) -> None:
    pipeline.store(1, 2, 3)
    stamp = _waiting(pipeline)
    plans = pipeline.plans

    quiet = pipeline.step(stamp)

    assert not quiet.planned
    assert pipeline.plans == plans
    assert quiet.polled == 1
    assert quiet.open_jobs == 1
    assert not quiet.done
    assert quiet.stamp_to_carry == stamp  # and the step after it may skip too


@pytest.mark.parametrize("change", ["new post", "edited post", "author switched off"])
def test_any_change_planning_reads_makes_the_next_step_plan(pipeline: Pipeline, change: str) -> None:
    pipeline.store(1, 2, 3)
    stamp = _waiting(pipeline)
    if change == "new post":
        pipeline.store(4)
    elif change == "edited post":
        pipeline.store(2, content="가맹비가 올랐다는 소식에 내용을 고쳤습니다. 다시 읽어 주세요.")
    else:
        with pipeline.uow:
            pipeline.uow.authors.save(AllowedAuthor(name=AUTHOR, active=False))
            pipeline.uow.commit()
    plans = pipeline.plans

    after = pipeline.step(stamp)

    assert after.planned
    assert pipeline.plans == plans + 1
    assert after.stamp != stamp


def test_a_job_that_moved_at_the_provider_makes_the_step_plan(pipeline: Pipeline) -> None:
    pipeline.store(1, 2)
    stamp = _waiting(pipeline)
    pipeline.summarizer.polls_until_done = 0  # the batch finishes: its results are applied, then planned

    after = pipeline.step(stamp)

    assert after.planned
    assert after.applied_jobs == 1
    assert after.embedding_jobs_submitted == 1


def test_the_step_task_carries_the_stamp_only_while_nothing_is_left_to_send(pipeline: Pipeline) -> None:
    pipeline.store(1, 2)
    timings = WorkflowTimings(poll_interval_seconds=60)

    def step(**arguments: Any) -> dict[str, str | int]:
        outcome = pipeline_step_task(run_id="run-1", tick=pipeline_tick_for(pipeline), timings=timings, **arguments)
        (follow_up,) = outcome.follow_ups
        return follow_up.arguments

    assert step() == {"run_id": "run-1"}  # it sent the batch: the next step comes at once and plans
    waiting = step()
    assert waiting["planned_stamp"]
    assert waiting["quiet_ticks"] == 1
    quiet = step(quiet_ticks=1, planned_stamp=str(waiting["planned_stamp"]))
    assert quiet == {"run_id": "run-1", "quiet_ticks": 2, "planned_stamp": waiting["planned_stamp"]}


def pipeline_tick_for(pipeline: Pipeline) -> Any:
    def tick(*, run_id: str | None, planned_stamp: str | None) -> TickReport:
        return pipeline_tick(pipeline.ports, run_id=run_id, planned_stamp=planned_stamp)

    return tick
