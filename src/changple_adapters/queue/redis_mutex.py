"""A mutex across machines on Redis (redis-py's Lock: SET NX PX with a token, released only by
its holder). The TTL frees it if the holder dies mid-work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis
from redis.exceptions import LockError, RedisError

from changple_domain.errors import ProviderUnavailable
from changple_domain.ports import Mutex


class RedisMutex(Mutex):
    def __init__(self, client: redis.Redis, namespace: str) -> None:
        self._client = client
        self._namespace = namespace

    @contextmanager
    def hold(self, name: str, *, ttl_seconds: float) -> Iterator[bool]:
        lock = self._client.lock(f"{self._namespace}:lock:{name}", timeout=ttl_seconds, blocking=False)
        try:
            acquired = bool(lock.acquire(blocking=False))
        except RedisError as exc:
            raise ProviderUnavailable(f"redis lock '{name}': {exc}") from exc
        try:
            yield acquired
        finally:
            if acquired:
                # If it expired while we worked someone else may hold it now: leave theirs alone.
                with suppress(LockError):
                    lock.release()
