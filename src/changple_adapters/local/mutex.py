"""A mutex across processes on one machine (the embedded mode: `serve` and the CLI may run at
once): an exclusive, non-blocking `flock` on a file in the data directory. The kernel frees it
when the holder dies, so no TTL is needed."""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from changple_adapters.private_paths import private_directory
from changple_domain.ports import Mutex


class FileMutex(Mutex):
    def __init__(self, directory: Path) -> None:
        self._directory = directory
        # flock is per process; a thread lock per name keeps our own threads apart too (one lock for
        # every name would let a half-hour scan turn every pipeline tick away).
        self._threads: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextmanager
    def hold(self, name: str, *, ttl_seconds: float) -> Iterator[bool]:
        with self._guard:
            thread_lock = self._threads.setdefault(name, threading.Lock())
        if not thread_lock.acquire(blocking=False):
            yield False
            return
        try:
            private_directory(self._directory)
            fd = os.open(self._directory / f"{name}.lock", os.O_CREAT | os.O_RDWR, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    yield False
                    return
                try:
                    yield True
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            thread_lock.release()
