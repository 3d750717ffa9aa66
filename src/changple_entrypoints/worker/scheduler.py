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
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from changple_domain.errors import ChangpleError, InvalidSetting
from changple_domain.model.runs import RunTrigger
from changple_domain.model.tasks import Task
from changple_domain.ports import Mutex, TaskQueue

log = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")
LEADER_LOCK = "scheduler"
# The leader refreshes every 20 s; a leader stuck longer than this lets the lock lapse.
LEADER_TTL_SECONDS = 60.0


def nightly_key(now: datetime) -> str:
    """The run key of the night `now` falls in, by the Seoul calendar."""
    return f"nightly:{now.astimezone(SEOUL):%Y-%m-%d}"


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


def build_scheduler(
    *,
    queue: TaskQueue,
    lease: Lease,
    nightly_cron: str,
    poll_every_minutes: int,
    now: Callable[[], datetime],
    revocation_retry_minutes: int = 60,
) -> BlockingScheduler:
    """The schedule; each job checks the lease first, so a standby scheduler stays quiet."""
    try:
        nightly = CronTrigger.from_crontab(nightly_cron, timezone=SEOUL)
    except ValueError as exc:
        raise InvalidSetting(f"setting 'CHANGPLE_NIGHTLY_CRON' is not a crontab line: {exc}") from exc

    def nightly_run() -> None:
        if lease.held():
            key = nightly_key(now())
            log.info("queueing nightly scan and run %s", key)
            # Scrape first; the scan starts the pipeline run for the same key when it ends.
            queue.enqueue(Task.SCAN_CAFE, key=key, trigger=RunTrigger.SCHEDULE.value, then_pipeline_key=key)

    def poll() -> None:
        if lease.held():
            queue.enqueue(Task.POLL_PIPELINE)
            queue.enqueue(Task.REQUEUE_STUCK_CONTENT)  # uploads whose processing message was lost

    def retry_revocations() -> None:
        if lease.held():
            queue.enqueue(Task.RETRY_NAVER_REVOCATIONS)

    scheduler = BlockingScheduler(timezone=SEOUL)
    scheduler.add_job(nightly_run, nightly, id="nightly", coalesce=True, max_instances=1, misfire_grace_time=3600)
    scheduler.add_job(poll, IntervalTrigger(minutes=poll_every_minutes), id="poll", coalesce=True, max_instances=1)
    scheduler.add_job(
        retry_revocations,
        IntervalTrigger(minutes=revocation_retry_minutes),
        id="revocations",
        coalesce=True,
        max_instances=1,
    )
    scheduler.add_job(lease.refresh, IntervalTrigger(seconds=20), id="lease", coalesce=True, max_instances=1)
    return scheduler
