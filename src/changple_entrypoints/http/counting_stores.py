"""Litestar stores that can also count hits in a window atomically, for the per-caller rate limits
(`rate_limits.py`). The rate-limit store is one of these, so it still serves Litestar's own rate
limit middleware (the auth routes) as a plain store.

In Redis the count is one Lua call (INCR, then an expiry on the first hit), so every API process
shares one exact budget; in memory (embedded mode, one process) a lock does the same."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from litestar.stores.base import StorageObject
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import Empty, EmptyType
from redis.asyncio import Redis
from redis.exceptions import RedisError

from changple_domain.errors import ProviderUnavailable

_HIT = b"""
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then
    redis.call('EXPIRE', KEYS[1], ARGV[1])
    ttl = tonumber(ARGV[1])
end
return {count, ttl}
"""


@runtime_checkable
class CountingStore(Protocol):
    async def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        """Count one hit on `key`: (hits in the current window, this one included; seconds until
        the window ends). A window starts with its first hit."""
        ...


class CountingRedisStore(RedisStore):
    def __init__(self, redis: Redis, namespace: str | EmptyType | None = Empty, handle_client_shutdown: bool = False):
        super().__init__(redis, namespace=namespace, handle_client_shutdown=handle_client_shutdown)
        self._hit_script = self._redis.register_script(_HIT)

    async def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        try:
            count, ttl = await self._hit_script(keys=[self._make_key(key)], args=[window_seconds])
        except RedisError as exc:
            raise ProviderUnavailable(f"the rate-limit store (Redis) did not answer: {type(exc).__name__}") from exc
        return int(count), max(int(ttl), 1)


class CountingMemoryStore(MemoryStore):
    PRUNE_EVERY = 1000  # hits between sweeps of ended windows, so old addresses do not pile up

    def __init__(self) -> None:
        super().__init__()
        self._hits_since_prune = 0

    async def hit(self, key: str, window_seconds: int) -> tuple[int, int]:
        async with self._lock:
            self._prune()
            stored = self._store.get(key)
            if stored is None or stored.expired or stored.expires_at is None:
                stored = StorageObject.new(data=b"1", expires_in=window_seconds)
            else:
                stored = StorageObject(data=str(int(stored.data) + 1).encode(), expires_at=stored.expires_at)
            self._store[key] = stored
            return int(stored.data), max(stored.expires_in, 1)

    def _prune(self) -> None:
        self._hits_since_prune += 1
        if self._hits_since_prune >= self.PRUNE_EVERY:
            self._hits_since_prune = 0
            for ended in [k for k, v in self._store.items() if v.expired]:
                del self._store[ended]
