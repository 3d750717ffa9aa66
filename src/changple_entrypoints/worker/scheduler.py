"""`changple scheduler`: APScheduler in one process. Nightly at 04:00 Asia/Seoul it queues the
night's run under the key `nightly:YYYY-MM-DD` (a duplicate trigger finds the same run), and every
30 minutes it queues a poll. Only the scheduler holding the leader lease acts; the others wait,
so starting two by mistake never doubles the work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from changple_domain.errors import ChangpleError, InvalidSetting
from changple_domain.model._time import KST as SEOUL
from changple_domain.policies.workflow import (
    FollowUp,
    nightly_work,
    periodic_poll_work,
    revocation_retry_work,
)
from changple_domain.ports import Mutex, TaskQueue

log = logging.getLogger(__name__)

LEADER_LOCK = "scheduler"
# The leader refreshes every 20 s; a leader stuck longer than this lets the lock lapse.
LEADER_TTL_SECONDS = 60.0


class Lease:
    """Leadership as a held Mutex (the port: a Redis lock renewed while held, or a file lock).
    `refresh()` lets go and takes it again at once, so a lock lost while Redis was away is noticed
    within one refresh, and at any moment at most one scheduler holds it."""

    def __init__(self, mutex: Mutex, name: str = LEADER_LOCK, ttl_seconds: float = LEADER_TTL_SECONDS) -> None:
        self._mutex, self._name, self._ttl = mutex, name, ttl_seconds
        self._holding: AbstractContextManager[bool] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        with self._lock:
            self._let_go()
            holding = self._mutex.hold(self._name, ttl_seconds=self._ttl)
            try:
                acquired = holding.__enter__()
            except ChangpleError as exc:  # Redis away: not the leader until it answers again
                log.warning("scheduler lease: %s", exc.detail)
                return False
            if acquired:
                self._holding = holding
            else:
                holding.__exit__(None, None, None)
            return acquired

    def held(self) -> bool:
        return self.refresh()

    def release(self) -> None:
        with self._lock:
            self._let_go()

    def _let_go(self) -> None:
        if self._holding is not None:
            holding, self._holding = self._holding, None
            holding.__exit__(None, None, None)


def _when_leading(lease: Lease, queue: TaskQueue, work: Callable[[], tuple[FollowUp, ...]]) -> Callable[[], None]:
    """A job that sends `work()` only while this scheduler holds the lease."""

    def job() -> None:
        if lease.held():
            for follow_up in work():
                log.info("schedule: queueing %s %s", follow_up.task.value, follow_up.arguments)
                queue.enqueue(follow_up.task, delay_seconds=follow_up.delay_seconds, **follow_up.arguments)

    return job


def build_scheduler(
    *,
    queue: TaskQueue,
    lease: Lease,
    nightly_cron: str,
    poll_every_minutes: int,
    now: Callable[[], datetime],
    revocation_retry_minutes: int = 60,
    in_background: bool = False,
) -> BaseScheduler:
    """The schedule; each job checks the lease first, so a standby scheduler stays quiet. What each
    job sends is the workflow policy's (`nightly_work`, `periodic_poll_work`, `revocation_retry_work`).
    `in_background` runs it on a thread of its own (`changple serve` without Redis) instead of
    blocking the caller (`changple scheduler`)."""
    try:
        nightly = CronTrigger.from_crontab(nightly_cron, timezone=SEOUL)
    except ValueError as exc:
        raise InvalidSetting(f"setting 'CHANGPLE_NIGHTLY_CRON' is not a crontab line: {exc}") from exc
    once: dict[str, Any] = {"coalesce": True, "max_instances": 1}
    scheduler: BaseScheduler = (BackgroundScheduler if in_background else BlockingScheduler)(timezone=SEOUL)
    nightly_job = _when_leading(lease, queue, lambda: nightly_work(now()))
    scheduler.add_job(nightly_job, nightly, id="nightly", misfire_grace_time=3600, **once)
    poll_job = _when_leading(lease, queue, periodic_poll_work)
    scheduler.add_job(poll_job, IntervalTrigger(minutes=poll_every_minutes), id="poll", **once)
    revocations_job = _when_leading(lease, queue, revocation_retry_work)
    scheduler.add_job(revocations_job, IntervalTrigger(minutes=revocation_retry_minutes), id="revocations", **once)
    scheduler.add_job(lease.refresh, IntervalTrigger(seconds=20), id="lease", **once)
    return scheduler
