"""Pipeline runs: one per schedule slot or manual trigger, with progress a person can read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from changple_domain.model._time import UtcDatetime


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    API = "api"


class RunOrigin(StrEnum):
    """Who asked for a run. It names the key minted for a run asked for without one; it is not
    stored (the trigger is), and each value but the console's is its trigger's."""

    SCHEDULE = "schedule"
    CLI = "manual"
    CONSOLE = "ops"
    API = "api"

    @classmethod
    def of(cls, trigger: RunTrigger) -> RunOrigin:
        """The origin a trigger names when the caller says no more."""
        return cls(trigger.value)


class RunState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # a scan whose worker died mid-walk; a later scan went on from there


class StageProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    done: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)


class RunCounts(BaseModel):
    """Where a run's posts stand, as its last tick counted them. The field names are the keys the
    store has always written, so old rows load as they are."""

    model_config = ConfigDict(frozen=True)

    needs_summary: int = Field(default=0, ge=0)
    needs_embedding: int = Field(default=0, ge=0)
    needs_removal: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    indexed: int = Field(default=0, ge=0)
    ineligible: int = Field(default=0, ge=0)
    jobs: int = Field(default=0, ge=0)
    open_jobs: int = Field(default=0, ge=0)

    @property
    def counted(self) -> bool:
        """False for a run no tick has counted yet (its counts were never given)."""
        return bool(self.model_fields_set)

    def as_written(self) -> dict[str, int]:
        """The counts as stored and shown: `{}` until a tick has counted the run, then every count."""
        return self.model_dump() if self.counted else {}


class PipelineRun(BaseModel):
    """A run of the pipeline. `key` is unique (for example `nightly:2026-11-22`), so a second
    trigger for the same slot finds the existing run instead of doubling the work."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=200)
    trigger: RunTrigger
    state: RunState = RunState.RUNNING
    stages: dict[str, StageProgress] = Field(default_factory=dict)
    counts: RunCounts = Field(default_factory=RunCounts)
    cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)
    error: str | None = None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None

    @field_serializer("counts")
    def _counts_as_written(self, counts: RunCounts) -> dict[str, int]:
        return counts.as_written()

    def with_stage(self, stage: str, *, done: int, total: int) -> PipelineRun:
        return self.model_copy(update={"stages": {**self.stages, stage: StageProgress(done=done, total=total)}})

    def finished(self, *, at: datetime, error: str | None = None) -> PipelineRun:
        state = RunState.FAILED if error else RunState.SUCCEEDED
        return self.model_copy(update={"state": state, "finished_at": at, "error": error})
