"""The `changple` command. Commands are thin: build the container, call a use case, show the result
(a rich table for people, `--json` for scripts). Domain errors become one sentence and an exit code."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from changple_domain.errors import (
    ChangpleError,
    InvalidInput,
    LoginRequired,
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)
from changple_entrypoints.containers import Container, build_container
from changple_entrypoints.settings import Settings

T = TypeVar("T")

app = typer.Typer(
    help="changple core: the cafe ingestion pipeline and its API.", no_args_is_help=True, pretty_exceptions_enable=False
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err_console = Console(stderr=True)

# Exit codes: 2 the input or a setting is wrong, 3 not found, 4 an outside service is down,
# 5 the Naver session must be renewed, 1 anything else.
EXIT_CODES: dict[type[ChangpleError], int] = {
    InvalidInput: 2,
    NotFound: 3,
    ProviderUnavailable: 4,
    ProviderRejected: 4,
    LoginRequired: 5,
}


def exit_code_for(error: ChangpleError) -> int:
    for cls in type(error).__mro__:
        code = EXIT_CODES.get(cls)
        if code is not None:
            return code
    return 1


def run_or_exit(action: Callable[[], T]) -> T:
    """Run `action`; a domain error prints one sentence on stderr and exits with its code."""
    try:
        return action()
    except ChangpleError as exc:
        err_console.print(f"[bold red]error[/]: {exc.detail}")
        raise typer.Exit(exit_code_for(exc)) from None


def container_for(data_dir: Path | None = None) -> Container:
    def build() -> Container:
        settings = Settings(data_dir=data_dir) if data_dir else Settings()
        settings.ingestion_policy()  # validate policy settings up front, naming a bad variable
        return build_container(settings)

    return run_or_exit(build)


DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the embedded database lives (default ./.changple).")
]


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
    data_dir: DataDir = None,
) -> None:
    """Serve the HTTP API. In embedded mode (no Redis URL) the worker runs in this process too."""
    import uvicorn

    from changple_adapters.sql.migrations import upgrade_database
    from changple_entrypoints.http.app import create_app

    container = container_for(data_dir)
    settings = container.settings()
    if settings.storage == "sql" and settings.embedded:
        run_or_exit(lambda: upgrade_database(settings.resolved_database_url))
    application = create_app(container, run_embedded_worker=settings.embedded)
    mode = "embedded (in-process worker)" if settings.embedded else "with Redis (run `changple worker` too)"
    console.print(f"serving on http://{host}:{port}, {mode}; OpenAPI at /schema")
    uvicorn.run(application, host=host, port=port, log_level="info")


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
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    runner = EmbeddedWorker(container.broker(), threads=threads)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    runner.start()
    console.print(f"worker running with {threads} threads; Ctrl-C stops it")
    stop.wait()
    runner.stop()


@app.command()
def demo(
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    sample: Annotated[Path | None, typer.Option(help="A sample cafe JSON file instead of the bundled one.")] = None,
) -> None:
    """Load the bundled sample cafe into the embedded database and show what would be ingested."""
    from changple_entrypoints.demo import run_demo

    container = container_for(data_dir)
    run_or_exit(lambda: run_demo(container, console=console, as_json=as_json, sample_path=sample))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


def _json_default(value: object) -> str:
    return str(value)


def print_json(payload: object) -> None:
    """Machine-readable output: one JSON document on stdout, Korean text left readable."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=_json_default) + "\n")
