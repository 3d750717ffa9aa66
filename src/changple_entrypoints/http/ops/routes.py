"""The operations console at `/ops`: server-rendered pages for admins, with htmx swapping in the
parts that change (the activity panel, a retried post, the catalog lists) without a page reload.

Admins (a signed-in admin, or an admin service token) get in; anonymous visitors get a 401 page that
says how to sign in, everyone else a 403 page. Every unsafe request rides on the session cookie and
so carries the CSRF token: the page puts it in an `hx-headers` attribute that htmx sends with each
request. Handlers parse the form, call one use case and render; errors become a page (or, for htmx,
a message in the page's flash area) with the status the API would give."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import NotFound
from changple_domain.model.access import Caller, Scope
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
from changple_entrypoints.http.ops.pages import OPS_EXCEPTION_HANDLERS
from changple_entrypoints.http.ops.queues import QUEUE_HANDLERS, dead_letter_count
from changple_entrypoints.http.ops.views import chart
from changple_entrypoints.http.sessions import rotate_session_id
from changple_entrypoints.worker.dead_letters import DeadLetterPage

AnyRequest = Request[Any, Any, Any]
Page = CatalogPage[CatalogEntry]
FORM = Body(media_type=RequestEncodingType.URL_ENCODED)

Search = Annotated[str | None, QueryParameter(max_length=100)]
Show = Annotated[str, QueryParameter(pattern="^(all|enabled|disabled)$")]
LinkToken = Annotated[str, QueryParameter(min_length=1, max_length=200)]
_SHOW = {"all": None, "enabled": True, "disabled": False}


class EntryForm(BaseModel):
    """A new author (`detail` is the group) or brand (`detail` is the description)."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(max_length=200)
    detail: str = Field(default="", max_length=2000)


class ToggleForm(BaseModel):
    """Switch an entry on or off, addressed by name in the form (so any name works, even with '/')."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    enabled: bool


class ScanForm(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ingest_after: bool = False


def _page(name: str, caller: Caller, **context: Any) -> Template:
    """A whole page, with who is signed in for the header."""
    if caller.user is not None:
        who = caller.user.nickname or caller.user.name or f"user {caller.user.id}"
    else:
        who = f"token {caller.token.name}" if caller.token else "admin"
    return Template(template_name=name, context={"who": who, **context})


def _fragment(name: str, **context: Any) -> Template:
    return Template(template_name=name, context=context)


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
    called, `on` and `off` are the flag's words."""

    entry_type: type[CatalogEntry]
    key: str
    noun: str
    detail: str
    heading: str
    blurb: str
    on: str
    off: str

    @classmethod
    def of(cls, kind: CatalogWords) -> CatalogList:
        entry = kind.entry_type
        return cls(entry, entry.kind.value, entry.noun, entry.detail_field, **asdict(kind.console))


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
    kind: FromPath[str], list_catalog_entries: UseCase[Page], q: Search = None, show: Show = "all"
) -> Template:
    found = _kind(kind)
    return _listing(found, list_catalog_entries(found.entry_type, CatalogQuery.of(search=q, enabled=_SHOW[show])), q)


@post("/catalog/{kind:str}", sync_to_thread=True, status_code=200)
def catalog_add(
    kind: FromPath[str], create_then_list: UseCase[tuple[CatalogEntry, Page]], data: Annotated[EntryForm, FORM]
) -> Template:
    found = _kind(kind)
    entry, page = create_then_list(found.entry_type, data.name, detail=data.detail)
    return _listing(found, page, None, f"added {found.noun} '{entry.name}'")


@post("/catalog/{kind:str}/active", sync_to_thread=True, status_code=200)
def catalog_switch(
    kind: FromPath[str], switch_then_list: UseCase[tuple[CatalogEntry, Page]], data: Annotated[ToggleForm, FORM]
) -> Template:
    found = _kind(kind)
    entry, page = switch_then_list(found.entry_type, data.name, enabled=data.enabled)
    state = found.on if entry.enabled else found.off
    return _listing(found, page, None, f"{found.noun} '{entry.name}' is {state}")


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
