"""The operations console at `/ops`: server-rendered pages for admins, with htmx swapping in the
parts that change (the activity panel, a retried post, the catalog lists) without a page reload.

Admins (a signed-in admin, or an admin service token) get in; anonymous visitors get a 401 page that
says how to sign in, everyone else a 403 page. Every unsafe request rides on the session cookie and
so carries the CSRF token: the page puts it in an `hx-headers` attribute that htmx sends with each
request. Handlers parse the form, call one use case and render; errors become a page (or, for htmx,
a message in the page's flash area) with the status the API would give."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import NotFound
from changple_domain.model.access import Scope
from changple_domain.model.authors import CatalogEntry
from changple_domain.model.posts import CafePost
from changple_domain.model.users import User
from changple_domain.use_cases.catalog import CatalogPage, CatalogQuery
from changple_domain.use_cases.console import Overview
from changple_domain.use_cases.console_actions import ConsoleUpdate
from changple_domain.use_cases.post_trail import PostTrail
from changple_entrypoints.catalog_words import CATALOG, CatalogWords
from changple_entrypoints.http.access import provide_caller, requires, signed_in_session
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.ops.library import LIBRARY_HANDLERS
from changple_entrypoints.http.ops.pages import OPS_EXCEPTION_HANDLERS
from changple_entrypoints.http.ops.people import PEOPLE_HANDLERS
from changple_entrypoints.http.ops.queues import QUEUE_HANDLERS, dead_letter_count
from changple_entrypoints.http.ops.render import FORM
from changple_entrypoints.http.ops.render import fragment as _fragment
from changple_entrypoints.http.ops.render import page as _page
from changple_entrypoints.http.ops.views import chart
from changple_entrypoints.http.sessions import rotate_session_id
from changple_entrypoints.worker.dead_letters import DeadLetterPage

AnyRequest = Request[Any, Any, Any]
Page = CatalogPage[CatalogEntry]

Search = Annotated[str | None, QueryParameter(max_length=100)]
Detail = Annotated[str | None, QueryParameter(max_length=100)]  # "" (the "every group" choice) filters nothing
Show = Annotated[str, QueryParameter(pattern="^(all|enabled|disabled)$")]
LinkToken = Annotated[str, QueryParameter(min_length=1, max_length=200)]
_SHOW = {"all": None, "enabled": True, "disabled": False}


class EntryForm(BaseModel):
    """A new author (`detail` is the group; none given is the default one) or brand (`detail` is
    the description)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(max_length=200)
    detail: str | None = Field(default=None, max_length=2000)


class DetailForm(BaseModel):
    """Change an entry's detail (an author's group), addressed by name in the form."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    detail: str = Field(max_length=2000)


class ToggleForm(BaseModel):
    """Switch an entry on or off, addressed by name in the form (so any name works, even with '/')."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    enabled: bool


class ScanForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ingest_after: bool = False


# --- pages ----------------------------------------------------------------------------------------


@get("/", sync_to_thread=True)
def overview(
    console_overview: UseCase[Overview], list_dead_letters: UseCase[DeadLetterPage], caller: CallerDep
) -> Template:
    data = console_overview()
    dead = dead_letter_count(list_dead_letters)
    return _page("overview.html", caller, overview=data, status=data.status, chart=chart(data.days), dead_letters=dead)


@get("/posts/{article_id:int}", sync_to_thread=True)
def trail(article_id: FromPath[int], post_trail: UseCase[PostTrail], caller: CallerDep) -> Template:
    return _page("trail.html", caller, trail=post_trail(article_id))


@get("/catalog", sync_to_thread=True)
def catalog_page(catalog_lists: UseCase[list[Page]], caller: CallerDep) -> Template:
    kinds = list(KINDS.values())
    pages = catalog_lists([kind.entry_type for kind in kinds])
    return _page(
        "catalog.html", caller, lists=[(kind, page.items, page.total) for kind, page in zip(kinds, pages, strict=True)]
    )


# --- fragments and actions ------------------------------------------------------------------------


@get("/activity", sync_to_thread=True)
def activity_panel(console_activity: UseCase[ConsoleUpdate]) -> Template:
    return _panel(console_activity())


def _panel(update: ConsoleUpdate) -> Template:
    """The activity panel, with what the action just did (if anything) above it."""
    return _fragment("_activity.html", activity=update.activity, message=update.message or None)


@post("/actions/scan", sync_to_thread=True, status_code=200)
def run_scan(console_scan: UseCase[ConsoleUpdate], data: Annotated[ScanForm, FORM]) -> Template:
    return _panel(console_scan(ingest_after=data.ingest_after))


@post("/actions/run", sync_to_thread=True, status_code=200)
def run_pipeline(console_run: UseCase[ConsoleUpdate]) -> Template:
    return _panel(console_run())


@post("/actions/poll", sync_to_thread=True, status_code=200)
def poll_now(console_poll: UseCase[ConsoleUpdate]) -> Template:
    return _panel(console_poll())


@post("/posts/{article_id:int}/retry", sync_to_thread=True, status_code=200)
def retry(article_id: FromPath[int], retry_failed_post: UseCase[CafePost]) -> Template:
    return _fragment("_retried.html", post=retry_failed_post(article_id))


@dataclass(frozen=True)
class CatalogList:
    """One kind of catalog entry as the console's templates read it: `detail` is what the detail is
    called, `choices` its only values (a select instead of free text; () when it is free text) and
    `default` the one a new entry gets, `on` and `off` are the flag's words."""

    entry_type: type[CatalogEntry]
    key: str
    noun: str
    detail: str
    choices: tuple[str, ...]
    default: str
    heading: str
    blurb: str
    on: str
    off: str

    @classmethod
    def of(cls, kind: CatalogWords) -> CatalogList:
        entry = kind.entry_type
        named = (entry.kind.value, entry.noun, entry.detail_field, entry.detail_choices, entry.default_detail())
        return cls(entry, *named, **asdict(kind.console))


KINDS = {listed.key: listed for listed in map(CatalogList.of, CATALOG)}


def _kind(key: str) -> CatalogList:
    found = KINDS.get(key)
    if found is None:
        raise NotFound(f"the catalog has authors and brands, not '{key[:40]}'")
    return found


def _listing(kind: CatalogList, page: Page, q: str | None, message: str | None = None) -> Template:
    return _fragment("_catalog_list.html", kind=kind, entries=page.items, total=page.total, q=q or "", message=message)


@get("/catalog/{kind:str}", sync_to_thread=True)
def catalog_list(
    kind: FromPath[str],
    list_catalog_entries: UseCase[Page],
    q: Search = None,
    show: Show = "all",
    detail: Detail = None,
) -> Template:
    found = _kind(kind)
    query = CatalogQuery.of(search=q, enabled=_SHOW[show], detail=detail or None)
    return _listing(found, list_catalog_entries(found.entry_type, query), q)


@post("/catalog/{kind:str}", sync_to_thread=True, status_code=200)
def catalog_add(
    kind: FromPath[str], create_then_list: UseCase[tuple[CatalogEntry, Page]], data: Annotated[EntryForm, FORM]
) -> Template:
    found = _kind(kind)
    entry, page = create_then_list(found.entry_type, data.name, detail=data.detail)
    return _listing(found, page, None, f"added {found.noun} '{entry.name}'")


Updated = UseCase[tuple[CatalogEntry, Page]]


def _updated(kind: str, update_then_list: Updated, name: str, said: Callable[..., str], **change: Any) -> Template:
    """Change one entry, then the list as it now stands under what `said(kind, entry)` says."""
    found = _kind(kind)
    entry, page = update_then_list(found.entry_type, name, **change)
    return _listing(found, page, None, said(found, entry))


def _switched(kind: CatalogList, entry: CatalogEntry) -> str:
    return f"{kind.noun} '{entry.name}' is {kind.on if entry.enabled else kind.off}"


def _regrouped(kind: CatalogList, entry: CatalogEntry) -> str:
    return f"{kind.noun} '{entry.name}': {kind.detail} {entry.detail}"


@post("/catalog/{kind:str}/active", sync_to_thread=True, status_code=200)
def catalog_switch(kind: FromPath[str], update_then_list: Updated, data: Annotated[ToggleForm, FORM]) -> Template:
    return _updated(kind, update_then_list, data.name, _switched, enabled=data.enabled)


@post("/catalog/{kind:str}/detail", sync_to_thread=True, status_code=200)
def catalog_change_detail(
    kind: FromPath[str], update_then_list: Updated, data: Annotated[DetailForm, FORM]
) -> Template:
    """An author's group picked in their row's select (or a brand's description)."""
    return _updated(kind, update_then_list, data.name, _regrouped, detail=data.detail)


# --- the one-time login link ----------------------------------------------------------------------


@get("/login", sync_to_thread=True)
def login_with_link(request: AnyRequest, token: LinkToken, sign_in_with_login_link: UseCase[User]) -> Redirect:
    """Spend a one-time login link printed by `changple serve` in embedded mode: a fresh session
    for the local admin, under a new id, then on to the console."""
    user = sign_in_with_login_link(token)
    request.set_session({**signed_in_session(user), "signed_in_at": datetime.now(UTC).isoformat()})
    rotate_session_id(request)
    return Redirect("/ops", status_code=303)


CONSOLE_HANDLERS = [
    overview,
    trail,
    catalog_page,
    activity_panel,
    run_scan,
    run_pipeline,
    poll_now,
    retry,
    catalog_list,
    catalog_add,
    catalog_switch,
    catalog_change_detail,
    *PEOPLE_HANDLERS,
    *LIBRARY_HANDLERS,
    *QUEUE_HANDLERS,
]


def ops_routers() -> list[Router]:
    """The console (admins only) and its login link (open: the link is the credential)."""
    shared: dict[str, Any] = {
        "include_in_schema": False,
        "exception_handlers": OPS_EXCEPTION_HANDLERS,
    }
    return [
        Router(
            "/ops",
            route_handlers=CONSOLE_HANDLERS,
            guards=[requires(Scope.ADMIN)],
            dependencies={"caller": Provide(provide_caller)},
            **shared,
        ),
        Router("/ops", route_handlers=[login_with_link], **shared),
    ]
