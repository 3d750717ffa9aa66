"""`changple legacy ...`: the cut-over from changple2, the Django monolith changple replaces.

`import` carries the monolith's database (and its MEDIA_ROOT) into the configured store, with
progress bars and a summary table (`--dry-run` writes nothing and says what a run would then cost);
`verify` compares the two stores row by row and exits 0 only when nothing carried differs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    print_json,
    progress_bar,
    run_or_exit,
)

if TYPE_CHECKING:  # the legacy models and use case load when a command runs, not for --help
    from changple_domain.model.legacy import LegacyImportReport, LegacyVerifyReport

legacy_app = typer.Typer(
    help="The cut-over from changple2: import its database, verify the result.", no_args_is_help=True
)

FromUrl = Annotated[str, typer.Option("--from", help="The changple2 database URL (postgresql://... or sqlite:///...).")]


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[Any, int, int], None]]:
    """One bar per table, made when its first page arrives."""
    with progress_bar(transient=False, disable=quiet) as progress:
        bars: dict[str, Any] = {}

        def show(entity: Any, done: int, total: int) -> None:
            name = str(getattr(entity, "value", entity))
            if name not in bars:
                bars[name] = progress.add_task(name, total=total or None)
            progress.update(bars[name], completed=done, total=total or None)

        yield show


def _admin_map(pairs: list[str] | None) -> dict[str, str]:
    mapped: dict[str, str] = {}
    for pair in pairs or ():
        username, _, naver_id = pair.partition("=")
        if not username.strip() or not naver_id.strip():
            err_console.print(f"[bold red]error[/]: --map-admin takes USERNAME=NAVER_ID, not '{escape(pair)}'")
            raise typer.Exit(2)
        mapped[username.strip()] = naver_id.strip()
    return mapped


@legacy_app.command("import")
def legacy_import(
    from_url: FromUrl,
    media: Annotated[
        Path | None, typer.Option("--media", help="changple2's MEDIA_ROOT (Notion content files).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be carried and cost; write nothing.")
    ] = False,
    map_admin: Annotated[
        list[str] | None, typer.Option("--map-admin", help="USERNAME=NAVER_ID: a superuser becomes that Naver account.")
    ] = None,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Carry a changple2 database into changple; run it again to carry only what changed."""
    from changple_domain.use_cases.legacy_import import LegacyImport

    cmd = LegacyImport(dry_run=dry_run, admin_map=_admin_map(map_admin))
    if media is not None and not media.is_dir():
        err_console.print(f"[bold red]error[/]: --media {escape(str(media))} is not a folder")
        raise typer.Exit(2)
    container = container_for(data_dir, migrate=True)
    source = run_or_exit(lambda: container.open_legacy_source(from_url, media_root=media))
    try:
        with _progress(as_json) as show:
            report: LegacyImportReport = run_or_exit(
                lambda: container.import_legacy(cmd, source=source, on_progress=show)
            )
    finally:
        source.close()
    print_json(report.model_dump(mode="json") | {"written": report.written}) if as_json else _show_import(report)


def _show_import(report: LegacyImportReport) -> None:
    table = Table(title="changple2 import" + (" (dry run: nothing written)" if report.dry_run else ""))
    for column in ("entity", "read", "imported", "changed", "unchanged", "kept newer", "refused"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity, tally in report.entities.items():
        counts = (tally.read, tally.imported, tally.changed, tally.unchanged, tally.kept_newer, tally.refused)
        table.add_row(entity.value, *(f"{n:,}" for n in counts))
    console.print(table)
    for refusal in report.refusals:
        console.print(f"refused {refusal.table} #{refusal.legacy_id}: {escape(refusal.reason)}")
    for admin in report.unmapped_admins:
        console.print(f"not carried: superuser '{escape(admin.username)}' (#{admin.legacy_id}): {escape(admin.reason)}")
    for job in report.open_batch_jobs:
        console.print(f"still open at {job.provider}: {job.job_type} job {escape(job.provider_job_id)} (not adopted)")
    if report.first_run is not None:
        cost = report.first_run
        console.print(
            f"first pipeline run: {cost.summaries:,} summaries, {cost.embeddings:,} posts to embed, "
            f"about ${float(cost.batch_cost_usd):,.4f} at batch price"
        )
    if not report.dry_run and report.written == 0:
        console.print("nothing to write: changple already holds everything this database has")


@legacy_app.command("verify")
def legacy_verify(from_url: FromUrl, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Compare changple with a changple2 database row by row; exit 0 only when nothing differs."""
    container = container_for(data_dir, migrate=True)
    source = run_or_exit(lambda: container.open_legacy_source(from_url))
    try:
        with _progress(as_json) as show:
            report: LegacyVerifyReport = run_or_exit(lambda: container.verify_legacy(source=source, on_progress=show))
    finally:
        source.close()
    if as_json:
        print_json(report.model_dump(mode="json") | {"identical": report.identical})
    else:
        _show_verify(report)
    raise typer.Exit(0 if report.identical else 1)


def _show_verify(report: LegacyVerifyReport) -> None:
    from changple_domain.model.legacy import LegacyEntity

    table = Table(title="changple2 against changple")
    for column in ("entity", "changple2 rows", "matching in changple"):
        table.add_column(column, justify="left" if column == "entity" else "right")
    for entity, (rows, matched) in report.counts.items():
        table.add_row(LegacyEntity(entity).value, f"{rows:,}", f"{matched:,}")
    console.print(table)
    for difference in report.differences[:200]:
        console.print(f"{difference.entity.value} #{difference.legacy_id}: {escape(difference.problem)}")
    if len(report.differences) > 200:
        console.print(f"... and {len(report.differences) - 200:,} more differences (see --json)")
    console.print(
        "identical: nothing carried is missing or different"
        if report.identical
        else f"{len(report.differences):,} differences"
    )


def attach(app: typer.Typer) -> None:
    app.add_typer(legacy_app, name="legacy")
