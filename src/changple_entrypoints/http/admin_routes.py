"""Admin endpoints for the catalog operators keep: allowed authors and good-to-know brands.

Every route here is tagged "admin" and is for admins (and service tokens with the `admin` scope)
only: anonymous callers get 401, everyone else 403. Entries are never erased, because posts refer to them by
name: DELETE disables an author (or marks a brand not good to know) and answers the entry.

One factory makes the five routes of each kind from its words (catalog_words.py). Its handlers are annotated
with the shared base shapes (`EntryRead`, ...) and `EnabledFilter`; each route group resolves those
names to its own kind's shapes through Litestar's `signature_namespace`, so the OpenAPI schema
names `AuthorRead`, `BrandRead` and so on."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, TypeVar, cast

from litestar import Router, delete, get, patch, post
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from changple_domain.errors import InvalidInput
from changple_domain.model.access import Scope
from changple_domain.model.authors import CatalogEntry
from changple_domain.model.ids import MAX_ID
from changple_domain.use_cases import catalog
from changple_entrypoints.catalog_words import ADMIN_NOTE, CATALOG, CatalogWords, RouteWords
from changple_entrypoints.http.access import AUTH_RESPONSES, SECURITY, requires
from changple_entrypoints.http.bodies import required_body
from changple_entrypoints.http.dependencies import UseCase
from changple_entrypoints.http.schemas import (
    CatalogSchemas,
    EntryCreate,
    EntryPageRead,
    EntryRead,
    EntryUpdate,
    ErrorRead,
    catalog_schemas,
)
from changple_entrypoints.signatures import without

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

LIST_NOTE = "Ordered by name; `total` counts every match." + ADMIN_NOTE
CREATE_NOTE = (
    "The name is cleaned first (runs of white space fold to one space); a name that is "
    "taken after cleaning answers 409." + ADMIN_NOTE
)

NOT_FOUND = {404: ResponseSpec(ErrorRead, description="No entry has this name (after white space is folded).")}
TAKEN = {409: ResponseSpec(ErrorRead, description="The name is taken after white space is folded.")}

Search = Annotated[
    str | None,
    QueryParameter(max_length=100, description="only names containing this, ignoring case and extra spaces"),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="page size")]
Offset = Annotated[int, QueryParameter(ge=0, le=MAX_ID, description="how many matching entries to skip")]
# The list filters on the entry's flag and on a detail with choices; each kind's routes serve them
# under the field's name (a kind whose detail is free text has no detail filter).
EnabledFilter = Annotated[bool | None, QueryParameter()]
DetailFilter = Annotated[str | None, QueryParameter()]


def _body(data: T | None, fields: str) -> T:
    return required_body(data, f"send a JSON object with {fields}")


def _addressable(name: str, what: str) -> str:
    """Entries are addressed by name in the URL path, where a '/' (even as %2F) splits the path:
    such a name could be added here but never read or disabled here, so it is refused up front."""
    if "/" in name:
        raise InvalidInput(
            f"{what} name must not contain '/': the admin routes address {what}s by name in the URL path"
        )
    return name


def _named(name: str) -> Callable[[F], F]:
    """Name a handler as the kind's own (`list_authors`): Litestar makes the operationId from it."""

    def rename(handler: F) -> F:
        handler.__name__ = handler.__qualname__ = name
        return handler

    return rename


def _query_named(parameter: str, query: str) -> Callable[[F], F]:
    """Serve the handler's `parameter` under the name `query`. Not `QueryParameter(query=...)`:
    Litestar names a bad value by the parameter, and the API names it by the flag (`active: ...`)."""

    def rename(handler: F) -> F:
        signature = inspect.signature(handler)
        names = {parameter: query}

        @functools.wraps(handler)
        def renamed(**kwargs: Any) -> Any:
            return handler(**{parameter: kwargs.pop(query)}, **kwargs)

        renamed.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p.replace(name=names.get(p.name, p.name)) for p in signature.parameters.values()]
        )
        renamed.__annotations__ = {names.get(k, k): v for k, v in handler.__annotations__.items()}
        return cast(F, renamed)

    return rename


def _read(schemas: CatalogSchemas, entry: CatalogEntry) -> EntryRead:
    return schemas.read.model_validate(entry.model_dump())


def _shapes(entry_type: type[CatalogEntry], schemas: CatalogSchemas, words: RouteWords) -> dict[str, Any]:
    """What the handlers' annotations name, as this kind's own shapes; see the module's docstring."""
    return {
        "EntryRead": schemas.read,
        "EntryPageRead": schemas.page,
        "EntryCreate": schemas.create,
        "EntryUpdate": schemas.update,
        "EnabledFilter": Annotated[bool | None, QueryParameter(description=words.filter_description)],
        # Text that the use case checks, so that an unknown value is answered with the choices.
        "DetailFilter": Annotated[
            str | None,
            QueryParameter(
                max_length=100, enum=list(entry_type.detail_choices), description=words.detail_filter_description
            ),
        ],
    }


def _detail_filter(entry_type: type[CatalogEntry]) -> Callable[[F], F]:
    """Serve the list's detail filter under the detail's name, when the detail has choices."""
    return _query_named("detail", entry_type.detail_field) if entry_type.detail_choices else without("detail")


def _collection_routes(kind: CatalogWords, schemas: CatalogSchemas, same: dict[str, Any]) -> list[HTTPRouteHandler]:
    """GET and POST on `/<kind>/`."""
    entry_type, words = kind.entry_type, kind.routes
    plural, noun = entry_type.kind.value, entry_type.noun
    detail, flag = entry_type.detail_field, entry_type.enabled_field

    @get(f"/{plural}/", summary=words.summaries["list"], responses=AUTH_RESPONSES, description=LIST_NOTE, **same)
    @_named(f"list_{plural}")
    @_query_named("enabled", flag)
    @_detail_filter(entry_type)
    def list_entries(
        list_catalog_entries: UseCase[catalog.CatalogPage[CatalogEntry]],
        q: Search = None,
        enabled: EnabledFilter = None,
        detail: DetailFilter = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> EntryPageRead:
        query = catalog.CatalogQuery.of(search=q, enabled=enabled, detail=detail, limit=limit, offset=offset)
        page = list_catalog_entries(entry_type, query)
        items = [_read(schemas, entry) for entry in page.items]
        return schemas.page(items=items, total=page.total, limit=limit, offset=offset)

    @post(
        f"/{plural}/",
        summary=words.summaries["create"],
        responses={**AUTH_RESPONSES, **TAKEN},
        description=CREATE_NOTE,
        **same,
    )
    @_named(f"create_{noun}")
    def create_entry(
        create_catalog_entry: UseCase[CatalogEntry], data: JSONBody[EntryCreate | None] = None
    ) -> EntryRead:
        fields = _body(data, f"`name` and optionally `{detail}` and `{flag}`").model_dump()
        name = _addressable(fields["name"], noun)
        created = create_catalog_entry(entry_type, name, detail=fields[detail], enabled=fields[flag])
        return _read(schemas, created)

    return [list_entries, create_entry]


def _entry_routes(kind: CatalogWords, schemas: CatalogSchemas, same: dict[str, Any]) -> list[HTTPRouteHandler]:
    """GET, PATCH and DELETE on `/<kind>/<name>/`."""
    entry_type, words = kind.entry_type, kind.routes
    one, noun = f"/{entry_type.kind.value}/{{name:str}}/", entry_type.noun
    detail, flag = entry_type.detail_field, entry_type.enabled_field
    found = {**AUTH_RESPONSES, **NOT_FOUND}

    @get(one, summary=words.summaries["get"], responses=found, description=ADMIN_NOTE.strip(), **same)
    @_named(f"get_{noun}")
    def get_entry(name: FromPath[str], get_catalog_entry: UseCase[CatalogEntry]) -> EntryRead:
        return _read(schemas, get_catalog_entry(entry_type, name))

    @patch(one, summary=words.summaries["update"], responses=found, description=words.update_description, **same)
    @_named(f"update_{noun}")
    def update_entry(
        name: FromPath[str], update_catalog_entry: UseCase[CatalogEntry], data: JSONBody[EntryUpdate | None] = None
    ) -> EntryRead:
        fields = _body(data, f"`{flag}` and/or `{detail}`").model_dump()
        updated = update_catalog_entry(entry_type, name, enabled=fields[flag], detail=fields[detail])
        return _read(schemas, updated)

    @delete(
        one,
        status_code=200,
        summary=words.summaries["disable"],
        responses=found,
        description=words.disable_description,
        **same,
    )
    @_named(f"disable_{noun}")
    def disable_entry(name: FromPath[str], update_catalog_entry: UseCase[CatalogEntry]) -> EntryRead:
        return _read(schemas, update_catalog_entry(entry_type, name, enabled=False))

    return [get_entry, update_entry, disable_entry]


def catalog_routes(kind: CatalogWords) -> list[HTTPRouteHandler]:
    """List, add, read, change and disable the entries of one kind, under `/<kind>/`."""
    words = kind.routes
    schemas = catalog_schemas(
        kind.entry_type,
        prefix=words.schema_prefix,
        detail_max_length=words.detail_max_length,
        name_description=words.name_description,
    )
    same = {"sync_to_thread": True, "signature_namespace": _shapes(kind.entry_type, schemas, words)}
    return [*_collection_routes(kind, schemas, same), *_entry_routes(kind, schemas, same)]


# One Router, so that each path's handlers are registered together: Litestar 2.25 registers a
# handler again whenever another one joins its path in a later `register` call, and with three
# methods on one path that wraps a `sync_to_thread` handler twice (GET then answers 500).
ADMIN_ROUTES = [
    Router(
        "/api/v1/admin",
        tags=["admin"],
        guards=[requires(Scope.ADMIN)],
        security=SECURITY,
        route_handlers=[handler for kind in CATALOG for handler in catalog_routes(kind)],
    )
]
