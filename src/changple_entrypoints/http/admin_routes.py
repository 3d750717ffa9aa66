"""Admin endpoints for the catalog operators keep: allowed authors and good-to-know brands.

Every route here is tagged "admin" and is for admins (and service tokens with the `admin` scope)
only: anonymous callers get 401, everyone else 403. Entries are never erased, because posts refer to them by
name: DELETE disables an author (or marks a brand not good to know) and answers the entry."""

from __future__ import annotations

from typing import Annotated, TypeVar

from litestar import Router, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation

from changple_domain.errors import InvalidInput
from changple_domain.model.access import Scope
from changple_domain.model.authors import AllowedAuthor, GoodToKnowBrand
from changple_domain.model.ids import MAX_ID
from changple_domain.ports import UnitOfWork
from changple_domain.use_cases import catalog
from changple_entrypoints.http.access import AUTH_RESPONSES, SECURITY, requires
from changple_entrypoints.http.schemas import (
    AuthorCreate,
    AuthorPageRead,
    AuthorRead,
    AuthorUpdate,
    BrandCreate,
    BrandPageRead,
    BrandRead,
    BrandUpdate,
    ErrorRead,
)

Uow = NamedDependency[SkipValidation[UnitOfWork]]
T = TypeVar("T")

AUTHORS = "/authors"
BRANDS = "/brands"
ADMIN_NOTE = "\n\nAdmin-only."

NOT_FOUND = {404: ResponseSpec(ErrorRead, description="No entry has this name (after white space is folded).")}
TAKEN = {409: ResponseSpec(ErrorRead, description="The name is taken after white space is folded.")}

Search = Annotated[
    str | None,
    QueryParameter(max_length=100, description="only names containing this, ignoring case and extra spaces"),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="how many matching entries to skip")]


def _author(author: AllowedAuthor) -> AuthorRead:
    return AuthorRead.model_validate(author.model_dump())


def _brand(brand: GoodToKnowBrand) -> BrandRead:
    return BrandRead.model_validate(brand.model_dump())


def _body(data: T | None, fields: str) -> T:
    """The parsed body; a missing (or null) body is a 400 naming what to send, not Litestar's terse one."""
    if data is None:
        raise InvalidInput(f"send a JSON object with {fields}")
    return data


def _addressable(name: str, what: str) -> str:
    """Entries are addressed by name in the URL path, where a '/' (even as %2F) splits the path:
    such a name could be added here but never read or disabled here, so it is refused up front."""
    if "/" in name:
        raise InvalidInput(
            f"{what} name must not contain '/': the admin routes address {what}s by name in the URL path"
        )
    return name


def _nothing_to_change(fields: str) -> InvalidInput:
    return InvalidInput(f"nothing to change: give {fields}")


# --- authors --------------------------------------------------------------------------------


@get(
    f"{AUTHORS}/",
    sync_to_thread=True,
    summary="List allowed authors, a page at a time",
    responses=AUTH_RESPONSES,
    description="Ordered by name; `total` counts every match." + ADMIN_NOTE,
)
def list_authors(
    uow: Uow,
    q: Search = None,
    active: Annotated[bool | None, QueryParameter(description="only active (true) or disabled (false)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuthorPageRead:
    query = catalog.CatalogQuery.of(search=q, enabled=active, limit=limit, offset=offset)
    page = catalog.list_authors(query, uow=uow)
    return AuthorPageRead(items=[_author(a) for a in page.items], total=page.total, limit=limit, offset=offset)


@post(
    f"{AUTHORS}/",
    sync_to_thread=True,
    summary="Add an allowed author",
    responses={**AUTH_RESPONSES, **TAKEN},
    description="The name is cleaned first (runs of white space fold to one space); a name that is "
    "taken after cleaning answers 409." + ADMIN_NOTE,
)
def create_author(uow: Uow, data: JSONBody[AuthorCreate | None] = None) -> AuthorRead:
    body = _body(data, "`name` and optionally `group` and `active`")
    author = catalog.new_author(_addressable(body.name, "author"), group=body.group, active=body.active)
    return _author(catalog.add_author(author, uow=uow))


@get(
    f"{AUTHORS}/{{name:str}}/",
    sync_to_thread=True,
    summary="One allowed author",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def get_author(name: FromPath[str], uow: Uow) -> AuthorRead:
    return _author(catalog.get_author(name, uow=uow))


@patch(
    f"{AUTHORS}/{{name:str}}/",
    sync_to_thread=True,
    summary="Change an author's `active` flag and/or group",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
    description="A disabled author's posts leave the index on the next run; enabling them lets "
    "their posts back in." + ADMIN_NOTE,
)
def update_author(name: FromPath[str], uow: Uow, data: JSONBody[AuthorUpdate | None] = None) -> AuthorRead:
    body = _body(data, "`active` and/or `group`")
    if body.active is None and body.group is None:
        raise _nothing_to_change("`active` and/or `group`")
    return _author(catalog.update_author(name, active=body.active, group=body.group, uow=uow))


@delete(
    f"{AUTHORS}/{{name:str}}/",
    status_code=200,
    sync_to_thread=True,
    summary="Disable an author (does not erase)",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
    description='Same as PATCH `{"active": false}`: the author is kept, because posts refer to '
    "authors, and their posts leave the index on the next run. Answers the disabled author; "
    'PATCH `{"active": true}` enables them again.' + ADMIN_NOTE,
)
def disable_author(name: FromPath[str], uow: Uow) -> AuthorRead:
    return _author(catalog.set_author_active(name, False, uow=uow))


# --- brands ---------------------------------------------------------------------------------


@get(
    f"{BRANDS}/",
    sync_to_thread=True,
    summary="List brands, a page at a time",
    responses=AUTH_RESPONSES,
    description="Ordered by name; `total` counts every match." + ADMIN_NOTE,
)
def list_brands(
    uow: Uow,
    q: Search = None,
    good_to_know: Annotated[
        bool | None, QueryParameter(description="only good-to-know (true) or disabled (false) brands")
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> BrandPageRead:
    query = catalog.CatalogQuery.of(search=q, enabled=good_to_know, limit=limit, offset=offset)
    page = catalog.list_brands(query, uow=uow)
    return BrandPageRead(items=[_brand(b) for b in page.items], total=page.total, limit=limit, offset=offset)


@post(
    f"{BRANDS}/",
    sync_to_thread=True,
    summary="Add a good-to-know brand",
    responses={**AUTH_RESPONSES, **TAKEN},
    description="The name is cleaned first (runs of white space fold to one space); a name that is "
    "taken after cleaning answers 409." + ADMIN_NOTE,
)
def create_brand(uow: Uow, data: JSONBody[BrandCreate | None] = None) -> BrandRead:
    body = _body(data, "`name` and optionally `description` and `good_to_know`")
    brand = catalog.new_brand(
        _addressable(body.name, "brand"), description=body.description, good_to_know=body.good_to_know
    )
    return _brand(catalog.add_brand(brand, uow=uow))


@get(
    f"{BRANDS}/{{name:str}}/",
    sync_to_thread=True,
    summary="One brand",
    description=ADMIN_NOTE.strip(),
    responses={**AUTH_RESPONSES, **NOT_FOUND},
)
def get_brand(name: FromPath[str], uow: Uow) -> BrandRead:
    return _brand(catalog.get_brand(name, uow=uow))


@patch(
    f"{BRANDS}/{{name:str}}/",
    sync_to_thread=True,
    summary="Change a brand's `good_to_know` flag and/or description",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
    description="A brand that is not good to know is no longer tagged on posts recorded from then on." + ADMIN_NOTE,
)
def update_brand(name: FromPath[str], uow: Uow, data: JSONBody[BrandUpdate | None] = None) -> BrandRead:
    body = _body(data, "`good_to_know` and/or `description`")
    if body.good_to_know is None and body.description is None:
        raise _nothing_to_change("`good_to_know` and/or `description`")
    return _brand(catalog.update_brand(name, good_to_know=body.good_to_know, description=body.description, uow=uow))


@delete(
    f"{BRANDS}/{{name:str}}/",
    status_code=200,
    sync_to_thread=True,
    summary="Mark a brand not good to know (does not erase)",
    responses={**AUTH_RESPONSES, **NOT_FOUND},
    description='Same as PATCH `{"good_to_know": false}`: the brand is kept, because posts refer '
    "to brands by name. Answers the brand." + ADMIN_NOTE,
)
def disable_brand(name: FromPath[str], uow: Uow) -> BrandRead:
    return _brand(catalog.update_brand(name, good_to_know=False, uow=uow))


# One Router, so that each path's handlers are registered together: Litestar 2.25 registers a
# handler again whenever another one joins its path in a later `register` call, and with three
# methods on one path that wraps a `sync_to_thread` handler twice (GET then answers 500).
ADMIN_ROUTES = [
    Router(
        "/api/v1/admin",
        tags=["admin"],
        guards=[requires(Scope.ADMIN)],
        security=SECURITY,
        route_handlers=[
            list_authors,
            create_author,
            get_author,
            update_author,
            disable_author,
            list_brands,
            create_brand,
            get_brand,
            update_brand,
            disable_brand,
        ],
    )
]
