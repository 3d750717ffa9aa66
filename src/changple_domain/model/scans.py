"""Scan runs: one walk over the cafe's article ids, with counts a person can read while it runs."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.model._time import UtcDatetime
from changple_domain.model.runs import RunState, RunTrigger


class ScanCounts(BaseModel):
    """What a scan found so far. The field names are the keys of the stored JSON and of the HTTP and
    CLI output, so a row written before this model (a dict, perhaps with keys missing) still loads."""

    model_config = ConfigDict(frozen=True)

    fetched: int = 0  # article ids looked at
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    members_only: int = 0
    skipped: int = 0  # refused for their author
    errors: int = 0
    gaps: int = 0  # missing ids followed by an existing one: deleted posts

    def plus(self, **more: int) -> ScanCounts:
        """These counts with `more` added, by field name."""
        return self.model_copy(update={name: getattr(self, name) + n for name, n in more.items()})


SCAN_ID_PREFIX = "scan"  # scan ids read `scan-...`


class ScanRun(BaseModel):
    """`key` is unique (for example `nightly:2026-11-22`): a second trigger for the same slot finds
    this scan instead of starting another. `last_article_id` is the last id looked at, so a
    person watching can see where the walk is."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=200)
    trigger: RunTrigger
    state: RunState = RunState.RUNNING
    phase: str = "starting"
    counts: ScanCounts = ScanCounts()
    last_article_id: int | None = None
    stopped_because: str | None = None
    error: str | None = None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None

    @property
    def not_started(self) -> bool:
        """Recorded but nothing fetched yet: a worker may take it up. Anything else ran already."""
        return self.state is RunState.RUNNING and not self.counts.fetched

    @property
    def walked(self) -> bool:
        """Still `running` with ids already looked at. Seen by a scan that holds the scan lock, it
        means the walker died (the lock is the scan's lease and lapses with its holder)."""
        return self.state is RunState.RUNNING and bool(self.counts.fetched)

    def interrupted(self, *, at: datetime) -> ScanRun:
        """Marked as stopped by its worker's death; the scan that found it resumes after the highest
        id it recorded."""
        stopped = f"its worker stopped after article {self.last_article_id}; a later scan went on from there"
        return self.model_copy(update={"state": RunState.INTERRUPTED, "finished_at": at, "stopped_because": stopped})

    def progressed(self, *, phase: str, counts: ScanCounts, last_article_id: int | None) -> ScanRun:
        return self.model_copy(update={"phase": phase, "counts": counts, "last_article_id": last_article_id})

    def finished(self, *, at: datetime, stopped_because: str | None = None, error: str | None = None) -> ScanRun:
        state = RunState.FAILED if error else RunState.SUCCEEDED
        return self.model_copy(
            update={"state": state, "finished_at": at, "stopped_because": stopped_because, "error": error}
        )
