"""How a scan of the cafe walks article ids, and how politely.

Naver gives article ids in creation order, with gaps where posts were deleted or never published.
A scan starts after the highest id known to exist and stops after a run of consecutive missing ids:
a run that long means the end of the cafe, not a gap. Misses at the end are not recorded, because
those ids may simply not exist yet and tomorrow's scan must look at them again."""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ScanPolicy(BaseModel):
    """Every knob of a scan, with the defaults practice on Naver settled on."""

    model_config = ConfigDict(frozen=True)

    # Where new ids start while the store knows no article: on the first scan of an existing cafe,
    # set it near the cafe's current ids, or the scan spends its runs on ids long gone.
    first_article_id: int = Field(default=1, ge=1)
    max_new_per_run: int = Field(default=500, ge=1, le=100_000)
    stop_after_missing: int = Field(default=50, ge=1, le=10_000)
    # Errors in a row (timeouts, 5xx after retries) mean the site or our network is down: stop early.
    stop_after_errors: int = Field(default=10, ge=1, le=10_000)
    max_error_attempts: int = Field(default=3, ge=1, le=100)
    refresh_days: int = Field(default=7, ge=0, le=3650)
    max_refresh_per_run: int = Field(default=500, ge=0, le=100_000)
    delay_min_seconds: float = Field(default=0.6, ge=0, le=60)
    delay_max_seconds: float = Field(default=1.2, ge=0, le=60)
    concurrency: int = Field(default=1, ge=1, le=8)
    time_budget_seconds: float = Field(default=1800, gt=0, le=86_400)
    # How many fetched articles are written at once: a crash loses at most this many fetches.
    record_every: int = Field(default=20, ge=1, le=1000)

    @model_validator(mode="after")
    def _delay_range(self) -> ScanPolicy:
        if self.delay_min_seconds > self.delay_max_seconds:
            raise ValueError("delay_min_seconds must not exceed delay_max_seconds")
        return self

    def unpaused(self) -> ScanPolicy:
        """The same policy with no pause between fetches: for saved pages, where politeness is moot."""
        return self.model_copy(update={"delay_min_seconds": 0.0, "delay_max_seconds": 0.0})

    def delay(self, rng: random.Random | None = None) -> float:
        """A random pause between requests, so our traffic does not tick like a machine."""
        if self.delay_max_seconds == 0:
            return 0.0
        return (rng or random).uniform(self.delay_min_seconds, self.delay_max_seconds)


class MissRun:
    """Counts consecutive misses and errors while new ids are walked in order; says when to stop.

    Misses are held back until an existing article follows them (then they were gaps: deleted
    posts) and dropped if the scan stops on them (the end of the cafe, ids not yet used)."""

    def __init__(self, policy: ScanPolicy) -> None:
        self._policy = policy
        self.pending_misses: list[int] = []
        self.errors_in_a_row = 0

    def missed(self, article_id: int) -> None:
        self.pending_misses.append(article_id)

    def errored(self) -> None:
        self.errors_in_a_row += 1

    def found(self) -> list[int]:
        """An article exists: the held misses were gaps; hand them back to be recorded."""
        gaps, self.pending_misses = self.pending_misses, []
        self.errors_in_a_row = 0
        return gaps

    @property
    def stop_reason(self) -> str | None:
        if len(self.pending_misses) >= self._policy.stop_after_missing:
            return f"{len(self.pending_misses)} missing ids in a row: the end of the cafe"
        if self.errors_in_a_row >= self._policy.stop_after_errors:
            return f"{self.errors_in_a_row} errors in a row: the cafe or the network is not answering"
        return None
