"""`changple authors ...` and `changple brands ...`: the lists operators keep. Every command has
`--json` for scripts and a rich display for people. Nothing is ever erased: `disable` keeps the
entry (posts refer to it by name), `enable` takes it back.

One factory makes the command group of every kind from its words (catalog_words.py).
(No `from __future__ import annotations` here: Typer reads the options from annotations that the
factory fills in, which string annotations could not see.)"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from changple_domain.errors import ChangpleError
from changple_entrypoints.catalog_words import CATALOG, CatalogWords, Column, CommandWords
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    exit_code_for,
    print_json,
)
from changple_entrypoints.signatures import without

if TYPE_CHECKING:  # the models and use cases load when a command runs, not for --help
    from changple_domain.model.authors import CatalogEntry
    from changple_domain.use_cases import catalog

T = TypeVar("T")

Search = Annotated[str | None, typer.Option("--search", help="Only names containing this, ignoring case.")]
CELLS: "dict[Column, Callable[[CatalogEntry], str]]" = {
    Column.NAME: lambda entry: escape(entry.name),
    Column.DETAIL: lambda entry: escape(entry.detail[:120]),
    Column.FLAG: lambda entry: "yes" if entry.enabled else "[red]no[/]",
}


def _run(action: Callable[[], T]) -> T:
    """Like `run_or_exit`, with the detail escaped: names may hold `[...]`, which rich reads as markup."""
    try:
        return action()
    except ChangpleError as exc:
        err_console.print(f"[bold red]error[/]: {escape(exc.detail)}")
        raise typer.Exit(exit_code_for(exc)) from None


def _said(sentence: str, entry: "CatalogEntry", words: CommandWords) -> str:
    detail = words.detail_shown.format(escape(entry.detail)) if words.detail_shown and entry.detail else ""
    return sentence.format(entry=f"[bold]{escape(entry.name)}[/]{detail}")


def _table(entries: "list[CatalogEntry]", title: str, words: CommandWords) -> Table:
    table = Table(title=title)
    for header, _ in words.columns:
        table.add_column(header, overflow="fold")
    for entry in entries:
        table.add_row(*(CELLS[column](entry) for _, column in words.columns))
    return table


def _switch(kind: CatalogWords, name: str, enabled: bool, as_json: bool, data_dir: Path | None) -> None:
    update = container_for(data_dir, migrate=True).update_catalog_entry
    entry: CatalogEntry = _run(lambda: update(kind.entry_type, name, enabled=enabled))
    if as_json:
        print_json(entry.model_dump())
    else:
        words = kind.commands
        console.print(_said(words.enabled if enabled else words.disabled, entry, words))


def _show(words: CommandWords, page: "catalog.CatalogPage[CatalogEntry]", query: "catalog.CatalogQuery") -> None:
    if not page.items:
        what = words.plural if query.enabled is None else words.enabled_plural
        grouped = words.detail_shown.format(escape(query.detail)) if query.detail and words.detail_shown else ""
        console.print(f"no {what}{grouped}" + (f" match '{escape(query.search)}'" if query.search else ""))
        return
    console.print(_table(page.items, f"{words.plural} ({page.total})", words))


def _detail_option(words: CommandWords, choices: tuple[str, ...], help: str) -> Any:
    """The detail's option. A detail with choices takes only them: anything else is a usage error
    (exit 2) that lists them, and the help shows them."""
    if not choices:
        return typer.Option(words.detail_option, help=help)

    def one_of(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"'{value}' is not one of {', '.join(choices)}")
        return value

    return typer.Option(words.detail_option, help=help, parser=one_of, metavar="[" + "|".join(choices) + "]")


def _as_is(command: T) -> T:
    return command


def _add_and_list(app: typer.Typer, kind: CatalogWords) -> None:
    words, choices = kind.commands, kind.detail.choices
    detail_filter = _as_is if choices else without("detail")

    @app.command("add", help=words.helps["add"])
    def add(
        name: Annotated[str, typer.Argument(help=words.name_help)],
        detail: Annotated[str, _detail_option(words, choices, words.detail_help)] = kind.detail.default,
        as_json: JsonFlag = False,
        data_dir: DataDir = None,
    ) -> None:
        create = container_for(data_dir, migrate=True).create_catalog_entry
        added: CatalogEntry = _run(lambda: create(kind.entry_type, name, detail=detail))
        if as_json:
            print_json(added.model_dump())
        else:
            console.print(_said(words.added, added, words))

    @app.command("list", help=words.helps["list"])
    @detail_filter
    def list_(
        search: Search = None,
        every: Annotated[bool, typer.Option("--all", help=words.all_help)] = False,
        detail: Annotated[str | None, _detail_option(words, choices, words.filter_help)] = None,
        as_json: JsonFlag = False,
        data_dir: DataDir = None,
    ) -> None:
        from changple_domain.use_cases import catalog

        listed = container_for(data_dir, migrate=True).list_catalog_entries
        enabled = None if every else True
        query = _run(lambda: catalog.CatalogQuery.of(search=search, enabled=enabled, detail=detail))
        page: catalog.CatalogPage[CatalogEntry] = _run(lambda: listed(kind.entry_type, query))
        if as_json:
            print_json([entry.model_dump() for entry in page.items])
        else:
            _show(words, page, query)


def _switches(app: typer.Typer, kind: CatalogWords) -> None:
    Name = Annotated[str, typer.Argument(help=kind.commands.name_help)]

    @app.command("disable", help=kind.commands.helps["disable"])
    def disable(name: Name, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
        _switch(kind, name, False, as_json, data_dir)

    @app.command("enable", help=kind.commands.helps["enable"])
    def enable(name: Name, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
        _switch(kind, name, True, as_json, data_dir)


def catalog_app(kind: CatalogWords) -> typer.Typer:
    """The `add`, `list`, `disable` and `enable` commands of one kind of entry."""
    app = typer.Typer(help=kind.commands.help, no_args_is_help=True)
    _add_and_list(app, kind)
    _switches(app, kind)
    return app


def attach(app: typer.Typer) -> None:
    """Attach `authors ...`, `brands ...` (every kind of catalog entry) to the main app."""
    for kind in CATALOG:
        app.add_typer(catalog_app(kind), name=kind.kind.value)
