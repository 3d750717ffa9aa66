"""`changple demo`: the main job on the embedded default, with no keys and no servers.
It migrates the SQLite database, scrapes the bundled sample cafe (saved Naver article pages),
evaluates the ingestion policies, shows what is ingested and why the rest is not, runs the
pipeline with the offline providers and ends with two searches."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from changple_domain.policies.eligibility import Reason
from changple_domain.use_cases.evaluate_ingestion import (
    EvaluateIngestion,
    PostVerdict,
    iter_unstored,
    iter_verdicts,
)
from changple_domain.use_cases.search import SearchQuery
from changple_entrypoints.cli_pipeline import run_until_done
from changple_entrypoints.composition.container import Container
from changple_entrypoints.sample_data import scan_sample_cafe

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


def run_demo(container: Container, *, console: Console, as_json: bool, sample_path: Path | None) -> None:
    from changple_entrypoints.cli_support import print_json

    settings = container.settings()
    uow, clock, policy = container.uow(), container.clock(), container.ingestion_policy()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
        disable=as_json,
    ) as progress:
        step = progress.add_task("scraping the sample cafe", total=None)
        sample, scanned = scan_sample_cafe(
            uow=uow,
            clock=clock,
            policy=policy,
            scan_policy=container.scan_policy(),
            mutex=container.mutex(),
            ids=container.ids(),
            path=sample_path,
            on_article=lambda event: progress.update(
                step, description=f"scraping the sample cafe: #{event.article.article_id} {event.outcome}"
            ),
        )
        scan = scanned.scan
        with uow:
            total = uow.posts.count()
        progress.update(step, description="evaluating the ingestion policies", total=total, completed=0)
        verdicts: list[PostVerdict] = []
        for verdict in iter_verdicts(EvaluateIngestion(policy=policy), uow=uow):
            verdicts.append(verdict)
            progress.advance(step)
        unstored = list(iter_unstored(uow=uow))
        with uow:
            status_counts = {kind.value: n for kind, n in uow.statuses.counts().items()}

    reasons = Counter(v.decision.reason.value for v in verdicts)
    driven = run_until_done(container, key=None, wait=True, quiet=as_json)
    run = driven.run
    searches = {query: container.search(SearchQuery.of(query, 3)) for query in DEMO_QUERIES}
    providers = {"summarizer": container.summarizer().provider, "embedder": container.embedder().provider}
    if as_json:
        print_json(
            {
                "cafe": sample.name,
                "database": settings.redacted()["database_url"] or settings.resolved_database_url,
                "scan": {"id": scan.id, "state": scan.state.value, **scan.counts.model_dump()},
                "statuses": status_counts,
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
                    {"article_id": s.article_id, "status": s.kind.value, "reason": s.reason} for s in unstored
                ],
                "providers": providers,
                "pipeline": {
                    "run": run.model_dump(mode="json") if run else None,
                    "ticks": driven.ticks,
                    "failed": [f.model_dump() for f in driven.last.plan.failed],
                },
                "search": {q: [h.model_dump() for h in hits] for q, hits in searches.items()},
            }
        )
        return

    table = Table(title=f"{sample.name}: what would be ingested", show_lines=False, expand=True)
    table.add_column("article", justify="right", style="dim")
    table.add_column("board", no_wrap=True)
    table.add_column("author", no_wrap=True)
    table.add_column("title", overflow="ellipsis", no_wrap=True, ratio=2)
    table.add_column("verdict", no_wrap=True)
    table.add_column("why", overflow="fold", ratio=2)
    for v in verdicts:
        table.add_row(
            str(v.article_id),
            v.board,
            v.author,
            v.title,
            _REASON_LABEL[v.decision.reason],
            "" if v.decision.eligible else v.decision.message,
        )
    for status in unstored:
        table.add_row(
            str(status.article_id), "", "", "[dim](not stored)[/]", f"[red]{status.kind.value}[/]", status.reason or ""
        )
    console.print(table)
    counts = scan.counts
    console.print(
        f"scraped {counts.fetched} article ids from {sample.directory}: {counts.new} new, "
        f"{counts.changed} changed, {counts.unchanged} unchanged, {counts.skipped} skipped for their "
        f"author, {counts.deleted} deleted ({counts.gaps} gaps in ids), {counts.members_only} members-only, "
        f"{counts.errors} errors"
    )
    summary = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in reasons.most_common())
    console.print(
        f"[bold]{reasons.get(Reason.ELIGIBLE.value, 0)} of {len(verdicts)} stored posts would be "
        f"ingested[/] ({summary})"
    )
    if run is not None:
        console.print(
            f"pipeline run [bold]{run.key}[/] {run.state.value} with {providers['summarizer']} summaries and "
            f"{providers['embedder']} embeddings: {run.counts.indexed} posts indexed, "
            f"{run.counts.failed} failed"
        )
    for query, hits in searches.items():
        results = Table(title=f"search: {query}", expand=True)
        results.add_column("score", justify="right", no_wrap=True)
        results.add_column("article", justify="right", no_wrap=True)
        results.add_column("title", ratio=2)
        results.add_column("snippet", ratio=3, overflow="ellipsis", no_wrap=True)
        for hit in hits:
            results.add_row(f"{hit.score:.3f}", str(hit.article_id), hit.title, hit.snippet)
        console.print(results)
    console.print(f"database: {settings.resolved_database_url}")
