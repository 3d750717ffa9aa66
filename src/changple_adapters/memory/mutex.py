"""A process-local mutex for tests and single-process use."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from changple_domain.ports import Mutex


class MemoryMutex(Mutex):
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held: dict[str, float] = {}  # name -> expiry (monotonic)

    @contextmanager
    def hold(self, name: str, *, ttl_seconds: float) -> Iterator[bool]:
        now = time.monotonic()
        with self._guard:
            expiry = self._held.get(name)
            acquired = expiry is None or expiry <= now
            if acquired:
                self._held[name] = now + ttl_seconds
        try:
            yield acquired
        finally:
            if acquired:
                with self._guard:
                    self._held.pop(name, None)
