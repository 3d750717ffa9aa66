"""The workflow policy decides what the background work does next; the actors only send it."""

from __future__ import annotations

import logging

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker

from changple_adapters.memory import MemoryTaskQueue
from changple_domain.errors import Busy, InvalidSetting, LoginRequired
from changple_domain.model.tasks import Task
from changple_domain.policies.workflow import (
    FollowUp,
    ScanRequest,
    WorkflowTimings,
    after_run_started,
    after_scan,
    after_tick,
    poll_delay,
    retry_scan_later,
)
from changple_domain.use_cases.background import TaskOutcome, pipeline_step_task, scan_cafe_task
from changple_domain.use_cases.plan import WorkPlan
from changple_domain.use_cases.run_pipeline import TickReport
from changple_domain.use_cases.scan_cafe import ScanCafe, ScanReport
from changple_entrypoints.worker.actors import carry_out, register_actors

TIMINGS = WorkflowTimings(scan_busy_retry_seconds=45, poll_interval_seconds=90)


def test_a_scan_that_asked_for_a_run_starts_it_and_one_that_did_not_ends_there() -> None:
    asked = ScanRequest(key="nightly:2026-12-02", trigger="schedule", then_pipeline_key="nightly:2026-12-02")
    assert after_scan(asked) == (
        FollowUp(task=Task.START_PIPELINE_RUN, arguments={"key": "nightly:2026-12-02", "trigger": "schedule"}),
    )
    assert after_scan(ScanRequest(key="api:x")) == ()


def test_a_busy_scan_comes_back_with_the_same_request_after_the_busy_wait() -> None:
    request = ScanRequest(key="api:x", trigger="api", then_pipeline_key="after:api:x")
    (again,) = retry_scan_later(request, TIMINGS)
    assert (again.task, again.arguments, again.delay_seconds) == (Task.SCAN_CAFE, request.as_arguments(), 45)


def test_a_run_steps_again_at_once_after_progress_and_after_the_poll_interval_while_waiting() -> None:
    (moved,) = after_tick("run-1", done=False, made_progress=True, timings=TIMINGS)
    (waiting,) = after_tick("run-1", done=False, made_progress=False, timings=TIMINGS)
    assert (moved.task, moved.arguments, moved.delay_seconds) == (Task.PIPELINE_STEP, {"run_id": "run-1"}, 0)
    assert waiting.delay_seconds == 90
    assert after_tick("run-1", done=True, made_progress=True, timings=TIMINGS) == ()
    assert after_tick(None, done=False, made_progress=False, timings=TIMINGS) == ()


def test_polls_come_soon_after_a_change_and_back_off_to_the_longest_wait_while_nothing_changes() -> None:
    timings = WorkflowTimings(poll_interval_seconds=60, poll_max_interval_seconds=1800)
    waits = [poll_delay(quiet, timings) for quiet in range(7)]
    assert waits == [60, 120, 240, 480, 960, 1800, 1800]
    assert poll_delay(10_000, timings) == 1800  # no overflow however long a batch takes
    assert poll_delay(0, WorkflowTimings(poll_interval_seconds=300, poll_max_interval_seconds=100)) == 300


def test_each_quiet_step_carries_its_count_and_a_change_starts_the_count_again() -> None:
    timings = WorkflowTimings(poll_interval_seconds=60, poll_max_interval_seconds=1800)
    (third,) = after_tick("run-1", done=False, made_progress=False, timings=timings, quiet_ticks=2)
    assert third.arguments == {"run_id": "run-1", "quiet_ticks": 3}
    assert third.delay_seconds == 240
    (moved,) = after_tick("run-1", done=False, made_progress=True, timings=timings, quiet_ticks=5)
    assert moved.arguments == {"run_id": "run-1"}
    assert moved.delay_seconds == 0


def test_a_new_run_takes_its_first_step_and_a_finished_one_does_not() -> None:
    assert after_run_started("run-1", finished=False) == (
        FollowUp(task=Task.PIPELINE_STEP, arguments={"run_id": "run-1"}),
    )
    assert after_run_started("run-1", finished=True) == ()


def _scan_that_raises(error: Exception):  # type: ignore[no-untyped-def]
    def scan(cmd: ScanCafe) -> ScanReport:
        raise error

    return scan


def test_the_scan_task_turns_busy_into_a_later_retry_and_an_expired_login_into_the_run_it_asked_for() -> None:
    busy = scan_cafe_task("api:x", "api", "after:api:x", scan=_scan_that_raises(Busy("held")), timings=TIMINGS)
    assert [f.task for f in busy.follow_ups] == [Task.SCAN_CAFE]
    expired = scan_cafe_task(
        "api:x", "api", "after:api:x", scan=_scan_that_raises(LoginRequired("log in again")), timings=TIMINGS
    )
    assert expired.warnings == ("log in again",)
    assert [(f.task, f.arguments["key"]) for f in expired.follow_ups] == [(Task.START_PIPELINE_RUN, "after:api:x")]


def test_an_actor_sends_every_follow_up_with_its_delay() -> None:
    queue = MemoryTaskQueue()
    outcome = TaskOutcome(
        summary="done",
        follow_ups=(FollowUp(task=Task.PIPELINE_STEP, arguments={"run_id": "r"}, delay_seconds=90),),
    )
    carry_out(Task.PIPELINE_STEP, lambda **_: outcome, lambda: queue)(run_id="r")
    assert (queue.enqueued, queue.delays) == ([(Task.PIPELINE_STEP, {"run_id": "r"})], [90])


def test_work_needing_an_unconfigured_integration_ends_quietly_and_other_work_fails(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def unconfigured(**_: object) -> TaskOutcome:
        raise InvalidSetting("Naver Login is not configured")

    queue = MemoryTaskQueue()
    with caplog.at_level(logging.INFO):
        carry_out(Task.RETRY_NAVER_REVOCATIONS, unconfigured, lambda: queue)()
    assert "skipped: Naver Login is not configured" in caplog.text
    with pytest.raises(InvalidSetting):
        carry_out(Task.SCAN_CAFE, unconfigured, lambda: queue)()


def test_every_task_must_have_its_work() -> None:
    broker = StubBroker()
    work = {task: (lambda **_: TaskOutcome(summary="")) for task in Task if task is not Task.APPLY_BATCH}
    with pytest.raises(ValueError, match="apply_batch"):
        register_actors(broker, work, queue=MemoryTaskQueue, scan_time_limit_seconds=60)
    actors = register_actors(
        StubBroker(),
        {**work, Task.APPLY_BATCH: work[Task.SCAN_CAFE]},
        queue=MemoryTaskQueue,
        scan_time_limit_seconds=60,
    )
    assert set(actors) == set(Task)
    assert all(isinstance(actor, dramatiq.Actor) and actor.actor_name == task.value for task, actor in actors.items())


def test_the_step_task_waits_longer_after_each_tick_that_changed_nothing() -> None:
    waiting = TickReport(plan=WorkPlan(), open_jobs=1)
    timings = WorkflowTimings(poll_interval_seconds=60, poll_max_interval_seconds=1800)

    outcome = pipeline_step_task("run-1", 3, tick=lambda run_id, planned_stamp: waiting, timings=timings)

    (step,) = outcome.follow_ups
    assert step.arguments == {"run_id": "run-1", "quiet_ticks": 4}
    assert step.delay_seconds == 480
