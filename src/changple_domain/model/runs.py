"""Pipeline runs: one per schedule slot or manual trigger, with progress a person can read."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from changple_domain.model._time import aware_utc


class RunTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    API = "api"


class RunState(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class StageProgress(BaseModel):
    model_config = ConfigDict(frozen=True)

    done: int = Field(default=0, ge=0)
    total: int = Field(default=0, ge=0)


class PipelineRun(BaseModel):
    """A run of the pipeline. `key` is unique (for example `nightly:2026-11-22`), so a second
    trigger for the same slot finds the existing run instead of doubling the work."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=64)
    key: str = Field(min_length=1, max_length=200)
    trigger: RunTrigger
    state: RunState = RunState.RUNNING
    stages: dict[str, StageProgress] = Field(default_factory=dict)
    counts: dict[str, int] = Field(default_factory=dict)
    cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)
    error: str | None = None
    started_at: datetime
    finished_at: datetime | None = None

    @field_validator("started_at", "finished_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return None if value is None else aware_utc(value)

    def with_stage(self, stage: str, *, done: int, total: int) -> PipelineRun:
        return self.model_copy(update={"stages": {**self.stages, stage: StageProgress(done=done, total=total)}})

    def finished(self, *, at: datetime, error: str | None = None) -> PipelineRun:
        state = RunState.FAILED if error else RunState.SUCCEEDED
        return self.model_copy(update={"state": state, "finished_at": at, "error": error})
