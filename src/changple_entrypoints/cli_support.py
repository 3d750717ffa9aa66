"""Pieces every `changple` command shares: consoles, the domain-error exit codes, building the
container from settings, JSON output, the options many commands take."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from changple_domain.errors import (
    ChangpleError,
    InvalidInput,
    LoginRequired,
    NotFound,
    ProviderRejected,
    ProviderUnavailable,
)

if TYPE_CHECKING:  # the container (and SQLAlchemy, the providers...) loads when a command runs, not for --help
    from changple_entrypoints.composition.container import Container

T = TypeVar("T")


def _flags_show_no_value_in_help() -> None:
    """Typer 0.29 prints `<bool>` after every on/off flag in `--help`, which reads as if the flag
    took a value (`--json true` is then refused). A flag takes none: show it bare. Options with a
    value keep their `<int>`, `<str>`, `<path>`."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "flags_bare", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich.flags_bare = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_show_no_value_in_help()

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
        err_console.print(f"[bold red]error[/]: {escape(exc.detail)}")  # user text may hold [brackets]
        raise typer.Exit(exit_code_for(exc)) from None


def container_for(
    data_dir: Path | None = None, *, migrate: bool = False, overrides: Mapping[str, object] | None = None
) -> Container:
    """The container every command uses (`bootstrap.open_container`: one rule for when the embedded
    database is migrated); a bad setting is one sentence and exit code 2."""
    from changple_entrypoints.composition.bootstrap import open_container

    return run_or_exit(lambda: open_container(data_dir, migrate=migrate, overrides=overrides))


DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="Where the embedded database lives (default ./.changple).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables or sentences.")]


def plural(count: int, noun: str) -> str:
    """ "1 post", "2 posts": counts people read."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _json_default(value: object) -> str:
    return str(value)


def print_json(payload: object) -> None:
    """Machine-readable output: one JSON document on stdout, Korean text left readable."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=_json_default) + "\n")


def progress_bar(*, transient: bool, disable: bool) -> Progress:
    """The bar long commands show: a spinner, what is happening, n of m, and the time taken."""
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    return Progress(*columns, console=console, transient=transient, disable=disable)
