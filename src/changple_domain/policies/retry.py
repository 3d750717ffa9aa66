"""Retry with exponential backoff and jitter, and the attempt limit, as pure functions."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from changple_domain.errors import ProviderUnavailable

T = TypeVar("T")


class RetryPolicy(BaseModel):
    """Delays grow as base * factor**attempt up to `max_delay`; half of each delay is random
    ("equal jitter"), so callers that failed together do not retry together yet never retry at once."""

    model_config = ConfigDict(frozen=True)

    base_delay: float = Field(default=1.0, gt=0, le=3600)
    factor: float = Field(default=2.0, ge=1.0, le=10.0)
    max_delay: float = Field(default=300.0, gt=0, le=86_400)
    max_attempts: int = Field(default=5, ge=1, le=50)

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.max_delay < self.base_delay:
            raise ValueError("max_delay must be at least base_delay")
        return self


def backoff_delay(attempt: int, policy: RetryPolicy, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry). `rand` gives [0, 1)."""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    exponent = min(attempt, 64)  # keeps the power finite; the cap applies long before this
    ceiling = min(policy.max_delay, policy.base_delay * policy.factor**exponent)
    half = ceiling / 2
    return half + half * rand()


def may_retry(attempts_made: int, max_attempts: int) -> bool:
    """Whether another attempt is allowed after `attempts_made` failed ones."""
    return attempts_made < max_attempts


def call_with_retry(
    operation: Callable[[], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], None],
    retry_on: tuple[type[BaseException], ...] = (ProviderUnavailable,),
    rand: Callable[[], float] = random.random,
) -> T:
    """Run `operation`, retrying the errors in `retry_on` with backoff until `max_attempts` tries."""
    attempt = 0
    while True:
        try:
            return operation()
        except retry_on:
            attempt += 1
            if not may_retry(attempt, policy.max_attempts):
                raise
            sleep(backoff_delay(attempt - 1, policy, rand))
