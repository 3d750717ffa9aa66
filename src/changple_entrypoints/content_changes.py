"""Knowing, cheaply and across processes, whether content changed: the public columns list is
answered from a small cache that is good only for the content generation it was made in.

Every unit of work that commits a content write (upload, processing into published or failed,
edit, delete; from the API, the worker or the CLI) calls `bump()` right after its commit. The
generation lives where every process that writes content can see it: in Redis when the deployment
has Redis, in a file of the data directory in embedded mode (the CLI on the same machine writes it
too), in process memory for the memory storage."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path

import redis

from changple_adapters.private_paths import private_directory

log = logging.getLogger(__name__)


class ContentChanges:
    """A value that changes whenever content is committed; `None` when it cannot be told."""

    def current(self) -> Hashable | None:
        raise NotImplementedError

    def bump(self) -> None:
        raise NotImplementedError


class LocalContentChanges(ContentChanges):
    """One process: a counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    def current(self) -> Hashable | None:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1


class FileContentChanges(ContentChanges):
    """Processes of one machine: a file replaced on every change, so its inode and mtime differ."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def current(self) -> Hashable | None:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return 0
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def bump(self) -> None:
        private_directory(self._path.parent)
        scratch = self._path.with_name(f"{self._path.name}.{os.getpid()}.{threading.get_ident()}")
        scratch.write_text(str(time.time_ns()))
        os.replace(scratch, self._path)


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


class GenerationCache:
    """Answers kept by key, each good for the generation it was made in and for at most
    `max_age_seconds` (a backstop for a bump that never arrived). At most `max_entries` are kept;
    the least recently used goes first."""

    def __init__(
        self, *, max_entries: int = 64, max_age_seconds: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, float, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries
        self._max_age = max_age_seconds
        self._clock = clock

    def get(self, key: Hashable, generation: Hashable) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            made_in, made_at, body = entry
            if made_in != generation or self._clock() - made_at > self._max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return body

    def put(self, key: Hashable, generation: Hashable, body: bytes) -> None:
        """`generation` must be the one read *before* the answer was computed, so an answer that
        raced a change is never kept under the generation after it."""
        with self._lock:
            self._entries[key] = (generation, self._clock(), body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def make_content_changes(storage: str, redis_url: str | None, namespace: str, data_dir: Path) -> ContentChanges:
    if storage == "memory":
        return LocalContentChanges()
    if redis_url:
        return RedisContentChanges(redis.Redis.from_url(redis_url), f"{namespace}:content-generation")
    return FileContentChanges(data_dir / "content.generation")
