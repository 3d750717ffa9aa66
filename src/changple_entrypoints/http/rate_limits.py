"""Per-caller budgets on the public routes that cost money or heavy work: search (an embedding call
to the provider and a vector-index query per request) and recommendations (an index fetch and
query). Each route has its own budget per caller and minute: a service token by its id, a signed-in
user by their id, anyone else by client address, an IPv6 address by its /64 (one host holds a
whole /64, so single addresses would be a budget each). The address is the one the server
believed, honouring `FORWARDED_ALLOW_IPS` for a trusted proxy.

Over budget, the answer is 429 with `Retry-After` (seconds to the end of the window) and a JSON
sentence. Counters live in the rate-limit store, Redis when configured, so every process shares
one budget. Sizes come from the `CHANGPLE_SEARCH_RATE_LIMIT_*` settings; 0 lifts a limit."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar.exceptions import TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.types import Guard

from changple_domain.model.access import Caller
from changple_entrypoints.http.access import AnyConnection, resolve_caller
from changple_entrypoints.http.counting_stores import CountingStore
from changple_entrypoints.http.schemas import ErrorRead
from changple_entrypoints.http.sessions import RATE_LIMIT_STORE
from changple_entrypoints.settings import Settings

WINDOW_SECONDS = 60

RATE_LIMITED_PER_CALLER = {
    429: ResponseSpec(
        ErrorRead,
        description="Over this caller's budget for the minute: `Retry-After` says how many seconds to wait.",
    )
}


def client_key(connection: AnyConnection) -> str:
    """The anonymous caller's address as counted: IPv4 whole, IPv6 by its /64."""
    host = connection.client.host if connection.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def budget_of(caller: Caller, connection: AnyConnection, settings: Settings) -> tuple[str, int, str]:
    """(counter key, calls a minute, who it is in words) for this caller."""
    if caller.token is not None:
        return f"token:{caller.token.id}", settings.search_rate_limit_token_per_minute, "this service token"
    if caller.user is not None:
        return f"user:{caller.user.id}", settings.search_rate_limit_signed_in_per_minute, "this account"
    return f"addr:{client_key(connection)}", settings.search_rate_limit_per_minute, "this address"


def per_caller_limit(route: str, what: str) -> Guard:
    """A guard spending one call of the caller's `route` budget; `what` names the calls in the 429."""

    async def guard(connection: AnyConnection, _: BaseRouteHandler) -> None:
        caller = await resolve_caller(connection)
        key, limit, who = budget_of(caller, connection, connection.app.state["settings"])
        if limit == 0:
            return
        store: Any = connection.app.stores.get(RATE_LIMIT_STORE)
        if not isinstance(store, CountingStore):
            raise TypeError(f"the {RATE_LIMIT_STORE!r} store cannot count hits: build it with build_stores")
        count, wait = await store.hit(f"{route}:{key}", WINDOW_SECONDS)
        if count > limit:
            raise TooManyRequestsException(
                detail=f"too many {what} from {who}: at most {limit} a minute; try again in {wait} seconds",
                headers={"Retry-After": str(wait)},
            )

    guard.__name__ = f"limit_{route}"
    return guard
