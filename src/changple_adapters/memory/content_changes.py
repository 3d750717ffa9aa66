"""Content changes in one process: a counter (the memory storage, and tests)."""

from __future__ import annotations

import threading
from collections.abc import Hashable

from changple_domain.ports import ContentChanges


class MemoryContentChanges(ContentChanges):
    """One process: a counter."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0

    def current(self) -> Hashable | None:
        return self._generation

    def bump(self) -> None:
        with self._lock:
            self._generation += 1
