"""The figures an operator's monitoring reads (the /metrics endpoint): posts by stage, batch jobs
and their spend, scan and run outcomes. Every figure is a count or a sum the store answers with an
index or a GROUP BY, so a scrape every few seconds costs little however large the cafe grows (the
console's status, which plans the whole next run, is not for that)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from changple_domain.model.batches import BatchTally
from changple_domain.model.posts import PostStatusKind
from changple_domain.model.runs import RunState
from changple_domain.ports import PostSelection, UnitOfWork


class OperationalFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    posts: dict[PostSelection, int]  # all stored, summary out of date, index out of date, in the index
    statuses: dict[PostStatusKind, int]  # what the last look at each article id found
    batches: list[BatchTally]
    runs: dict[RunState, int]
    scans: dict[RunState, int]


def operational_figures(*, uow: UnitOfWork) -> OperationalFigures:
    with uow:
        return OperationalFigures(
            posts={selection: uow.posts.count(selection) for selection in PostSelection},
            statuses=uow.statuses.counts(),
            batches=uow.batches.tally(),
            runs=uow.runs.count_by_state(),
            scans=uow.scans.count_by_state(),
        )
