"""Contract of the Mutex port on every implementation, and what each real one promises when its
holder dies: the file lock goes with the process, the Redis lock within one lease."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from changple_adapters.local.mutex import FileMutex
from changple_adapters.memory import MemoryMutex
from changple_adapters.queue.redis_mutex import RedisMutex
from changple_domain.ports import Mutex
from tests.services import require_service

REDIS_URL = "redis://127.0.0.1:6379/0"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_namespace() -> Iterator[str]:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("redis", f"Redis at {REDIS_URL} is not reachable: {exc}")
    namespace = f"changple-test-mutex-{uuid.uuid4().hex[:8]}"
    yield namespace
    keys = list(client.scan_iter(match=f"{namespace}*"))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["memory", "file", "redis"])
def mutex(request: pytest.FixtureRequest, tmp_path: Path) -> Mutex:
    if request.param == "memory":
        return MemoryMutex()
    if request.param == "file":
        return FileMutex(tmp_path / "locks")
    namespace = request.getfixturevalue("redis_namespace")
    return RedisMutex(redis.Redis.from_url(REDIS_URL), namespace, lease_seconds=0.6)


def _taken_elsewhere(mutex: Mutex, name: str) -> bool:
    """Whether another thread (or process, for the real ones) fails to take `name` right now."""
    result: list[bool] = []

    def attempt() -> None:
        with mutex.hold(name, ttl_seconds=60) as held:
            result.append(held)

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join()
    return not result[0]


def test_one_holder_at_a_time_and_free_after(mutex: Mutex) -> None:
    with mutex.hold("pipeline-tick", ttl_seconds=60) as held:
        assert held
        assert _taken_elsewhere(mutex, "pipeline-tick")
        assert not _taken_elsewhere(mutex, "cafe-scan")  # another name is another lock
    assert not _taken_elsewhere(mutex, "pipeline-tick")


def test_a_holder_working_longer_than_the_lease_keeps_the_lock(mutex: Mutex) -> None:
    with mutex.hold("pipeline-tick", ttl_seconds=60) as held:
        assert held
        time.sleep(2.0)  # more than three Redis leases of 0.6 s: renewed, not lost
        assert _taken_elsewhere(mutex, "pipeline-tick")
    assert not _taken_elsewhere(mutex, "pipeline-tick")


def _holder_process(kind: str, target: str) -> subprocess.Popen[str]:
    """A process that takes the lock, says so, and waits to be killed."""
    code = f"""
import sys, time
from pathlib import Path
import redis
from changple_adapters.local.mutex import FileMutex
from changple_adapters.queue.redis_mutex import RedisMutex
kind, target = {kind!r}, {target!r}
client = redis.Redis.from_url({REDIS_URL!r})
mutex = FileMutex(Path(target)) if kind == "file" else RedisMutex(client, target, lease_seconds=2.0)
with mutex.hold("pipeline-tick", ttl_seconds=1800) as held:
    print("held" if held else "refused", flush=True)
    time.sleep(600)
"""
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process


@pytest.mark.parametrize("kind", ["file", "redis"])
def test_a_killed_holder_frees_the_lock_soon_not_after_its_ttl(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    target = str(tmp_path / "locks") if kind == "file" else request.getfixturevalue("redis_namespace")
    mutex: Mutex = FileMutex(Path(target)) if kind == "file" else RedisMutex(redis.Redis.from_url(REDIS_URL), target)
    holder = _holder_process(kind, target)
    try:
        time.sleep(3.0)  # the holder's lease (2 s) has been renewed four times by now
        with mutex.hold("pipeline-tick", ttl_seconds=60) as held:
            assert not held
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        killed_at = time.monotonic()
        while True:
            with mutex.hold("pipeline-tick", ttl_seconds=60) as held:
                if held:
                    break
            assert time.monotonic() - killed_at < 6, "the lock outlived its dead holder by more than a lease"
            time.sleep(0.05)
    finally:
        holder.kill()
        holder.wait(timeout=10)
    assert time.monotonic() - killed_at < (0.5 if kind == "file" else 2.5)  # one lease, not the 30-minute TTL
