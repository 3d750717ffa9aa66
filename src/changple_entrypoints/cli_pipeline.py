"""`changple pipeline ...` and `changple search`: run, poll, status, estimate, reindex, search.
Every command has `--json` for scripts and a rich display for people."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from changple_entrypoints.cli_status import show_run_status
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    print_json,
    progress_bar,
    run_or_exit,
)
from changple_entrypoints.runtime import settle_after_boot

if TYPE_CHECKING:  # the use cases load when a command runs, not for --help
    from changple_domain.model.runs import PipelineRun
    from changple_domain.use_cases.drive_run import DrivenRun
    from changple_domain.use_cases.pipeline_report import PipelineStatus, RunEstimate
    from changple_domain.use_cases.run_pipeline import TickReport
    from changple_domain.use_cases.search import SearchHit
    from changple_entrypoints.composition.container import Container

pipeline_app = typer.Typer(
    help="The ingestion pipeline: summaries, embeddings, the vector index.", no_args_is_help=True
)


def _money(value: object) -> str:
    return f"${float(str(value)):,.4f}"


def run_until_done(
    container: Container, *, key: str | None, wait: bool, quiet: bool, max_ticks: int = 10_000
) -> DrivenRun:
    """Start (or resume) the run for `key` and tick until nothing is left, or once with `wait=False`,
    with a progress bar."""
    settle_after_boot()
    with progress_bar(transient=False, disable=quiet) as progress:
        bar = progress.add_task("run", total=None)

        def show(run: PipelineRun, report: TickReport) -> None:
            plan = report.plan
            progress.update(
                bar,
                total=plan.total or None,
                completed=plan.done,
                description=f"run {run.key}: indexed {plan.done}, "
                f"summarizing {plan.waiting_summary + len(plan.summary)}, "
                f"embedding {plan.waiting_embedding + len(plan.embedding)}, open jobs {report.open_jobs}",
            )

        driven: DrivenRun = container.drive_run(key, wait=wait, on_tick=show, max_ticks=max_ticks)
    return driven


@pipeline_app.command("run")
def pipeline_run(
    as_json: JsonFlag = False,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Submit and return; later polls finish it.")] = False,
    key: Annotated[str | None, typer.Option(help="Run key; the same key never runs twice.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Submit what needs work, then poll and apply until everything is indexed or failed."""
    container = container_for(data_dir)
    driven = run_or_exit(lambda: run_until_done(container, key=key, wait=not no_wait, quiet=as_json))
    _show_run(driven, as_json)


def _counts_sentence(counts: dict[str, int]) -> str:
    """A run's counts as people read them ("23 indexed, 0 failed"), the zeros of unused stages left out."""
    if not counts:
        return "not counted yet"
    always = ("indexed", "failed")
    shown = [f"{n} {name.replace('_', ' ')}" for name, n in counts.items() if n or name in always]
    return ", ".join(shown)


def _show_run(driven: DrivenRun, as_json: bool) -> None:
    run, last = driven.run, driven.last
    payload = {
        "run": run.model_dump(mode="json"),
        "ticks": driven.ticks,
        "done": last.done,
        "failed": [f.model_dump() for f in last.plan.failed],
    }
    if as_json:
        print_json(payload)
        return
    console.print(f"run [bold]{run.key}[/] {run.state.value}: {_counts_sentence(run.counts.as_written())}")
    console.print(f"cost {_money(run.cost_usd)} at batch prices (standard {_money(run.standard_cost_usd)})")
    for failure in last.plan.failed[:20]:
        console.print(f"[red]failed[/] {failure.article_id}: {failure.reason}")


@pipeline_app.command("poll")
def pipeline_poll(as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """One tick: poll open jobs, apply finished ones, submit what became ready."""
    container = container_for(data_dir)
    report: TickReport = run_or_exit(container.tick_latest_open_run)
    if as_json:
        print_json(report.model_dump(mode="json"))
    else:
        console.print(report.model_dump(exclude={"plan"}))


@pipeline_app.command("status")
def pipeline_status_cmd(
    as_json: JsonFlag = False,
    run_id: Annotated[str | None, typer.Option("--run", help="One run by id instead.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Posts by stage, open batch jobs with progress, recent runs and their cost (or one run, --run ID)."""
    if run_id is not None:
        show_run_status(run_id, as_json=as_json, data_dir=data_dir)
        return
    status: PipelineStatus = run_or_exit(container_for(data_dir).pipeline_status)
    if as_json:
        print_json(status.model_dump(mode="json"))
        return
    stages = Table(title="posts by stage")
    stages.add_column("stage")
    stages.add_column("posts", justify="right")
    for stage, count in status.posts_by_stage.items():
        stages.add_row(stage, str(count))
    console.print(stages)
    jobs = Table(title="open batch jobs")
    for column in ("id", "kind", "provider", "state", "done/total", "error"):
        jobs.add_column(column)
    for job in status.open_jobs:
        jobs.add_row(job.id, job.kind, job.provider, job.state, f"{job.completed}/{job.requests}", job.error or "")
    console.print(jobs)
    for run in status.recent_runs[:5]:
        console.print(f"{run.key} {run.state.value} {_money(run.cost_usd)} (standard {_money(run.standard_cost_usd)})")


@pipeline_app.command("estimate")
def pipeline_estimate(as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Dry run: posts, requests, tokens and cost of the next run, without calling a provider."""
    estimate: RunEstimate = run_or_exit(container_for(data_dir).estimate_run)
    if as_json:
        print_json(estimate.model_dump(mode="json"))
        return
    table = Table(title="next run (estimate)")
    for column in ("stage", "posts", "requests", "inputs", "tokens in", "tokens out", "batch", "standard"):
        table.add_column(column, justify="right")
    for name, stage in (("summaries", estimate.summaries), ("embeddings", estimate.embeddings)):
        table.add_row(
            name,
            str(stage.posts),
            str(stage.requests),
            str(stage.inputs),
            str(stage.input_tokens),
            str(stage.output_tokens),
            _money(stage.batch_cost_usd),
            _money(stage.standard_cost_usd),
        )
    console.print(table)
    console.print(
        f"total {_money(estimate.total_batch_cost_usd)} at batch prices, "
        f"{_money(estimate.total_standard_cost_usd)} standard; {estimate.removals} posts leave the index"
    )


@pipeline_app.command("reindex")
def pipeline_reindex(
    post: Annotated[int | None, typer.Option("--post", min=1, help="One article id.")] = None,
    all_posts: Annotated[bool, typer.Option("--all", help="Every post.")] = False,
    summaries: Annotated[bool, typer.Option(help="Summarize again too (after a prompt change).")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Mark posts for embedding (and summarizing) again; the next run redoes them."""
    if (post is None) == (not all_posts):
        raise typer.BadParameter("give exactly one of --post ID or --all")
    reindex = container_for(data_dir).reindex
    count: int = run_or_exit(lambda: reindex(None if all_posts else [post or 0], summaries=summaries))
    if as_json:
        print_json({"marked": count})
    else:
        console.print(f"{count} posts will be {'summarized and ' if summaries else ''}embedded again on the next run")


def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for, in Korean or English.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many posts.")] = 5,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Query the index and print the best posts with their scores."""
    from changple_domain.use_cases.search import SearchQuery

    search = container_for(data_dir).search
    hits: list[SearchHit] = run_or_exit(lambda: search(SearchQuery.of(query, k)))
    if as_json:
        print_json([h.model_dump() for h in hits])
        return
    table = Table(title=f"search: {query}")
    for column in ("score", "article", "board", "title", "snippet"):
        table.add_column(column, overflow="fold")
    for hit in hits:
        table.add_row(f"{hit.score:.3f}", str(hit.article_id), hit.board, hit.title, hit.snippet[:80])
    console.print(table if hits else "no matching posts in the index")


def attach(app: typer.Typer) -> None:
    """Attach `pipeline ...` and `search` to the main app."""
    app.add_typer(pipeline_app, name="pipeline")
    app.command("search")(search_cmd)
