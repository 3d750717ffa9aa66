"""The schedule's rules: the nightly key follows the Seoul calendar, a bad crontab is a clear
setting error, and only one scheduler holds the lease."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from changple_adapters.local.mutex import FileMutex
from changple_adapters.memory import MemoryTaskQueue
from changple_adapters.queue.redis_mutex import RedisMutex
from changple_domain.errors import InvalidSetting
from changple_domain.policies.run_keys import nightly_key
from changple_domain.ports import Mutex
from changple_entrypoints.worker.scheduler import Lease, build_scheduler
from tests.services import require_service


class SwitchedMutex(Mutex):
    """A lock that is free exactly while `free["value"]` is true."""

    def __init__(self, free: dict[str, bool]) -> None:
        self.free = free

    @contextmanager
    def hold(self, name: str, *, ttl_seconds: float) -> Iterator[bool]:
        yield self.free["value"]


def test_nightly_key_is_the_seoul_date() -> None:
    assert nightly_key(datetime(2026, 11, 21, 19, 0, tzinfo=UTC)) == "nightly:2026-11-22"  # 04:00 KST
    assert nightly_key(datetime(2026, 11, 21, 14, 59, tzinfo=UTC)) == "nightly:2026-11-21"


def test_bad_crontab_names_the_setting() -> None:
    with pytest.raises(InvalidSetting, match="CHANGPLE_NIGHTLY_CRON"):
        build_scheduler(
            queue=MemoryTaskQueue(),
            lease=Lease(SwitchedMutex({"value": True})),
            nightly_cron="every night",
            poll_every_minutes=30,
            now=lambda: datetime.now(UTC),
        )


def test_scheduled_jobs_act_only_while_holding_the_lease() -> None:
    queue = MemoryTaskQueue()
    held = {"value": False}
    lease = Lease(SwitchedMutex(held))
    scheduler = build_scheduler(
        queue=queue,
        lease=lease,
        nightly_cron="0 4 * * *",
        poll_every_minutes=30,
        now=lambda: datetime(2026, 11, 21, 19, 0, tzinfo=UTC),
    )
    nightly = scheduler.get_job("nightly").func
    poll = scheduler.get_job("poll").func
    revocations = scheduler.get_job("revocations").func
    nightly()
    poll()
    revocations()
    assert queue.enqueued == []
    held["value"] = True
    nightly()
    poll()
    revocations()
    assert queue.enqueued == [
        ("scan_cafe", {"key": "nightly:2026-11-22", "trigger": "schedule", "then_pipeline_key": "nightly:2026-11-22"}),
        ("poll_pipeline", {}),
        ("requeue_stuck_content", {}),
        ("retry_naver_revocations", {}),
    ]


def test_only_one_file_lease_is_held(tmp_path: Path) -> None:
    first, second = Lease(FileMutex(tmp_path)), Lease(FileMutex(tmp_path))
    assert first.refresh() is True
    assert second.refresh() is False
    assert first.refresh() is True


def test_only_one_redis_lease_is_held() -> None:
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        require_service("redis", str(exc))
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(url)
    first = Lease(RedisMutex(client, namespace, lease_seconds=5))
    second = Lease(RedisMutex(client, namespace, lease_seconds=5))
    try:
        assert first.refresh() is True
        assert second.refresh() is False
        assert first.refresh() is True  # renewing keeps it
    finally:
        redis.Redis.from_url(url).delete(f"{namespace}:lock:scheduler")
