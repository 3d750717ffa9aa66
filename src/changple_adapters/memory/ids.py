"""Ids that count up, for tests that want to know the next id: `scan-1`, `scan-2`, `run-1`, ..."""

from __future__ import annotations

import threading
from collections import Counter

from changple_domain.ports import IdSource


class SequentialIds(IdSource):
    def __init__(self) -> None:
        self._issued: Counter[str] = Counter()
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        with self._lock:
            self._issued[prefix] += 1
            return f"{prefix}-{self._issued[prefix]}"
