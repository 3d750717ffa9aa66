"""Background tasks through the TaskQueue port: the embedded broker with in-process threads,
and the real Redis broker with a worker consuming from it."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import pytest

from changple_adapters.naver.sample import load_sample
from changple_adapters.sql.migrations import upgrade_database
from changple_domain.errors import InvalidInput
from changple_domain.use_cases.catalog import sync_catalog
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.settings import Settings
from changple_entrypoints.worker.actors import QUEUE
from changple_entrypoints.worker.broker import EmbeddedWorker
from tests.services import reachable_redis

REDIS_URL = "redis://127.0.0.1:6379/0"


def _post_count(container: Container) -> int:
    uow = container.uow()
    with uow:
        return uow.posts.count()


def test_embedded_worker_runs_an_enqueued_task(container: Container) -> None:
    worker = EmbeddedWorker(container.broker(), threads=2)
    worker.start()
    try:
        container.task_queue().enqueue("load_sample_cafe")
        container.broker().join(QUEUE, timeout=60_000)
        worker.join()
    finally:
        worker.stop()
    assert _post_count(container) >= 40


def test_unknown_task_is_refused(container: Container) -> None:
    with pytest.raises(InvalidInput, match="no background task named 'nope'"):
        container.task_queue().enqueue("nope")


@pytest.fixture
def redis_container(tmp_path: Path) -> Container:
    client = reachable_redis(REDIS_URL)
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=tmp_path / "data",
        redis_url=REDIS_URL,
        redis_namespace=namespace,
        scan_busy_retry_seconds=0.5,
    )
    upgrade_database(settings.resolved_database_url)
    yield build_container(settings)  # type: ignore[misc]
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)


def test_redis_worker_consumes_what_the_queue_sent(redis_container: Container) -> None:
    redis_container.task_queue().enqueue("load_sample_cafe")
    worker = EmbeddedWorker(redis_container.broker(), threads=1)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while _post_count(redis_container) < 40 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.stop()
    assert _post_count(redis_container) >= 40
    ok, detail = redis_container.broker_check()()
    assert ok
    assert detail == "redis"


def test_redis_worker_runs_a_scan_once_per_key(redis_container: Container) -> None:
    sample = load_sample()
    sync_catalog(sample.authors, sample.brands, uow=redis_container.uow())
    queue = redis_container.task_queue()
    queue.enqueue("scan_cafe", key="redis:scan-1", trigger="api")
    queue.enqueue("scan_cafe", key="redis:scan-1", trigger="api")  # delivered twice: one scan
    worker = EmbeddedWorker(redis_container.broker(), threads=2)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while _post_count(redis_container) < 26 and time.monotonic() < deadline:
            time.sleep(0.2)
        redis_container.broker().join(QUEUE, timeout=30_000)
    finally:
        worker.stop()
    uow = redis_container.uow()
    with uow:
        scan = uow.scans.get_by_key("redis:scan-1")
        scans = uow.scans.recent(limit=10)
    assert scan is not None
    assert scan.state.value == "succeeded"
    assert scan.counts.new == 26
    assert [s.key for s in scans] == ["redis:scan-1"]
    assert _post_count(redis_container) == 26


def test_queue_depths_read_from_redis(redis_container: Container) -> None:
    """What /metrics reports for a Redis queue: ready now, delayed, and dead-lettered messages."""
    queue = redis_container.task_queue()
    queue.enqueue("load_sample_cafe")
    queue.enqueue("load_sample_cafe")
    queue.enqueue("load_sample_cafe", delay_seconds=3600)
    broker = redis_container.broker()
    client = broker.client  # type: ignore[attr-defined]
    client.zadd(f"{broker.namespace}:{QUEUE}.XQ", {"a-dead-message-id": 0})  # type: ignore[attr-defined]
    [depth] = [d for d in redis_container.queue_depths() if d.queue == QUEUE]
    assert (depth.ready, depth.delayed, depth.dead) == (2, 1, 1)
