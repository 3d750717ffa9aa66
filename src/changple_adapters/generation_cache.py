"""A bounded in-process cache of answers that are good only for the content generation they were
made in (a `ContentChanges` value): the `AnswerCache` port, in process memory. The public columns
list is answered from it."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from changple_domain.ports import AnswerCache


class GenerationCache(AnswerCache):
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
