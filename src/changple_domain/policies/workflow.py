"""What the background work does next, decided in one place: after a scan, after a run starts,
after a pipeline tick. The worker only carries these decisions out (it sends each follow-up on the
task queue), so the chain scan -> run -> steps is a pure function with tests, not actor code."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model.runs import RunTrigger
from changple_domain.model.tasks import Task
from changple_domain.policies.run_keys import nightly_key

# Work that needs an optional integration: when that integration is not configured there is nothing
# to do, so the task ends quietly instead of failing and being retried.
NEEDS_OPTIONAL_INTEGRATION = frozenset({Task.RETRY_NAVER_REVOCATIONS})


class WorkflowTimings(BaseModel):
    """How long the background work waits before trying again (from settings)."""

    model_config = ConfigDict(frozen=True)

    scan_busy_retry_seconds: float = Field(default=60, gt=0)  # another scan holds the lock
    poll_interval_seconds: float = Field(default=60, gt=0)  # the first wait after a submit or a change
    poll_max_interval_seconds: float = Field(default=1800, gt=0)  # the longest wait while nothing changes
    poll_backoff: float = Field(default=2.0, ge=1.0, le=10.0)  # each quiet tick waits this much longer


MAX_BACKOFF_STEPS = 32  # past this the cap has long been reached; keeps the power finite


def poll_delay(quiet_ticks: int, timings: WorkflowTimings) -> float:
    """How long to wait before polling the providers again after `quiet_ticks` ticks in a row that
    moved nothing. A batch takes minutes to hours, so: soon right after a submit or a change (the
    first interval), then longer each quiet tick, never past the longest interval (nor below the first)."""
    longest = max(timings.poll_max_interval_seconds, timings.poll_interval_seconds)
    grown = timings.poll_interval_seconds * timings.poll_backoff ** min(max(quiet_ticks, 0), MAX_BACKOFF_STEPS)
    return min(longest, grown)


class FollowUp(BaseModel):
    """One task to send next, with its arguments and how long to wait first."""

    model_config = ConfigDict(frozen=True)

    task: Task
    arguments: dict[str, str | int] = {}
    delay_seconds: float = 0.0


class ScanRequest(BaseModel):
    """The arguments the scan task travels with: its key, what started it and, when the pipeline
    should run once it ends, that run's key (empty for none)."""

    model_config = ConfigDict(frozen=True)

    key: str = ""
    trigger: str = "api"
    then_pipeline_key: str = ""

    def as_arguments(self) -> dict[str, str | int]:
        return {"key": self.key, "trigger": self.trigger, "then_pipeline_key": self.then_pipeline_key}


def retry_scan_later(request: ScanRequest, timings: WorkflowTimings) -> tuple[FollowUp, ...]:
    """Another scan is running: the same request comes back after the busy wait."""
    return (
        FollowUp(task=Task.SCAN_CAFE, arguments=request.as_arguments(), delay_seconds=timings.scan_busy_retry_seconds),
    )


def after_scan(request: ScanRequest) -> tuple[FollowUp, ...]:
    """A scan ended (finished, or stopped because the Naver session expired): the pipeline runs over
    what was recorded when the request asked for it."""
    if not request.then_pipeline_key:
        return ()
    return (
        FollowUp(
            task=Task.START_PIPELINE_RUN, arguments={"key": request.then_pipeline_key, "trigger": request.trigger}
        ),
    )


def after_run_started(run_id: str, *, finished: bool) -> tuple[FollowUp, ...]:
    """A run that is not finished takes its first step at once."""
    return () if finished else (FollowUp(task=Task.PIPELINE_STEP, arguments={"run_id": run_id}),)


def after_tick(
    run_id: str | None,
    *,
    done: bool,
    made_progress: bool,
    timings: WorkflowTimings,
    quiet_ticks: int = 0,
    planned_stamp: str = "",
) -> tuple[FollowUp, ...]:
    """While a run has work in flight it steps again: at once when the tick moved something (the next
    step may have work ready), else after `poll_delay`, the step carrying how many quiet ticks came
    before it so the wait grows while the providers report no change, and the stamp of the last
    plan (when there is one to keep) so the next step plans only if something changed."""
    if not run_id or done:
        return ()
    if made_progress:
        return (FollowUp(task=Task.PIPELINE_STEP, arguments={"run_id": run_id}),)
    arguments: dict[str, str | int] = {"run_id": run_id, "quiet_ticks": quiet_ticks + 1}
    if planned_stamp:
        arguments["planned_stamp"] = planned_stamp
    delay = poll_delay(quiet_ticks, timings)
    return (FollowUp(task=Task.PIPELINE_STEP, arguments=arguments, delay_seconds=delay),)


def nightly_work(now: datetime) -> tuple[FollowUp, ...]:
    """The night's work: scan first; the scan starts the pipeline run for the same key when it ends
    (a second trigger for the night finds the same scan and run)."""
    key = nightly_key(now)
    arguments = ScanRequest(key=key, trigger=RunTrigger.SCHEDULE.value, then_pipeline_key=key).as_arguments()
    return (FollowUp(task=Task.SCAN_CAFE, arguments=arguments),)


def periodic_poll_work() -> tuple[FollowUp, ...]:
    """Every poll: step the open run, and queue again uploads whose processing message was lost."""
    return (FollowUp(task=Task.POLL_PIPELINE), FollowUp(task=Task.REQUEUE_STUCK_CONTENT))


def revocation_retry_work() -> tuple[FollowUp, ...]:
    return (FollowUp(task=Task.RETRY_NAVER_REVOCATIONS),)
