"""The `changple` command. Commands are thin: build the container, call a use case, show the result
(a rich table for people, `--json` for scripts). Domain errors become one sentence and an exit code."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from changple_adapters.private_paths import restrict_umask
from changple_entrypoints import (
    cli_accounts,
    cli_catalog,
    cli_content,
    cli_legacy,
    cli_naver,
    cli_pipeline,
    cli_queue,
    cli_scrape,
)
from changple_entrypoints.choices import ENV_PREFIX, HttpServer, Storage
from changple_entrypoints.cli_support import DataDir, console, container_for, err_console, run_or_exit
from changple_entrypoints.logs import configure_logging
from changple_entrypoints.runtime import settle_after_boot

if TYPE_CHECKING:
    from changple_entrypoints.composition.container import Container
    from changple_entrypoints.settings import Settings

app = typer.Typer(
    help="changple core: the cafe ingestion pipeline and its API.", no_args_is_help=True, pretty_exceptions_enable=False
)


def _print_version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        console.print(f"changple {version('changple')}")
        raise typer.Exit(0)


@app.callback()
def _options(
    show_version: Annotated[
        bool, typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True)
    ] = False,
) -> None:
    """changple core: the cafe ingestion pipeline and its API."""


db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
cli_pipeline.attach(app)
cli_catalog.attach(app)
cli_scrape.attach(app)
cli_naver.attach(app)
cli_accounts.attach(app)
cli_content.attach(app)
cli_legacy.attach(app)
cli_queue.attach(app)


@db_app.command("upgrade")
def db_upgrade(data_dir: DataDir = None, revision: str = "head") -> None:
    """Create or migrate the database schema (Alembic) to REVISION."""
    from changple_adapters.sql.migrations import upgrade_database

    container = container_for(data_dir)
    url = container.settings().resolved_database_url
    run_or_exit(lambda: upgrade_database(url, revision))
    console.print(f"database at [bold]{container.settings().redacted()['database_url'] or url}[/] is at {revision}")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    server: Annotated[
        str | None, typer.Option(help="granian or uvicorn; default CHANGPLE_HTTP_SERVER, else granian")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1, max=64, help="processes (granian); default CHANGPLE_HTTP_WORKERS, else 1; above 1 needs Redis"
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Serve the HTTP API and the console at /ops. In embedded mode (no Redis URL) the worker runs
    in this process too, and a one-time login link for the console is printed."""
    if server is not None and server not in set(HttpServer):
        err_console.print(f"[bold red]error[/]: --server must be granian or uvicorn, not {server!r}")
        raise typer.Exit(2)
    from changple_entrypoints.composition.bootstrap import checked_settings

    # Refused before the embedded database is created or migrated: a refusal leaves the data dir as it was.
    _exit_if_workers_refused(run_or_exit(lambda: checked_settings(data_dir)), server=server, workers=workers)
    container = container_for(data_dir, migrate=True)
    serve_container(container, host=host, port=port, server=server, workers=workers)


def _exit_if_workers_refused(settings: Settings, *, server: str | None, workers: int | None) -> None:
    """Exit 2 with one sentence when `workers` processes could not share what one process holds."""
    from changple_entrypoints.http import serving

    refusal = serving.workers_refusal(
        settings, server=server or settings.http_server, workers=workers or settings.http_workers
    )
    if refusal is not None:
        err_console.print(f"[bold red]error[/]: {refusal}", soft_wrap=True)
        raise typer.Exit(2)


def serve_container(
    container: Container, *, host: str, port: int, server: str | None = None, workers: int | None = None
) -> None:
    """Serve `container`'s settings until stopped with `server` (granian or uvicorn; default from the
    settings) in `workers` processes; embedded, print the console's one-time login link (to the
    terminal only: the access log masks the token)."""
    from changple_entrypoints.http import serving

    settings = container.settings()
    chosen = server or settings.http_server
    count = workers or settings.http_workers
    _exit_if_workers_refused(settings, server=chosen, workers=count)
    mode = "embedded (in-process worker)" if settings.embedded else "with Redis (run `changple worker` too)"
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"  # noqa: S104 - a comparison
    processes = f" in {count} processes" if count > 1 else ""
    console.print(
        f"serving on {base} with {chosen}{processes}, {mode}; OpenAPI at /schema, the console at /ops", soft_wrap=True
    )
    if chosen == HttpServer.UVICORN:
        _serve_here(container, host=host, port=port, base=base)
        return
    # The workers build their own container from the environment: hand them what the command chose.
    os.environ[f"{ENV_PREFIX}DATA_DIR"] = str(settings.data_dir.resolve())
    os.environ[serving.LINK_BASE_ENV] = base
    with serving.request_metrics_shared(count) as folder:
        if folder is not None:
            console.print(f"/metrics sums the requests of every process, counted in {folder}", soft_wrap=True)
        settle_after_boot()
        serving.serve_granian(host=host, port=port, workers=count)


def _serve_here(container: Container, *, host: str, port: int, base: str) -> None:
    """Uvicorn: the app built and served in this process."""
    from changple_entrypoints.http.app import create_app
    from changple_entrypoints.http.asgi import print_login_link
    from changple_entrypoints.http.serving import serve_uvicorn

    settings = container.settings()
    application = create_app(container, run_embedded_worker=settings.embedded)
    if settings.embedded:
        print_login_link(container, base)
    settle_after_boot()
    serve_uvicorn(application, host=host, port=port)


@app.command()
def worker(
    threads: Annotated[int, typer.Option(min=1, max=64)] = 2,
    data_dir: DataDir = None,
) -> None:
    """Run Dramatiq worker threads against Redis until SIGINT or SIGTERM."""
    from changple_entrypoints.worker.broker import EmbeddedWorker

    container = container_for(data_dir)
    if container.settings().embedded:
        err_console.print(
            "[bold red]error[/]: no CHANGPLE_REDIS_URL is set; in embedded mode `changple serve` runs the worker itself"
        )
        raise typer.Exit(2)
    configure_logging(logging.INFO)
    runner = EmbeddedWorker(container.broker(), threads=threads)
    settle_after_boot()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner.start()
    console.print(f"worker running with {threads} threads; Ctrl-C stops it")
    stop.wait()
    runner.stop()


@app.command()
def scheduler(data_dir: DataDir = None) -> None:
    """Run the schedule (nightly run at 04:00 Asia/Seoul, polls every 30 minutes) until stopped.
    Start one per deployment; a second one waits as a standby."""
    container = container_for(data_dir)
    settings = container.settings()
    configure_logging(logging.INFO)
    schedule = run_or_exit(container.schedule)
    console.print(
        f"scheduler: nightly '{settings.nightly_cron}' Asia/Seoul, poll every "
        f"{settings.poll_every_minutes} min; leader: {container.scheduler_lease().refresh()}"
    )
    try:
        schedule.start()
    except (KeyboardInterrupt, SystemExit):
        schedule.shutdown(wait=False)
    finally:
        container.scheduler_lease().release()


@app.command()
def demo(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    sample: Annotated[
        Path | None, typer.Option(help="A sample cafe directory (<id>.html pages, cafe.json) to use instead.")
    ] = None,
    serve_after: Annotated[
        bool, typer.Option("--serve", help="Then serve the API and the console, with a one-time login link.")
    ] = False,
    host: str = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Scrape the bundled sample cafe into the embedded database, show what is ingested and why, run the
    pipeline offline and search; with --serve, then open the console on it."""
    from changple_entrypoints.demo import run_demo

    if sample is not None:
        run_or_exit(lambda: _check_sample(sample))  # refused before the data directory is made
    container = container_for(data_dir, migrate=True)
    if serve_after:
        _refuse_serving_a_memory_store(container.settings())
    settle_after_boot()
    run_or_exit(lambda: run_demo(container, console=console, as_json=as_json, sample_path=sample))
    if serve_after:
        serve_container(container, host=host, port=port)


def _refuse_serving_a_memory_store(settings: Settings) -> None:
    """The memory storage lives in this process; granian's worker is another one and would serve an
    empty store (uvicorn serves in this process)."""
    if settings.storage == Storage.MEMORY and settings.http_server == HttpServer.GRANIAN:
        err_console.print(
            "[bold red]error[/]: demo --serve cannot show a CHANGPLE_STORAGE=memory store under granian, whose worker "
            "process would not share it; unset CHANGPLE_STORAGE or set CHANGPLE_HTTP_SERVER=uvicorn",
            soft_wrap=True,
        )
        raise typer.Exit(2)


def _check_sample(directory: Path) -> None:
    """A sample cafe the demo can read: a cafe.json and at least one saved page."""
    from changple_adapters.naver.sample import load_sample
    from changple_domain.errors import InvalidInput

    if not load_sample(directory).article_ids():
        raise InvalidInput(f"the sample cafe {directory} holds no saved pages (<article_id>.html)")


def main() -> None:
    restrict_umask()  # what changple writes (database, uploads, sessions, index) is owner-only
    configure_logging()  # one escaped line per record; `serve` hands the same set-up to its server
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
