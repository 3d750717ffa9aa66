"""Shaping for the console's templates: money, durations and the 30-day chart.

The chart is an inline SVG drawn here from the numbers: bars for posts indexed, a line for money
spent, each on its own scale. No chart library and no script: it renders where the page renders
(also with scripts off, and under a CSP that allows no inline script), and a table under it holds
the same numbers for screen readers and for tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from changple_domain.model import KST
from changple_domain.use_cases.daily_activity import DayActivity

WIDTH, HEIGHT = 600, 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 48, 12, 24


def money(value: object) -> str:
    amount = Decimal(str(value or 0))
    return f"${amount:,.2f}" if abs(amount) >= 1 else f"${amount:,.4f}"


def saving(cost: object, standard: object) -> str:
    """How much batch prices saved against standard prices, as a person reads it."""
    paid, full = Decimal(str(cost or 0)), Decimal(str(standard or 0))
    if full <= 0:
        return "-"
    return f"{(1 - paid / full) * 100:.0f}% less"


def duration(started: datetime | None, finished: datetime | None) -> str:
    if started is None or finished is None:
        return "running"
    seconds = max(0, int((finished - started).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def when(value: datetime | str | None) -> str:
    """A time on the cafe's clock (Korean time), to the minute."""
    if value is None:
        return "-"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return f"{moment.astimezone(KST):%Y-%m-%d %H:%M} KST"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    line: str  # polyline points for the cost
    max_posts: int
    max_cost: str
    first_day: str
    last_day: str
    baseline: float
    plot_right: float
    days: list[DayActivity]


def chart(days: list[DayActivity]) -> Chart:
    """Bar and line geometry for `days` (oldest first) in a WIDTH x HEIGHT view box."""
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    baseline = PAD_TOP + plot_h
    slot = plot_w / max(1, len(days))
    max_posts = max((d.posts_indexed for d in days), default=0)
    max_cost = max((d.cost_usd for d in days), default=Decimal(0))
    bars, points = [], []
    for n, day in enumerate(days):
        height = plot_h * day.posts_indexed / max_posts if max_posts else 0
        x = PAD_LEFT + n * slot
        bars.append(
            Bar(
                x=round(x + slot * 0.15, 1),
                y=round(baseline - height, 1),
                width=round(slot * 0.7, 1),
                height=round(height, 1),
                label=f"{day.day:%m-%d}: {day.posts_indexed} posts indexed, {money(day.cost_usd)}",
            )
        )
        cost_y = baseline - (plot_h * float(day.cost_usd / max_cost) if max_cost else 0)
        points.append(f"{x + slot / 2:.1f},{cost_y:.1f}")
    return Chart(
        width=WIDTH,
        height=HEIGHT,
        bars=bars,
        line=" ".join(points),
        max_posts=max_posts,
        max_cost=money(max_cost),
        first_day=f"{days[0].day:%m-%d}" if days else "",
        last_day=f"{days[-1].day:%m-%d}" if days else "",
        baseline=baseline,
        plot_right=WIDTH - PAD_RIGHT,
        days=days,
    )


FILTERS = {"money": money, "saving": saving, "when": when}
GLOBALS = {"duration": duration}
