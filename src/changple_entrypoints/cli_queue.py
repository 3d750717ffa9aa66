"""`changple queue ...`: the background queue's dead letters (messages whose retries ran out), seen
and put back on their queue with their retries reset.

On Redis the dead letters are the broker's, whichever process looks. In embedded mode (no Redis) they
live in the memory of the `changple serve` process: this command's own broker has none, so it says so
and points at the console's Queues page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    plural,
    print_json,
    run_or_exit,
)

if TYPE_CHECKING:  # Dramatiq loads when a command runs, not for --help (the cli extra has no worker)
    from changple_entrypoints.worker.dead_letters import DeadLetter, DeadLetterPage

queue_app = typer.Typer(
    help="The background queue: dead-lettered messages, and putting them back.", no_args_is_help=True
)

EMBEDDED_NOTE = (
    "embedded mode (no CHANGPLE_REDIS_URL): dead letters live in the memory of `changple serve`; "
    "see /ops/queues in its console"
)
QueueOption = Annotated[str | None, typer.Option("--queue", help="Only this queue (default: every queue).")]


WIDE = 120  # columns from which the dead letters are one table; narrower, one block each


def _died(letter: DeadLetter) -> str:
    return letter.died_at.strftime("%Y-%m-%d %H:%M:%S") if letter.died_at else "-"


def _table(page: DeadLetterPage) -> Table:
    table = Table(title=f"dead letters ({page.total}), newest first")
    table.add_column("message id", no_wrap=True)
    for header in ("queue", "actor", "died at (UTC)", "tries"):
        table.add_column(header)
    table.add_column("error", overflow="fold", ratio=2)
    table.add_column("arguments", overflow="fold", ratio=1)
    for letter in page.items:
        cells = (letter.queue, letter.actor, _died(letter), str(letter.retries), letter.error, letter.arguments)
        table.add_row(letter.message_id, *map(escape, cells))
    return table


def _show(page: DeadLetterPage) -> None:
    """A table on a wide terminal; narrower, each dead letter its id (whole: `requeue` takes it), then its facts."""
    if console.width >= WIDE:
        console.print(_table(page))
        return
    console.print(f"[bold]dead letters ({page.total})[/], newest first")
    for letter in page.items:
        console.print(f"\n[bold]{letter.message_id}[/]", no_wrap=True, overflow="ignore")
        console.print(
            f"  {escape(letter.actor)} on {escape(letter.queue)}, died {_died(letter)} UTC after {letter.retries} tries"
        )
        if letter.error:
            console.print(f"  error: [red]{escape(letter.error)}[/]")
        if letter.arguments:
            console.print(f"  arguments: {escape(letter.arguments)}")


def _note_if_embedded(embedded: bool) -> None:
    if embedded:
        err_console.print(f"[yellow]note[/]: {EMBEDDED_NOTE}")


@queue_app.command("dead-letters")
def dead_letters(
    queue: QueueOption = None,
    limit: Annotated[int, typer.Option("--limit", help="How many to show (1 to 200).")] = 50,
    offset: Annotated[int, typer.Option("--offset", help="How many of the newest to skip.")] = 0,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Dead-lettered messages, newest first: id, queue, actor, when it died, retries, the error's last line."""
    container = container_for(data_dir)
    listed = container.list_dead_letters
    page: DeadLetterPage = run_or_exit(lambda: listed(queue, limit, offset))
    _note_if_embedded(container.settings().embedded)
    if as_json:
        print_json({"total": page.total, "items": [letter.as_json() for letter in page.items]})
    elif page.total == 0:
        console.print("no dead letters" + (f" in queue {escape(queue)}" if queue else ""))
    else:
        _show(page)


def _refuse(sentence: str) -> typer.Exit:
    err_console.print(f"[bold red]error[/]: {sentence}")
    return typer.Exit(2)


@queue_app.command("requeue")
def requeue(
    message_id: Annotated[str | None, typer.Argument(help="The dead letter's message id.")] = None,
    queue: QueueOption = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead letter of --queue.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Put a dead letter (ID), or every one of a queue (--queue Q --all), back on its queue with its retries reset."""
    if message_id is not None and (queue is not None or every):
        raise _refuse("give a message id, or --queue Q --all, not both")
    if message_id is None and not (queue is not None and every):
        raise _refuse("give the message id to requeue, or --queue Q --all for every dead letter of a queue")
    container = container_for(data_dir)
    _note_if_embedded(container.settings().embedded)
    if message_id is not None:
        requeue_one = container.requeue_dead_letter
        letter: DeadLetter = run_or_exit(lambda: requeue_one(message_id))
        if as_json:
            print_json({"requeued": [letter.message_id]})
        else:
            console.print(f"requeued {letter.message_id} ({letter.actor}) on queue {letter.queue}")
        return
    assert queue is not None
    requeue_queue = container.requeue_dead_queue
    moved: int = run_or_exit(lambda: requeue_queue(queue))
    if as_json:
        print_json({"queue": queue, "requeued": moved})
    else:
        console.print(f"requeued {plural(moved, 'message')} on queue {escape(queue)}")


def attach(app: typer.Typer) -> None:
    """Attach `queue ...` to the main app."""
    app.add_typer(queue_app, name="queue")
