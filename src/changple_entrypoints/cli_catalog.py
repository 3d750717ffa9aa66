"""`changple authors ...` and `changple brands ...`: the lists operators keep. Every command has
`--json` for scripts and a rich display for people. Nothing is ever erased: `disable` keeps the
entry (posts refer to it by name), `enable` takes it back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.markup import escape
from rich.table import Table

from changple_domain.errors import ChangpleError
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.use_cases import catalog
from changple_entrypoints.cli_support import (
    DataDir,
    JsonFlag,
    console,
    container_for,
    err_console,
    exit_code_for,
    print_json,
)

T = TypeVar("T")

authors_app = typer.Typer(help="Allowed authors: whose posts may enter the index.", no_args_is_help=True)
brands_app = typer.Typer(help="Good-to-know brands: tagged on the posts that name them.", no_args_is_help=True)

Search = Annotated[str | None, typer.Option("--search", help="Only names containing this, ignoring case.")]
AuthorName = Annotated[str, typer.Argument(help="The cafe nickname; runs of white space count as one space.")]
BrandName = Annotated[str, typer.Argument(help="The brand name; runs of white space count as one space.")]


def _run(action: Callable[[], T]) -> T:
    """Like `run_or_exit`, with the detail escaped: names may hold `[...]`, which rich reads as markup."""
    try:
        return action()
    except ChangpleError as exc:
        err_console.print(f"[bold red]error[/]: {escape(exc.detail)}")
        raise typer.Exit(exit_code_for(exc)) from None


def _author_line(author: AllowedAuthor) -> str:
    group = f" (group {escape(author.group)})" if author.group else ""
    return f"[bold]{escape(author.name)}[/]{group}"


def _authors_table(authors: list[AllowedAuthor], title: str) -> Table:
    table = Table(title=title)
    for column in ("name", "group", "active"):
        table.add_column(column, overflow="fold")
    for author in authors:
        table.add_row(escape(author.name), escape(author.group), "yes" if author.active else "[red]no[/]")
    return table


def _brands_table(brands: list[GoodToKnowBrand], title: str) -> Table:
    table = Table(title=title)
    for column in ("name", "good to know", "description"):
        table.add_column(column, overflow="fold")
    for brand in brands:
        table.add_row(
            escape(brand.name), "yes" if brand.good_to_know else "[red]no[/]", escape(brand.description[:120])
        )
    return table


# --- authors --------------------------------------------------------------------------------


@authors_app.command("add")
def authors_add(
    name: AuthorName,
    group: Annotated[str, typer.Option("--group", help="A label such as 운영진 or 1기.")] = "",
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Allow NAME's posts into the index. A name taken after white space is folded is an error."""
    uow = container_for(data_dir, migrate=True).uow()
    added = _run(lambda: catalog.add_author(catalog.new_author(name, group=group), uow=uow))
    if as_json:
        print_json(added.model_dump())
    else:
        console.print(f"added allowed author {_author_line(added)}; their posts count from the next run")


@authors_app.command("list")
def authors_list(
    search: Search = None,
    every: Annotated[bool, typer.Option("--all", help="Disabled authors too.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Active allowed authors by name (`--all` adds disabled ones)."""
    uow = container_for(data_dir, migrate=True).uow()
    query = _run(lambda: catalog.CatalogQuery.of(search=search, enabled=None if every else True))
    page = _run(lambda: catalog.list_authors(query, uow=uow))
    if as_json:
        print_json([a.model_dump() for a in page.items])
        return
    if not page.items:
        what = "allowed authors" if every else "active allowed authors"
        console.print(f"no {what}" + (f" match '{escape(query.search)}'" if query.search else ""))
        return
    console.print(_authors_table(page.items, f"allowed authors ({page.total})"))


def _set_author(name: str, active: bool, as_json: bool, data_dir: Path | None) -> None:
    uow = container_for(data_dir, migrate=True).uow()
    author = _run(lambda: catalog.set_author_active(name, active, uow=uow))
    if as_json:
        print_json(author.model_dump())
    elif active:
        console.print(f"enabled {_author_line(author)}: their posts may enter the index on the next run")
    else:
        console.print(f"disabled {_author_line(author)}: their posts leave the index on the next run")


@authors_app.command("disable")
def authors_disable(name: AuthorName, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Keep NAME but let none of their posts in; indexed ones are removed on the next run."""
    _set_author(name, False, as_json, data_dir)


@authors_app.command("enable")
def authors_enable(name: AuthorName, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Let a disabled author's posts into the index again from the next run."""
    _set_author(name, True, as_json, data_dir)


# --- brands ---------------------------------------------------------------------------------


@brands_app.command("add")
def brands_add(
    name: BrandName,
    description: Annotated[str, typer.Option("--description", help="What people should know.")] = "",
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Add a good-to-know brand; posts recorded from now on that name it carry it."""
    uow = container_for(data_dir, migrate=True).uow()
    added = _run(lambda: catalog.add_brand(catalog.new_brand(name, description=description), uow=uow))
    if as_json:
        print_json(added.model_dump())
    else:
        console.print(f"added good-to-know brand [bold]{escape(added.name)}[/]")


@brands_app.command("list")
def brands_list(
    search: Search = None,
    every: Annotated[bool, typer.Option("--all", help="Brands that are no longer good to know too.")] = False,
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Good-to-know brands by name (`--all` adds disabled ones)."""
    uow = container_for(data_dir, migrate=True).uow()
    query = _run(lambda: catalog.CatalogQuery.of(search=search, enabled=None if every else True))
    page = _run(lambda: catalog.list_brands(query, uow=uow))
    if as_json:
        print_json([b.model_dump() for b in page.items])
        return
    if not page.items:
        what = "brands" if every else "good-to-know brands"
        console.print(f"no {what}" + (f" match '{escape(query.search)}'" if query.search else ""))
        return
    console.print(_brands_table(page.items, f"brands ({page.total})"))


def _set_brand(name: str, good_to_know: bool, as_json: bool, data_dir: Path | None) -> None:
    uow = container_for(data_dir, migrate=True).uow()
    brand = _run(lambda: catalog.update_brand(name, good_to_know=good_to_know, uow=uow))
    if as_json:
        print_json(brand.model_dump())
    elif good_to_know:
        console.print(f"[bold]{escape(brand.name)}[/] is good to know again: posts recorded from now on carry it")
    else:
        console.print(f"[bold]{escape(brand.name)}[/] is no longer good to know: posts recorded from now on skip it")


@brands_app.command("disable")
def brands_disable(name: BrandName, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Keep NAME but stop tagging posts with it."""
    _set_brand(name, False, as_json, data_dir)


@brands_app.command("enable")
def brands_enable(name: BrandName, as_json: JsonFlag = False, data_dir: DataDir = None) -> None:
    """Tag posts with a disabled brand again."""
    _set_brand(name, True, as_json, data_dir)


def attach(app: typer.Typer) -> None:
    """Attach `authors ...` and `brands ...` to the main app."""
    app.add_typer(authors_app, name="authors")
    app.add_typer(brands_app, name="brands")
