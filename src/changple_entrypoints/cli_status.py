"""`changple pipeline status --run ID` and `changple scrape status ID`: one run or one scan by id,
as a table for people or, with --json, the same document the API answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from changple_entrypoints.cli_support import DataDir, JsonFlag, console, container_for, print_json, run_or_exit

if TYPE_CHECKING:  # the use cases load when a command runs, not for --help
    from changple_domain.use_cases.work_status import RunStatus, ScanStatus


def _facts_table(title: str, facts: dict[str, object]) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("value", overflow="fold")
    for name, value in facts.items():
        table.add_row(name, "" if value is None else str(value))
    return table


def show_run_status(run_id: str, *, as_json: bool, data_dir: DataDir) -> None:
    """Print the run with this id; an unknown id is one sentence and exit code of NotFound."""
    run_status = container_for(data_dir, migrate=True).run_status
    status: RunStatus = run_or_exit(lambda: run_status(run_id))
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    stages = {f"stage {name}": f"{p.done}/{p.total}" for name, p in status.stages.items()}
    facts: dict[str, object] = {"key": status.key, "trigger": status.trigger.value, "state": status.state.value}
    facts |= stages | {f"posts {name}": n for name, n in status.counts.items()}
    facts |= {"cost (batch)": f"${status.cost_usd:,.4f}", "cost (standard)": f"${status.standard_cost_usd:,.4f}"}
    facts |= {"started": status.started_at.isoformat(), "finished": status.finished_at, "error": status.error}
    console.print(_facts_table(f"run {status.id}", facts))


def scrape_status(scan_id: str, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """One scan by id: state, phase, counts, the last id looked at, started, finished, error."""
    scan_status = container_for(data_dir, migrate=True).scan_status
    status: ScanStatus = run_or_exit(lambda: scan_status(scan_id))
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    facts: dict[str, object] = {"key": status.key, "trigger": status.trigger.value, "state": status.state.value}
    facts |= {"phase": status.phase, **status.counts.model_dump(), "last article id": status.last_article_id}
    facts |= {"started": status.started_at.isoformat(), "finished": status.finished_at}
    facts |= {"stopped because": status.stopped_because, "error": status.error}
    console.print(_facts_table(f"scan {status.id}", facts))
