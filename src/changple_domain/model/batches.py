"""Provider batch jobs and their lifecycle.

A job is recorded under our own id *before* the provider is called, and that id travels in the
provider's display name, so a crash between the provider accepting a job and our write of its
provider id can be recovered by looking the job up instead of paying for it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changple_domain.errors import IllegalTransition
from changple_domain.model._time import UtcDatetime, aware_utc


class BatchKind(StrEnum):
    SUMMARIZE = "summarize"
    EMBED = "embed"


class BatchState(StrEnum):
    CREATED = "created"
    SUBMITTED = "submitted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    APPLIED = "applied"

    @property
    def is_open(self) -> bool:
        """Still at the provider (or about to be): worth polling."""
        return self in _OPEN

    @property
    def awaits_apply(self) -> bool:
        """The provider is done with it and we have not yet taken its outcome."""
        return self in _PROVIDER_TERMINAL


_OPEN = frozenset({BatchState.CREATED, BatchState.SUBMITTED, BatchState.RUNNING})
_PROVIDER_TERMINAL = frozenset({BatchState.SUCCEEDED, BatchState.FAILED, BatchState.EXPIRED, BatchState.CANCELLED})

# Every edge of the lifecycle. A provider may skip RUNNING between two polls, and a job that
# never reached the provider can fail or be cancelled from CREATED. APPLIED is the only way out
# of a provider-terminal state, and nothing leaves APPLIED.
TRANSITIONS: dict[BatchState, frozenset[BatchState]] = {
    BatchState.CREATED: frozenset({BatchState.SUBMITTED, BatchState.FAILED, BatchState.CANCELLED}),
    BatchState.SUBMITTED: frozenset({BatchState.RUNNING} | _PROVIDER_TERMINAL),
    BatchState.RUNNING: _PROVIDER_TERMINAL,
    BatchState.SUCCEEDED: frozenset({BatchState.APPLIED}),
    BatchState.FAILED: frozenset({BatchState.APPLIED}),
    BatchState.EXPIRED: frozenset({BatchState.APPLIED}),
    BatchState.CANCELLED: frozenset({BatchState.APPLIED}),
    BatchState.APPLIED: frozenset(),
}


class BatchItem(BaseModel):
    """One post carried by a job, with the content hash it had when the job was submitted."""

    model_config = ConfigDict(frozen=True)

    article_id: int = Field(gt=0)
    content_hash: str
    chunk_count: int = Field(default=1, ge=1)


def new_batch_id(kind: BatchKind, new_id: Callable[[str], str]) -> str:
    """Our own job id: short, unique, and recognizable inside a provider's display name. `new_id`
    is an IdSource's `new_id`."""
    return new_id("sum" if kind is BatchKind.SUMMARIZE else "emb")


class BatchJob(BaseModel):
    """A batch submitted (or about to be) to a provider, and everything we know about it."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    kind: BatchKind
    provider: str
    model: str
    state: BatchState = BatchState.CREATED
    provider_job_id: str | None = None
    run_id: str | None = None
    items: tuple[BatchItem, ...] = ()
    request_count: int = Field(default=0, ge=0)
    input_tokens: int = Field(default=0, ge=0)
    output_tokens: int = Field(default=0, ge=0)
    completed_requests: int = Field(default=0, ge=0)
    failed_requests: int = Field(default=0, ge=0)
    estimated_cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)
    error: str | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    submitted_at: UtcDatetime | None = None
    finished_at: UtcDatetime | None = None
    applied_at: UtcDatetime | None = None

    @field_validator("items")
    @classmethod
    def _one_item_per_post(cls, items: tuple[BatchItem, ...]) -> tuple[BatchItem, ...]:
        seen: set[int] = set()
        for item in items:
            if item.article_id in seen:
                raise ValueError(f"article {item.article_id} appears twice in one batch job")
            seen.add(item.article_id)
        return items

    @property
    def display_name(self) -> str:
        """What we put in the provider's display name (or metadata) to find the job again."""
        return f"changple:{self.id}"

    def can_move_to(self, target: BatchState) -> bool:
        return target == self.state or target in TRANSITIONS[self.state]

    def advance(self, target: BatchState, *, at: datetime, **changes: Any) -> BatchJob:
        """Move to `target`, stamping the matching timestamp, and validate the result. Re-entering
        the current state records the poll's time and `changes`; a second apply changes nothing;
        any edge not in the lifecycle raises IllegalTransition."""
        if not self.can_move_to(target):
            raise IllegalTransition(f"batch job {self.id} cannot go from {self.state.value} to {target.value}")
        reserved = _LIFECYCLE_FIELDS.intersection(changes)
        if reserved:
            raise ValueError(f"advance() sets {sorted(reserved)} itself; they cannot be passed as changes")
        if target is self.state is BatchState.APPLIED:
            return self
        at = aware_utc(at)
        update: dict[str, Any] = {**changes, "state": target, "updated_at": at}
        if target is BatchState.SUBMITTED and self.submitted_at is None:
            update["submitted_at"] = at
        if target in _PROVIDER_TERMINAL and self.finished_at is None:
            update["finished_at"] = at
        if target is BatchState.APPLIED:
            update["applied_at"] = at
        return BatchJob.model_validate({**self.model_dump(), **update})


_LIFECYCLE_FIELDS = frozenset({"state", "updated_at", "created_at", "submitted_at", "finished_at", "applied_at"})


class AppliedJob(BaseModel):
    """What a finished job counted and cost, without its items: the figures of a daily chart."""

    model_config = ConfigDict(frozen=True)

    id: str
    kind: BatchKind
    applied_at: UtcDatetime
    completed_requests: int = Field(default=0, ge=0)
    failed_requests: int = Field(default=0, ge=0)
    estimated_cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)


class BatchTally(BaseModel):
    """How many jobs of one kind and provider are in one state, and what they cost (the batch price
    and what the same requests would have cost at the standard price): a line of the metrics."""

    model_config = ConfigDict(frozen=True)

    kind: BatchKind
    provider: str
    state: BatchState
    jobs: int = Field(ge=0)
    cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)
