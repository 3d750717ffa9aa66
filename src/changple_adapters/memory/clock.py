"""A clock that only moves when told to: deterministic time for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from changple_domain.ports import Clock


class FixedClock(Clock):
    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 22, 3, 0, tzinfo=UTC)
        if self._now.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware start")

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now
