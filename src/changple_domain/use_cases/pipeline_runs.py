"""Start pipeline runs so that a duplicate trigger for the same slot never doubles the work."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import AlreadyExists
from changple_domain.model.runs import PipelineRun, RunOrigin, RunTrigger
from changple_domain.policies.run_keys import default_run_key
from changple_domain.ports import Clock, IdSource, UnitOfWork

RUN_ID_PREFIX = "run"  # run ids read `run-...`


class StartRun(BaseModel):
    """Start the run named `key`; without a key, a new run named by `origin` (by default the
    trigger's name) and the clock."""

    model_config = ConfigDict(frozen=True)

    key: str | None = Field(default=None, min_length=1, max_length=200)
    trigger: RunTrigger
    origin: RunOrigin | None = None


class StartedRun(BaseModel):
    run: PipelineRun
    created: bool


def start_run(cmd: StartRun, *, uow: UnitOfWork, clock: Clock, ids: IdSource) -> StartedRun:
    """Create the run for the command's key, or return the one that already holds that key. Two callers
    racing on one key both end with the same run: the loser's insert fails on the unique key."""
    now = clock.now()
    key = cmd.key or default_run_key(cmd.origin or RunOrigin.of(cmd.trigger), now)
    run = PipelineRun(id=ids.new_id(RUN_ID_PREFIX), key=key, trigger=cmd.trigger, started_at=now)
    with uow:  # insert first: a new key (every API trigger) costs one write, a taken one a read more
        try:
            uow.runs.add(run)
            uow.commit()
        except AlreadyExists:
            uow.rollback()
        else:
            return StartedRun(run=run, created=True)
    with uow:
        winner = uow.runs.get_by_key(key)
    if winner is None:  # pragma: no cover - the key was just seen taken
        raise AlreadyExists(f"pipeline run key '{key}' is taken but cannot be read")
    return StartedRun(run=winner, created=False)
