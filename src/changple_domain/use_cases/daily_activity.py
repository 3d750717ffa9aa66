"""What the pipeline did each day: posts indexed and money spent, for the operations console's
chart. Days are Korean calendar days (the cafe's and the nightly schedule's clock)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import InvalidInput
from changple_domain.model._time import KST
from changple_domain.model.batches import BatchKind
from changple_domain.ports import Clock, UnitOfWork

MAX_DAYS = 366


class DayActivity(BaseModel):
    """One day: posts the embedding jobs applied that day indexed, summaries made, and the cost of
    every job applied that day at batch prices and at standard prices."""

    model_config = ConfigDict(frozen=True)

    day: date
    posts_indexed: int = Field(default=0, ge=0)
    posts_summarized: int = Field(default=0, ge=0)
    cost_usd: Decimal = Decimal(0)
    standard_cost_usd: Decimal = Decimal(0)


def daily_activity(*, uow: UnitOfWork, clock: Clock, days: int = 30) -> list[DayActivity]:
    """The last `days` days up to today, oldest first, one entry per day (zeros included), counted
    from the jobs applied on each day. A job counts on the day its results were applied."""
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"days must be between 1 and {MAX_DAYS}, not {days}")
    today = clock.now().astimezone(KST).date()
    first = today - timedelta(days=days - 1)
    with uow:
        jobs = uow.batches.applied_since(datetime.combine(first, time(), tzinfo=KST))
    totals = {first + timedelta(days=n): DayActivity(day=first + timedelta(days=n)) for n in range(days)}
    for job in jobs:
        day = job.applied_at.astimezone(KST).date()
        current = totals.get(day)
        if current is None:  # applied "in the future" by a clock that ran ahead: not today's chart
            continue
        done = job.completed_requests
        totals[day] = current.model_copy(
            update={
                "posts_indexed": current.posts_indexed + (done if job.kind is BatchKind.EMBED else 0),
                "posts_summarized": current.posts_summarized + (done if job.kind is BatchKind.SUMMARIZE else 0),
                "cost_usd": current.cost_usd + job.estimated_cost_usd,
                "standard_cost_usd": current.standard_cost_usd + job.standard_cost_usd,
            }
        )
    return list(totals.values())
