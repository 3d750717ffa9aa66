"""Dramatiq actors: one per Task, each carrying out the bound work the composition root hands over
(`composition/background.py`). An actor logs what the work did and sends the follow-ups the domain
decided (`policies/workflow.py`); it holds no rule of its own. Actors are bound to an explicit
broker, never Dramatiq's global one, so tests and processes can build as many brokers as they like."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import dramatiq

from changple_domain.errors import InvalidSetting
from changple_domain.model.tasks import Task
from changple_domain.policies.workflow import NEEDS_OPTIONAL_INTEGRATION
from changple_domain.ports import TaskQueue
from changple_domain.use_cases.background import TaskOutcome

log = logging.getLogger(__name__)

QUEUE = "changple"
MAX_RETRIES = 5
SCAN_MAX_RETRIES = 3


def carry_out(task: Task, work: Callable[..., TaskOutcome], queue: Callable[[], TaskQueue]) -> Callable[..., None]:
    """The actor body for `task`: run the work, log its outcome, send its follow-ups."""

    def run(*args: Any, **kwargs: Any) -> None:
        try:
            outcome = work(*args, **kwargs)
        except InvalidSetting as exc:
            if task not in NEEDS_OPTIONAL_INTEGRATION:
                raise
            log.info("%s skipped: %s", task.value, exc.detail)
            return
        log.info("%s", outcome.summary)
        for warning in outcome.warnings:
            log.warning("%s: %s", task.value, warning)
        for follow_up in outcome.follow_ups:
            queue().enqueue(follow_up.task, delay_seconds=follow_up.delay_seconds, **follow_up.arguments)

    run.__name__ = task.value
    run.__doc__ = getattr(work, "__doc__", None)
    return run


def register_actors(
    broker: dramatiq.Broker,
    work: Mapping[Task, Callable[..., TaskOutcome]],
    *,
    queue: Callable[[], TaskQueue],
    scan_time_limit_seconds: float,
) -> dict[Task, dramatiq.Actor[Any, Any]]:
    """Declare one actor per task on `broker`. A scan can run for half an hour (its time budget);
    Dramatiq's default limit is ten minutes, so the scan's actor gets `scan_time_limit_seconds`."""
    missing = set(Task) - set(work)
    if missing:
        raise ValueError(f"no work bound for tasks: {sorted(missing)}")
    actors: dict[Task, dramatiq.Actor[Any, Any]] = {}
    for task in Task:
        options: dict[str, Any] = {"max_retries": MAX_RETRIES}
        if task is Task.SCAN_CAFE:
            options = {"max_retries": SCAN_MAX_RETRIES, "time_limit": int(scan_time_limit_seconds * 1000)}
        declare = dramatiq.actor(broker=broker, actor_name=task.value, queue_name=QUEUE, **options)
        actors[task] = declare(carry_out(task, work[task], queue))
    return actors
