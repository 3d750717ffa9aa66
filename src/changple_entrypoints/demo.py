"""`changple demo`: the main job on the embedded default, with no keys and no servers.
It migrates the SQLite database, scrapes the bundled sample cafe (saved Naver article pages),
evaluates the ingestion policies, shows what is ingested and why the rest is not, runs the
pipeline with the offline providers and ends with two searches."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from changple_adapters.naver.sample import CafeSample
from changple_domain.policies.eligibility import Reason
from changple_domain.use_cases.drive_run import DrivenRun
from changple_domain.use_cases.evaluate_ingestion import IngestionReport
from changple_domain.use_cases.scan_cafe import ScanReport
from changple_domain.use_cases.search import SearchHit, SearchQuery
from changple_entrypoints.cli_pipeline import run_until_done
from changple_entrypoints.cli_support import plural

if TYPE_CHECKING:
    from changple_entrypoints.composition.container import Container

_REASON_LABEL = {
    Reason.ELIGIBLE: "[green]ingest[/]",
    Reason.DELETED: "[red]deleted[/]",
    Reason.MEMBERS_ONLY: "[yellow]members only[/]",
    Reason.AUTHOR_NOT_ALLOWED: "[yellow]author not allowed[/]",
    Reason.AUTHOR_INACTIVE: "[yellow]author disabled[/]",
    Reason.EXCLUDED_BOARD: "[yellow]board excluded[/]",
    Reason.DENIED_PATTERN: "[red]deny pattern[/]",
    Reason.TOO_SHORT: "[yellow]too short[/]",
    Reason.DUPLICATE_CONTENT: "[yellow]duplicate[/]",
}


DEMO_QUERIES = ("가맹계약서에서 꼭 확인해야 할 것", "배달앱 수수료 때문에 남는 게 없어요")


@dataclass(frozen=True)
class DemoResult:
    """Everything the demo shows: the scan of the sample, the verdicts, the run and the searches."""

    sample: CafeSample
    scan: ScanReport
    ingestion: IngestionReport
    driven: DrivenRun
    searches: dict[str, list[SearchHit]]
    providers: dict[str, str]
    database: str


def run_demo(container: Container, *, console: Console, as_json: bool, sample_path: Path | None) -> None:
    """A tour of the main job: it calls several use cases on purpose, one after the other, and shows
    each one's answer (`scan_sample_cafe`, `ingestion_report`, `drive_run`, `search`)."""
    sample, scanned, ingestion = _scan_and_judge(container, console=console, quiet=as_json, sample_path=sample_path)
    if not as_json:  # the verdicts first, then the run's progress line below them, in a pipe as on a screen
        _print_verdicts(console, sample, scanned, ingestion)
    driven = run_until_done(container, key=None, wait=True, quiet=as_json)
    settings = container.settings()
    result = DemoResult(
        sample=sample,
        scan=scanned,
        ingestion=ingestion,
        driven=driven,
        searches={query: container.search(SearchQuery.of(query, 3)) for query in DEMO_QUERIES},
        providers={"summarizer": container.summarizer().provider, "embedder": container.embedder().provider},
        database=str(settings.redacted()["database_url"] or settings.resolved_database_url),
    )
    if as_json:
        from changple_entrypoints.cli_support import print_json

        print_json(_as_json(result))
        return
    _print_run_and_searches(console, result)
    console.print(f"database: {settings.resolved_database_url}")


def _scan_and_judge(
    container: Container, *, console: Console, quiet: bool, sample_path: Path | None
) -> tuple[CafeSample, ScanReport, IngestionReport]:
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=console, transient=True, disable=quiet) as progress:
        step = progress.add_task("scraping the sample cafe", total=None)
        sample, scanned = container.scan_sample_cafe(
            path=sample_path,
            on_article=lambda event: progress.update(
                step, description=f"scraping the sample cafe: #{event.article.article_id} {event.outcome}"
            ),
        )
        progress.update(step, description="evaluating the ingestion policies", total=None, completed=0)
        ingestion = container.ingestion_report(on_verdict=lambda _: progress.advance(step))
    return sample, scanned, ingestion


def _as_json(result: DemoResult) -> dict[str, object]:
    scan, verdicts, run = result.scan.scan, result.ingestion.verdicts, result.driven.run
    reasons = Counter(v.decision.reason.value for v in verdicts)
    return {
        "cafe": result.sample.name,
        "database": result.database,
        "scan": {"id": scan.id, "state": scan.state.value, **scan.counts.model_dump()},
        "statuses": result.ingestion.statuses,
        "posts": len(verdicts),
        "eligible": reasons.get(Reason.ELIGIBLE.value, 0),
        "reasons": dict(reasons),
        "verdicts": [
            {
                "article_id": v.article_id,
                "title": v.title,
                "author": v.author,
                "board": v.board,
                "eligible": v.decision.eligible,
                "reason": v.decision.reason.value,
                "message": v.decision.message,
                "need": v.need.value,
            }
            for v in verdicts
        ],
        "not_stored": [
            {"article_id": s.article_id, "status": s.kind.value, "reason": s.reason} for s in result.ingestion.unstored
        ],
        "providers": result.providers,
        "pipeline": {
            "run": run.model_dump(mode="json"),
            "ticks": result.driven.ticks,
            "failed": [f.model_dump() for f in result.driven.last.plan.failed],
        },
        "search": {q: [h.model_dump() for h in hits] for q, hits in result.searches.items()},
    }


WIDE_ENOUGH = 120  # columns for the verdicts with board, author and reason side by side


def _print_verdicts(console: Console, sample: CafeSample, scanned: ScanReport, ingestion: IngestionReport) -> None:
    """The verdict of every article. On a narrow terminal (or a pipe at 80 columns) the reasons go
    under the table, one line each, instead of folding a word a line inside a thin column."""
    wide = console.width >= WIDE_ENOUGH
    rows = _verdict_rows(ingestion)
    console.print(_verdict_table(f"{sample.name}: what would be ingested", rows, wide=wide))
    reasons = [] if wide else [f"  {row[0]}: {row[5]}" for row in rows if row[5]]
    if reasons:
        console.print("why the others stay out:")
        for line in reasons:
            console.print(line, highlight=False, markup=False)
    counts = scanned.scan.counts
    console.print(
        f"scraped {counts.fetched} article ids from {sample.directory}: {counts.new} new, "
        f"{counts.changed} changed, {counts.unchanged} unchanged, {counts.skipped} skipped for their "
        f"author, {counts.deleted} deleted ({counts.gaps} gaps in ids), {counts.members_only} members-only, "
        f"{counts.errors} errors"
    )


def _verdict_rows(ingestion: IngestionReport) -> list[tuple[str, str, str, str, str, str]]:
    """(article, board, author, title, verdict, why) for stored posts, then for ids never stored."""
    rows = [
        (
            str(v.article_id),
            v.board,
            v.author,
            v.title,
            _REASON_LABEL[v.decision.reason],
            "" if v.decision.eligible else v.decision.message,
        )
        for v in ingestion.verdicts
    ]
    for status in ingestion.unstored:
        verdict = f"[red]{status.kind.value}[/]"
        rows.append((str(status.article_id), "", "", "[dim](not stored)[/]", verdict, status.reason or ""))
    return rows


def _verdict_table(title: str, rows: list[tuple[str, str, str, str, str, str]], *, wide: bool) -> Table:
    table = Table(title=title, show_lines=False, expand=True)
    table.add_column("article", justify="right", style="dim")
    if wide:
        table.add_column("board", no_wrap=True)
    table.add_column("author", no_wrap=True)
    table.add_column("title", overflow="ellipsis", no_wrap=True, ratio=2)
    table.add_column("verdict", no_wrap=True)
    if wide:
        table.add_column("why", overflow="fold", ratio=2)
    for article, board, author, name, verdict, why in rows:
        table.add_row(article, *([board] if wide else []), author, name, verdict, *([why] if wide else []))
    return table


def _print_run_and_searches(console: Console, result: DemoResult) -> None:
    verdicts = result.ingestion.verdicts
    reasons = Counter(v.decision.reason.value for v in verdicts)
    summary = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in reasons.most_common())
    console.print(
        f"[bold]{reasons.get(Reason.ELIGIBLE.value, 0)} of {len(verdicts)} stored posts would be "
        f"ingested[/] ({summary})"
    )
    run, providers = result.driven.run, result.providers
    indexed = plural(run.counts.indexed, "post")
    if run.counts.jobs == 0 and not run.cost_usd:  # a rerun: everything was indexed before
        outcome = f"{indexed} already indexed, nothing sent, $0"
    else:
        outcome = f"{indexed} indexed, {run.counts.failed} failed"
    console.print(
        f"pipeline run [bold]{run.key}[/] {run.state.value} with {providers['summarizer']} summaries and "
        f"{providers['embedder']} embeddings: {outcome}"
    )
    for query, hits in result.searches.items():
        results = Table(title=f"search: {query}", expand=True)
        results.add_column("score", justify="right", no_wrap=True)
        results.add_column("article", justify="right", no_wrap=True)
        results.add_column("title", ratio=2)
        results.add_column("snippet", ratio=3, overflow="ellipsis", no_wrap=True)
        for hit in hits:
            results.add_row(f"{hit.score:.3f}", str(hit.article_id), hit.title, hit.snippet)
        console.print(results)
