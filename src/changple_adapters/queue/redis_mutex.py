"""A mutex across machines on Redis (redis-py's Lock: SET NX PX with a token, released only by
its holder), held as a lease: taken for a short time and renewed while its holder works, so a
holder that dies (SIGKILL, a lost machine) frees it within one lease, not after the whole TTL."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis
from redis.exceptions import LockError, LockNotOwnedError, RedisError
from redis.lock import Lock

from changple_domain.errors import InvalidSetting, ProviderUnavailable
from changple_domain.ports import Mutex

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 30.0


class RedisMutex(Mutex):
    def __init__(self, client: redis.Redis, namespace: str, *, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> None:
        if lease_seconds <= 0:
            raise InvalidSetting(f"the lock lease must be positive, got {lease_seconds}")
        self._client = client
        self._namespace = namespace
        self._lease_seconds = lease_seconds

    @contextmanager
    def hold(self, name: str, *, ttl_seconds: float) -> Iterator[bool]:
        """`ttl_seconds` stays the most a holder may keep the lock; within it the lease is renewed
        every third of its length by a daemon thread, which dies with the process."""
        lease = min(self._lease_seconds, ttl_seconds)
        # thread_local=False: the renewing thread must see the token the holder's thread took.
        lock = self._client.lock(f"{self._namespace}:lock:{name}", timeout=lease, blocking=False, thread_local=False)
        try:
            acquired = bool(lock.acquire(blocking=False))
        except RedisError as exc:
            raise ProviderUnavailable(f"redis lock '{name}': {exc}") from exc
        stop = threading.Event()
        renewer: threading.Thread | None = None
        if acquired and lease < ttl_seconds:
            renewer = threading.Thread(
                target=_renew,
                args=(lock, name, lease, time.monotonic() + ttl_seconds, stop),
                name=f"lease-{name}",
                daemon=True,
            )
            renewer.start()
        try:
            yield acquired
        finally:
            stop.set()
            if renewer is not None:
                renewer.join()
            if acquired:
                # If it expired while we worked someone else may hold it now: leave theirs alone.
                with suppress(LockError, RedisError):
                    lock.release()


def _renew(lock: Lock, name: str, lease: float, deadline: float, stop: threading.Event) -> None:
    """Push the lease's expiry back while the holder works, until it lets go or overruns its TTL."""
    while not stop.wait(lease / 3):
        if time.monotonic() >= deadline:
            log.warning("lock '%s' held past its TTL: no longer renewed", name)
            return
        try:
            lock.reacquire()
        except LockNotOwnedError:
            log.warning("lock '%s' was lost (expired while Redis was unreachable?)", name)
            return
        except RedisError as exc:  # a blip: the lease still has two thirds left; try again
            log.warning("renewing lock '%s' failed: %s", name, exc)
