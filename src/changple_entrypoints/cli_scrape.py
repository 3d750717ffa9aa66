"""`changple scrape`: walk the cafe and record what is there, with a progress bar for people and
one JSON object per article id for scripts."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from changple_entrypoints.cli_status import scrape_status
from changple_entrypoints.cli_support import DataDir, console, container_for, err_console, progress_bar, run_or_exit
from changple_entrypoints.runtime import settle_after_boot

if TYPE_CHECKING:  # the use case loads when a command runs, not for --help
    from changple_domain.use_cases.scan_cafe import ScanCafe, ScanEvent, ScanReport


def event_json(event: ScanEvent) -> dict[str, Any]:
    """The line `--json` prints for one article id (the same fields whatever the outcome)."""
    from changple_domain.policies.change_detection import normalize_text

    post = event.article.post
    return {
        "article_id": event.article.article_id,
        "outcome": event.outcome,
        "phase": event.phase,
        "title": post.title if post else None,
        "author": post.author if post else None,
        "board": post.board if post else None,
        "published_at": post.published_at.isoformat() if post else None,
        "content_length": len(normalize_text(post.content)) if post else None,
        "image_count": len(post.image_urls) if post else None,
        "reason": event.reason,
    }


def scrape(
    ctx: typer.Context,
    from_id: Annotated[int | None, typer.Option("--from-id", min=1, help="Start new ids here.")] = None,
    max_new: Annotated[int | None, typer.Option("--max", min=0, help="At most this many new ids.")] = None,
    snapshot: Annotated[
        Path | None, typer.Option("--snapshot", help="Read saved pages (<id>.html) from this directory.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Fetch and report; write nothing.")] = False,
    rescan_skipped: Annotated[
        bool, typer.Option("--rescan-skipped", help="Fetch ids skipped for their author again.")
    ] = False,
    no_refresh: Annotated[bool, typer.Option("--no-refresh", help="Skip fetching recent posts again.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per article id, then a summary.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Scan the cafe: new ids after the highest known one, recent posts again, failed ids again
    (`changple scrape status ID` shows one scan instead)."""
    if ctx.invoked_subcommand is not None:
        return
    if snapshot is not None and not snapshot.is_dir():
        err_console.print(f"[bold red]error[/]: --snapshot {escape(str(snapshot))} is not a directory of saved pages")
        raise typer.Exit(2)
    overrides = {"cafe_source": "snapshot", "snapshot_dir": snapshot} if snapshot is not None else None
    container = container_for(data_dir, migrate=True, overrides=overrides)
    from changple_domain.use_cases.scan_cafe import ScanCafe

    command = ScanCafe(
        from_id=from_id, max_new=max_new, dry_run=dry_run, rescan_skipped=rescan_skipped, refresh=not no_refresh
    )
    total = max_new if max_new is not None else container.scan_policy().max_new_per_run
    settle_after_boot()
    report = _scan_with_progress(container.scan_cafe, command, total=total, as_json=as_json)
    _show_report(report, dry_run=dry_run, as_json=as_json)


def _scan_with_progress(scan: Callable[..., ScanReport], command: ScanCafe, *, total: int, as_json: bool) -> ScanReport:
    """Run the bound scan with a progress bar (and, with --json, one line per article id)."""
    with progress_bar(transient=True, disable=as_json) as progress:
        bar = progress.add_task("scanning", total=total)

        def show(event: ScanEvent) -> None:
            if as_json:
                sys.stdout.write(json.dumps(event_json(event), ensure_ascii=False) + "\n")
                sys.stdout.flush()
            progress.update(
                bar,
                advance=1 if event.phase == "new" else 0,
                description=f"{event.phase} #{event.article.article_id} {event.outcome}",
            )

        report: ScanReport = run_or_exit(lambda: scan(command, on_article=show))
    return report


def _show_report(report: ScanReport, *, dry_run: bool, as_json: bool) -> None:
    scan = report.scan
    if as_json:
        summary: dict[str, Any] = {
            "scan_id": scan.id,
            "state": scan.state.value,
            "dry_run": dry_run,
            **scan.counts.model_dump(),
        }
        summary |= {"stopped_because": scan.stopped_because, "warnings": report.warnings}
        sys.stdout.write(json.dumps({"summary": summary}, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"scan {scan.id}{' (dry run: nothing written)' if dry_run else ''}")
    counts = scan.counts.model_dump()
    for name in counts:
        table.add_column(name, justify="right")
    table.add_row(*[str(n) for n in counts.values()])
    console.print(table)
    if scan.stopped_because:
        console.print(f"stopped: {scan.stopped_because}")
    for warning in report.warnings:
        err_console.print(f"[bold yellow]warning[/]: {escape(warning)}")


def attach(app: typer.Typer) -> None:
    scrape_app = typer.Typer(invoke_without_command=True)
    scrape_app.callback()(scrape)
    scrape_app.command("status")(scrape_status)
    app.add_typer(scrape_app, name="scrape")
