"""`changple content ...`: operators publish Notion exports from a terminal.

`upload` checks, stores and processes the export in this process and says how it ended; with
`--no-wait` it only queues the processing for the worker (which needs Redis: an embedded
process's queue ends with the process)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from changple_adapters.memory.queue import MemoryTaskQueue
from changple_domain.model.content import ContentState, NotionContent
from changple_domain.use_cases import content_library
from changple_domain.use_cases.content_uploads import UploadContent
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    print_json,
    run_or_exit,
)

content_app = typer.Typer(help="Notion content: columns published from Notion HTML exports.", no_args_is_help=True)


def _payload(content: NotionContent) -> dict[str, object]:
    return content.model_dump(
        mode="json", include={"id", "title", "state", "failure", "is_preferred", "skipped", "published_at"}
    )


@content_app.command("upload")
def upload(
    archive: Annotated[Path, typer.Argument(help="The zip from Notion's Export → HTML.", dir_okay=False)],
    title: Annotated[str, typer.Option(help="The column's title.")],
    description: Annotated[str, typer.Option(help="A line or two shown in lists.")] = "",
    preferred: Annotated[bool, typer.Option("--preferred", help="Show it among the preferred columns.")] = False,
    thumbnail: Annotated[
        Path | None, typer.Option(help="An image for lists; default: the page's first image.", dir_okay=False)
    ] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="Queue the processing for the worker and return.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Upload a Notion export and publish it. Exit 2 when the export is refused, with the reason."""
    container = container_for(data_dir, migrate=True)
    settings = container.settings()
    if no_wait and settings.embedded:
        err_console.print(
            "[bold red]error[/]: --no-wait needs a worker on Redis (set CHANGPLE_REDIS_URL); without it, "
            "leave --no-wait out and the upload is processed here"
        )
        raise typer.Exit(2)
    for path in (archive, thumbnail):
        if path is not None and not path.is_file():
            err_console.print(f"[bold red]error[/]: no file at {escape(str(path))}")
            raise typer.Exit(2)
    # Processed here: the queue message would only be for a worker that is not needed.
    queue = container.task_queue() if no_wait else MemoryTaskQueue()
    command = UploadContent(title=title, description=description, is_preferred=preferred)

    def run() -> NotionContent:
        with archive.open("rb") as zip_file, thumbnail.open("rb") if thumbnail else nullcontext() as thumb:
            content: NotionContent = container.start_upload(command, zip_file, thumbnail=thumb, queue=queue)
        if no_wait:
            return content
        with console.status("processing the export...", spinner="dots"):
            published: NotionContent = container.process_upload(content.id)
        return published

    content = run_or_exit(run)
    if as_json:
        print_json(_payload(content))
    elif content.state is ContentState.PUBLISHED:
        console.print(f"published content [bold]{content.id}[/]: {escape(content.title)}")
        for line in content.skipped:
            console.print(f"  left out: {escape(line)}")
    elif content.state is ContentState.PROCESSING:
        console.print(f"content [bold]{content.id}[/] stored and queued; the worker publishes it")
    else:
        err_console.print(f"[bold red]refused[/]: {escape(content.failure or 'unknown reason')}")
    if content.state is ContentState.FAILED:
        raise typer.Exit(2)


@content_app.command("list")
def list_content(
    state: Annotated[ContentState | None, typer.Option(help="Only this state (default: every state).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The newest content, with its state and, for refused uploads, why."""
    container = container_for(data_dir, migrate=True)
    page = run_or_exit(lambda: content_library.list_content(uow=container.uow(), state=state, limit=limit))
    if as_json:
        print_json({"total": page.total, "items": [_payload(c) for c in page.items]})
        return
    table = Table(title=f"content ({page.total})")
    for column in ("id", "title", "state", "preferred", "note"):
        table.add_column(column, overflow="fold")
    for content in page.items:
        table.add_row(
            str(content.id),
            escape(content.title),
            content.state.value,
            "yes" if content.is_preferred else "",
            escape(content.failure or ""),
        )
    console.print(table)


def attach(app: typer.Typer) -> None:
    app.add_typer(content_app, name="content")
