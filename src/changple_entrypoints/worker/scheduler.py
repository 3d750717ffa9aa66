"""`changple scheduler`: APScheduler in one process. Nightly at 04:00 Asia/Seoul it queues the
night's run under the key `nightly:YYYY-MM-DD` (a duplicate trigger finds the same run), and every
30 minutes it queues a poll. Only the scheduler holding the leader lease acts; the others wait,
so starting two by mistake never doubles the work."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from changple_domain.errors import InvalidSetting
from changple_domain.ports import TaskQueue

log = logging.getLogger(__name__)

SEOUL = ZoneInfo("Asia/Seoul")


def nightly_key(now: datetime) -> str:
    """The run key of the night `now` falls in, by the Seoul calendar."""
    return f"nightly:{now.astimezone(SEOUL):%Y-%m-%d}"


class Lease:
    """Leadership held by renewing a lock with a TTL; `held()` says whether we may act now."""

    def __init__(self, acquire: Callable[[], bool], renew: Callable[[], bool]) -> None:
        self._acquire, self._renew = acquire, renew
        self._held = False
        self._lock = threading.Lock()

    def refresh(self) -> bool:
        with self._lock:
            self._held = self._renew() if self._held else self._acquire()
            return self._held

    def held(self) -> bool:
        return self.refresh()


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
            queue.enqueue("scan_cafe", key=key, trigger="schedule", then_pipeline_key=key)

    def poll() -> None:
        if lease.held():
            queue.enqueue("poll_pipeline")
            queue.enqueue("requeue_stuck_content")  # uploads whose processing message was lost

    def retry_revocations() -> None:
        if lease.held():
            queue.enqueue("retry_naver_revocations")

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


def redis_lease(url: str, namespace: str, ttl_seconds: int = 60) -> Lease:
    """Leadership on Redis: a token lock whose TTL we renew; a dead leader's lease runs out."""
    import redis
    from redis.exceptions import LockError, RedisError

    lock = redis.Redis.from_url(url).lock(f"{namespace}:lock:scheduler", timeout=ttl_seconds, blocking=False)

    def acquire() -> bool:
        try:
            return bool(lock.acquire(blocking=False))
        except RedisError as exc:
            log.warning("scheduler lease: redis unavailable: %s", exc)
            return False

    def renew() -> bool:
        try:
            return bool(lock.reacquire())
        except (LockError, RedisError) as exc:
            log.warning("scheduler lease lost: %s", exc)
            return False

    return Lease(acquire, renew)


def file_lease(path: str) -> Lease:
    """Leadership on one machine: an exclusive flock held for the life of the process."""
    import fcntl
    import os

    handle: dict[str, int] = {}

    def acquire() -> bool:
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        handle["fd"] = fd
        return True

    return Lease(acquire, lambda: "fd" in handle)
