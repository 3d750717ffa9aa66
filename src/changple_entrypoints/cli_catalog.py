"""`changple authors ...` and `changple brands ...`: the lists operators keep. Every command has
`--json` for scripts and a rich display for people. Nothing is ever erased: `disable` keeps the
entry (posts refer to it by name), `enable` takes it back.

One factory makes both command groups from a `CatalogCommands`, the words each kind is spoken of in.
(No `from __future__ import annotations` here: Typer reads the options from annotations that the
factory fills in, which string annotations could not see.)"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from changple_domain.errors import ChangpleError
from changple_domain.model.authors import AllowedAuthor, CatalogEntry, GoodToKnowBrand
from changple_domain.use_cases import catalog
from changple_entrypoints.cli_support import (
    DataDir,
    console,
    err_console,
    exit_code_for,
    print_json,
    ready_container,
)

T = TypeVar("T")

JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of a table or a sentence.")]
Search = Annotated[str | None, typer.Option("--search", help="Only names containing this, ignoring case.")]
Cell = Callable[[CatalogEntry], str]


def name_cell(entry: CatalogEntry) -> str:
    return escape(entry.name)


def detail_cell(entry: CatalogEntry) -> str:
    return escape(entry.detail[:120])


def flag_cell(entry: CatalogEntry) -> str:
    return "yes" if entry.enabled else "[red]no[/]"


@dataclass(frozen=True)
class CatalogCommands:
    """How `changple <kind> ...` speaks of one kind of entry. Sentences hold `{entry}`: the name in
    bold, followed by `detail_shown` (with `{}` for the detail) when the entry has a detail."""

    entry_type: type[CatalogEntry]
    help: str
    name_help: str
    detail_option: str
    detail_help: str
    all_help: str
    helps: dict[str, str]  # each command's help, by command
    plural: str  # every entry, as in "no allowed authors"
    enabled_plural: str  # the enabled ones
    columns: tuple[tuple[str, Cell], ...]
    added: str
    enabled: str
    disabled: str
    detail_shown: str = ""


def _run(action: Callable[[], T]) -> T:
    """Like `run_or_exit`, with the detail escaped: names may hold `[...]`, which rich reads as markup."""
    try:
        return action()
    except ChangpleError as exc:
        err_console.print(f"[bold red]error[/]: {escape(exc.detail)}")
        raise typer.Exit(exit_code_for(exc)) from None


def _said(sentence: str, entry: CatalogEntry, words: CatalogCommands) -> str:
    detail = words.detail_shown.format(escape(entry.detail)) if words.detail_shown and entry.detail else ""
    return sentence.format(entry=f"[bold]{escape(entry.name)}[/]{detail}")


def _table(entries: list[CatalogEntry], title: str, words: CatalogCommands) -> Table:
    table = Table(title=title)
    for header, _ in words.columns:
        table.add_column(header, overflow="fold")
    for entry in entries:
        table.add_row(*(cell(entry) for _, cell in words.columns))
    return table


def _switch(words: CatalogCommands, name: str, enabled: bool, as_json: bool, data_dir: Path | None) -> None:
    uow = ready_container(data_dir).uow()
    entry = _run(lambda: catalog.update_entry(words.entry_type, name, enabled=enabled, uow=uow))
    if as_json:
        print_json(entry.model_dump())
    else:
        console.print(_said(words.enabled if enabled else words.disabled, entry, words))


def _show(words: CatalogCommands, page: catalog.CatalogPage[CatalogEntry], query: catalog.CatalogQuery) -> None:
    if not page.items:
        what = words.plural if query.enabled is None else words.enabled_plural
        console.print(f"no {what}" + (f" match '{escape(query.search)}'" if query.search else ""))
        return
    console.print(_table(page.items, f"{words.plural} ({page.total})", words))


def catalog_app(words: CatalogCommands) -> typer.Typer:
    """The `add`, `list`, `disable` and `enable` commands of one kind of entry."""
    app = typer.Typer(help=words.help, no_args_is_help=True)
    Name = Annotated[str, typer.Argument(help=words.name_help)]

    @app.command("add", help=words.helps["add"])
    def add(
        name: Name,
        detail: Annotated[str, typer.Option(words.detail_option, help=words.detail_help)] = "",
        as_json: JsonFlag = False,
        data_dir: DataDir = None,
    ) -> None:
        uow = ready_container(data_dir).uow()
        added = _run(lambda: catalog.create_entry(words.entry_type, name, detail=detail, uow=uow))
        if as_json:
            print_json(added.model_dump())
        else:
            console.print(_said(words.added, added, words))

    @app.command("list", help=words.helps["list"])
    def list_(
        search: Search = None,
        every: Annotated[bool, typer.Option("--all", help=words.all_help)] = False,
        as_json: JsonFlag = False,
        data_dir: DataDir = None,
    ) -> None:
        uow = ready_container(data_dir).uow()
        query = _run(lambda: catalog.CatalogQuery.of(search=search, enabled=None if every else True))
        page = _run(lambda: catalog.list_entries(words.entry_type, query, uow=uow))
        if as_json:
            print_json([entry.model_dump() for entry in page.items])
        else:
            _show(words, page, query)

    @app.command("disable", help=words.helps["disable"])
    def disable(name: Name, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
        _switch(words, name, False, as_json, data_dir)

    @app.command("enable", help=words.helps["enable"])
    def enable(name: Name, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
        _switch(words, name, True, as_json, data_dir)

    return app


AUTHORS = CatalogCommands(
    entry_type=AllowedAuthor,
    help="Allowed authors: whose posts may enter the index.",
    name_help="The cafe nickname; runs of white space count as one space.",
    detail_option="--group",
    detail_help="A label such as 운영진 or 1기.",
    all_help="Disabled authors too.",
    helps={
        "add": "Allow NAME's posts into the index. A name taken after white space is folded is an error.",
        "list": "Active allowed authors by name (`--all` adds disabled ones).",
        "disable": "Keep NAME but let none of their posts in; indexed ones are removed on the next run.",
        "enable": "Let a disabled author's posts into the index again from the next run.",
    },
    plural="allowed authors",
    enabled_plural="active allowed authors",
    columns=(("name", name_cell), ("group", detail_cell), ("active", flag_cell)),
    added="added allowed author {entry}; their posts count from the next run",
    enabled="enabled {entry}: their posts may enter the index on the next run",
    disabled="disabled {entry}: their posts leave the index on the next run",
    detail_shown=" (group {})",
)

BRANDS = CatalogCommands(
    entry_type=GoodToKnowBrand,
    help="Good-to-know brands: tagged on the posts that name them.",
    name_help="The brand name; runs of white space count as one space.",
    detail_option="--description",
    detail_help="What people should know.",
    all_help="Brands that are no longer good to know too.",
    helps={
        "add": "Add a good-to-know brand; posts recorded from now on that name it carry it.",
        "list": "Good-to-know brands by name (`--all` adds disabled ones).",
        "disable": "Keep NAME but stop tagging posts with it.",
        "enable": "Tag posts with a disabled brand again.",
    },
    plural="brands",
    enabled_plural="good-to-know brands",
    columns=(("name", name_cell), ("good to know", flag_cell), ("description", detail_cell)),
    added="added good-to-know brand {entry}",
    enabled="{entry} is good to know again: posts recorded from now on carry it",
    disabled="{entry} is no longer good to know: posts recorded from now on skip it",
)


def attach(app: typer.Typer) -> None:
    """Attach `authors ...` and `brands ...` to the main app."""
    for words in (AUTHORS, BRANDS):
        app.add_typer(catalog_app(words), name=words.entry_type.kind.value)
