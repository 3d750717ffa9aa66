"""How the CLI, the admin API and the console speak of each kind of catalog entry. The commands,
routes and console lists are made from these, for every kind in `CATALOG`: a third kind of entry is
one more `CatalogWords` here (and its domain class, table and unit-of-work attribute)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from changple_domain.model.choices import DETAIL_RULES, CatalogKind, DetailRule

if TYPE_CHECKING:
    from changple_domain.model.authors import CatalogEntry

ADMIN_NOTE = "\n\nAdmin-only."


class Column(StrEnum):
    """What a column of `changple <kind> list` shows."""

    NAME = "name"
    DETAIL = "detail"
    FLAG = "flag"


@dataclass(frozen=True)
class CommandWords:
    """`changple <kind> ...`. Sentences hold `{entry}`: the name in bold, followed by `detail_shown`
    (with `{}` for the detail) when the entry has a detail."""

    help: str
    name_help: str
    detail_option: str
    detail_help: str
    all_help: str
    filter_help: str  # `list`'s filter on a detail with choices; "" when the detail is free text
    helps: dict[str, str]  # each command's help, by command
    plural: str  # every entry, as in "no allowed authors"
    enabled_plural: str  # the enabled ones
    columns: tuple[tuple[str, Column], ...]  # header, then what the column shows
    added: str
    enabled: str
    disabled: str
    detail_shown: str = ""


@dataclass(frozen=True)
class RouteWords:
    """`/api/v1/admin/<kind>/`: the schemas' names and limits, and each route's summary."""

    schema_prefix: str
    detail_max_length: int
    name_description: str
    filter_description: str
    detail_filter_description: str  # the filter on a detail with choices; "" when the detail is free text
    summaries: dict[str, str]  # by route: list, create, get, update, disable
    update_description: str
    disable_description: str


@dataclass(frozen=True)
class ConsoleWords:
    """`/ops/catalog`: the card's heading and blurb, and the flag's words on and off."""

    heading: str
    blurb: str
    on: str
    off: str


@dataclass(frozen=True)
class CatalogWords:
    kind: CatalogKind
    commands: CommandWords
    routes: RouteWords
    console: ConsoleWords

    @property
    def entry_type(self) -> type[CatalogEntry]:
        """The kind's model, loaded on first use (the commands' options need only `detail`)."""
        from changple_domain.model.authors import ENTRY_TYPES

        return ENTRY_TYPES[self.kind]

    @property
    def detail(self) -> DetailRule:
        return DETAIL_RULES[self.kind]


AUTHORS = CatalogWords(
    CatalogKind.AUTHORS,
    CommandWords(
        help="Allowed authors: whose posts may enter the index.",
        name_help="The cafe nickname; runs of white space count as one space.",
        detail_option="--group",
        detail_help="The community's group the author belongs to.",
        all_help="Disabled authors too.",
        filter_help="Only the authors of this group.",
        helps={
            "add": "Allow NAME's posts into the index. A name taken after white space is folded is an error.",
            "list": "Active allowed authors by name (`--all` adds disabled ones, `--group` keeps one group).",
            "disable": "Keep NAME but let none of their posts in; indexed ones are removed on the next run.",
            "enable": "Let a disabled author's posts into the index again from the next run.",
        },
        plural="allowed authors",
        enabled_plural="active allowed authors",
        columns=(("name", Column.NAME), ("group", Column.DETAIL), ("active", Column.FLAG)),
        added="added allowed author {entry}; their posts count from the next run",
        enabled="enabled {entry}: their posts may enter the index on the next run",
        disabled="disabled {entry}: their posts leave the index on the next run",
        detail_shown=" (group {})",
    ),
    RouteWords(
        schema_prefix="Author",
        detail_max_length=100,
        name_description="the cafe nickname; runs of white space fold to one space, so names that differ "
        "only in spacing are the same author (letter case counts)",
        filter_description="only active (true) or disabled (false)",
        detail_filter_description="only the authors of this group",
        summaries={
            "list": "List allowed authors, a page at a time",
            "create": "Add an allowed author",
            "get": "One allowed author",
            "update": "Change an author's `active` flag and/or group (창플, 팀비즈니스 or 기타)",
            "disable": "Disable an author (does not erase)",
        },
        update_description="A disabled author's posts leave the index on the next run; enabling them lets "
        "their posts back in." + ADMIN_NOTE,
        disable_description='Same as PATCH `{"active": false}`: the author is kept, because posts refer to '
        "authors, and their posts leave the index on the next run. Answers the disabled author; "
        'PATCH `{"active": true}` enables them again.' + ADMIN_NOTE,
    ),
    ConsoleWords(
        heading="Allowed authors",
        blurb="Only their posts are ingested. Disabling keeps the author; their posts leave the index on the next run.",
        on="active",
        off="disabled",
    ),
)

BRANDS = CatalogWords(
    CatalogKind.BRANDS,
    CommandWords(
        help="Good-to-know brands: tagged on the posts that name them.",
        name_help="The brand name; runs of white space count as one space.",
        detail_option="--description",
        detail_help="What people should know.",
        all_help="Brands that are no longer good to know too.",
        filter_help="",
        helps={
            "add": "Add a good-to-know brand; posts recorded from now on that name it carry it.",
            "list": "Good-to-know brands by name (`--all` adds disabled ones).",
            "disable": "Keep NAME but stop tagging posts with it.",
            "enable": "Tag posts with a disabled brand again.",
        },
        plural="brands",
        enabled_plural="good-to-know brands",
        columns=(("name", Column.NAME), ("good to know", Column.FLAG), ("description", Column.DETAIL)),
        added="added good-to-know brand {entry}",
        enabled="{entry} is good to know again: posts recorded from now on carry it",
        disabled="{entry} is no longer good to know: posts recorded from now on skip it",
    ),
    RouteWords(
        schema_prefix="Brand",
        detail_max_length=2000,
        name_description="runs of white space fold to one space, so names that differ only in spacing are "
        "the same brand (letter case counts)",
        filter_description="only good-to-know (true) or disabled (false) brands",
        detail_filter_description="",
        summaries={
            "list": "List brands, a page at a time",
            "create": "Add a good-to-know brand",
            "get": "One brand",
            "update": "Change a brand's `good_to_know` flag and/or description",
            "disable": "Mark a brand not good to know (does not erase)",
        },
        update_description="A brand that is not good to know is no longer tagged on posts recorded from then on."
        + ADMIN_NOTE,
        disable_description='Same as PATCH `{"good_to_know": false}`: the brand is kept, because posts refer '
        "to brands by name. Answers the brand." + ADMIN_NOTE,
    ),
    ConsoleWords(
        heading="Good-to-know brands",
        blurb="Tagged on posts that mention them, from the next recorded post on.",
        on="good to know",
        off="not good to know",
    ),
)

CATALOG = (AUTHORS, BRANDS)
