"""`changple content ...`: operators publish Notion exports from a terminal, and take columns down
(`unpublish`) or put them back up (`publish`).

`upload` checks, stores and processes the export in this process and says how it ended; with
`--no-wait` it only queues the processing for the worker (which needs Redis: an embedded
process's queue ends with the process)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from changple_domain.model.choices import ContentState
from changple_domain.model.ids import MAX_ID
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    print_json,
    run_or_exit,
)

if TYPE_CHECKING:  # the models and use cases load when a command runs, not for --help
    from changple_domain.model.content import NotionContent
    from changple_domain.use_cases.content_library import ContentPage

content_app = typer.Typer(help="Notion content: columns published from Notion HTML exports.", no_args_is_help=True)


def _payload(content: NotionContent) -> dict[str, object]:
    return content.model_dump(
        mode="json", include={"id", "title", "state", "failure", "is_preferred", "skipped", "published_at"}
    )


def _refuse_bad_arguments(archive: Path, thumbnail: Path | None, *, no_wait: bool, embedded: bool) -> None:
    """Exit 2, saying why, before anything is stored."""
    if no_wait and embedded:
        err_console.print(
            "[bold red]error[/]: --no-wait needs a worker on Redis (set CHANGPLE_REDIS_URL); without it, "
            "leave --no-wait out and the upload is processed here"
        )
        raise typer.Exit(2)
    for path in (archive, thumbnail):
        if path is not None and not path.is_file():
            err_console.print(f"[bold red]error[/]: no file at {escape(str(path))}")
            raise typer.Exit(2)


def _report_upload(content: NotionContent, *, as_json: bool) -> None:
    """How the upload ended; exit 2 when it was refused."""
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
    from changple_domain.use_cases.content_uploads import UploadContent

    container = container_for(data_dir, migrate=True)
    _refuse_bad_arguments(archive, thumbnail, no_wait=no_wait, embedded=container.settings().embedded)
    command = UploadContent(title=title, description=description, is_preferred=preferred)
    # Without --no-wait it is processed here, and no queue message goes to a worker that is not needed.
    send = container.start_upload if no_wait else container.publish_upload
    waiting = nullcontext() if no_wait else console.status("processing the export...", spinner="dots")

    def run() -> NotionContent:
        with archive.open("rb") as zip_file, thumbnail.open("rb") if thumbnail else nullcontext() as thumb, waiting:
            content: NotionContent = send(command, zip_file, thumbnail=thumb)
        return content

    _report_upload(run_or_exit(run), as_json=as_json)


@content_app.command("list")
def list_content(
    state: Annotated[ContentState | None, typer.Option(help="Only this state (default: every state).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """The newest content, with its state and, for refused uploads, why."""
    container = container_for(data_dir, migrate=True)
    page: ContentPage = run_or_exit(lambda: container.list_content(state=state, limit=limit))
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


def _set_published(content_id: int, *, published: bool, as_json: bool, data_dir: Path | None) -> None:
    container = container_for(data_dir, migrate=True)
    content: NotionContent = run_or_exit(lambda: container.set_content_published(content_id, published=published))
    if as_json:
        print_json(_payload(content))
    else:
        said = "published" if content.published else "unpublished: readers no longer see it"
        console.print(f"content [bold]{content.id}[/] ({escape(content.title)}) is {said}")


ContentId = Annotated[int, typer.Argument(help="The content's id (`changple content list`).", min=1, max=MAX_ID)]


@content_app.command("unpublish")
def unpublish(content_id: ContentId, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Take a published column down: readers no longer see it; its page, files and views stay."""
    _set_published(content_id, published=False, as_json=as_json, data_dir=data_dir)


@content_app.command("publish")
def publish(content_id: ContentId, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Put an unpublished column back up, as it was. A failed upload is retried in the console."""
    _set_published(content_id, published=True, as_json=as_json, data_dir=data_dir)


def attach(app: typer.Typer) -> None:
    app.add_typer(content_app, name="content")
