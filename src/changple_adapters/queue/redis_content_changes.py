"""Content changes among every process of a deployment with Redis: a counter in Redis."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable

import redis

from changple_domain.ports import ContentChanges

log = logging.getLogger(__name__)


class RedisContentChanges(ContentChanges):
    """Every process of the deployment: a counter in Redis. When Redis does not answer, readers
    get `None` (and read the database); a bump that fails is logged, and caches expire on age.

    The counter is read at most every `refresh_seconds` (a Redis round trip was most of a cached
    answer's cost), so another process's change shows within that time; this process's own bumps
    show at once."""

    def __init__(
        self,
        client: redis.Redis,
        key: str,
        *,
        refresh_seconds: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._key = key
        self._refresh = refresh_seconds
        self._clock = clock
        self._seen: tuple[Hashable, float] | None = None  # (generation, when it was read)

    def current(self) -> Hashable | None:
        now = self._clock()
        seen = self._seen
        if seen is not None and now - seen[1] < self._refresh:
            return seen[0]
        try:
            value: Hashable = self._client.get(self._key) or b"0"
        except redis.RedisError:
            self._seen = None
            return None
        self._seen = (value, now)
        return value

    def bump(self) -> None:
        try:
            value = self._client.incr(self._key)
        except redis.RedisError as exc:
            self._seen = None
            log.warning("content changed, but the change could not be announced in Redis: %s", exc)
            return
        self._seen = (str(value).encode(), self._clock())
