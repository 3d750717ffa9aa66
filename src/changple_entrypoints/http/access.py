"""Who is calling: a service token in `Authorization: Bearer chp_...`, else the signed-in user of
the session cookie, else nobody. Resolved once per request and kept in the scope; guards and the
`caller` dependency read it from there.

A bearer header wins over a cookie, and a bad one is a 401 even when a session is present: a machine
that sends a wrong token should hear so, not act as whoever's cookie happens to ride along. The
token itself never reaches a log line or an error message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.types import Guard

from changple_domain.errors import Unauthorized
from changple_domain.model.access import Caller, Scope
from changple_domain.model.users import User
from changple_domain.use_cases.accounts import Credentials, Identified
from changple_entrypoints.http.schemas import ErrorRead

AnyConnection = ASGIConnection[Any, Any, Any, Any]

SESSION_USER = "user_id"  # the session key that holds the signed-in user's id
SESSION_ACCOUNT = "account_key"  # and the key of the account it was made for
_CALLER_KEY = "changple_caller"

AUTH_RESPONSES = {
    401: ResponseSpec(ErrorRead, description="No valid session or service token: sign in, or send a bearer token."),
    403: ResponseSpec(ErrorRead, description="Signed in, but without the permission this needs."),
}
# OpenAPI: either credential opens a guarded route.
SECURITY: list[dict[str, list[str]]] = [{"serviceToken": []}, {"sessionCookie": []}]
# OpenAPI: anyone may call; either credential shows more (the empty requirement makes it optional).
OPTIONAL_CREDENTIALS: list[dict[str, list[str]]] = [{}, *SECURITY]


def bound_use_case(connection: AnyConnection, name: str) -> Callable[..., Any]:
    """The use case the app registered as the dependency `name` (`http/app.py`). Guards run before
    Litestar resolves a handler's dependencies, so they take the one they need from that table."""
    provided = connection.route_handler.resolve_dependencies()[name]
    use_case: Callable[..., Any] = provided.dependency()
    return use_case


def credentials_of(connection: AnyConnection) -> Credentials:
    """What the request presents, read off it and not yet checked: a bearer token, else the session."""
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, text = header.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise Unauthorized("send the service token as 'Authorization: Bearer chp_...'")
        return Credentials(service_token=text.strip())
    session = connection.scope.get("session")
    if not isinstance(session, dict) or not isinstance(session.get(SESSION_USER), int):
        return Credentials()
    account_key = session.get(SESSION_ACCOUNT)
    return Credentials(
        session_user_id=session[SESSION_USER], session_account_key=account_key if isinstance(account_key, str) else None
    )


async def resolve_caller(connection: AnyConnection) -> Caller:
    cached = connection.scope.get(_CALLER_KEY)
    if isinstance(cached, Caller):
        return cached
    credentials = credentials_of(connection)
    identify_caller = bound_use_case(connection, "identify_caller")
    identified: Identified = await anyio.to_thread.run_sync(lambda: identify_caller(credentials))
    if identified.end_session:
        connection.clear_session()
    connection.scope[_CALLER_KEY] = identified.caller  # type: ignore[literal-required]
    return identified.caller


def signed_in_session(user: User) -> dict[str, Any]:
    """What a session holds for a signed-in user: the id, and the account it belongs to."""
    return {SESSION_USER: user.id, SESSION_ACCOUNT: user.account_key}


def requires(scope: Scope) -> Guard:
    """A guard: anonymous callers get 401, callers without `scope` (social users, tokens without
    it) get 403; admins and admin tokens pass everywhere."""

    async def guard(connection: AnyConnection, _: BaseRouteHandler) -> None:
        (await resolve_caller(connection)).require(scope)

    guard.__name__ = f"requires_{scope.value}"
    return guard


async def signed_in(connection: AnyConnection, _: BaseRouteHandler) -> None:
    """A guard for routes about the caller's own things (history, chats): a signed-in person only.
    As a guard it answers 401/403 before the body is read, so a visitor never sees a 400."""
    (await resolve_caller(connection)).require_user()


# Spread into the decorator of a route for signed-in people: the guard, and (for OpenAPI) that
# only the session cookie opens it.
SIGNED_IN_ONLY: dict[str, Any] = {"guards": [signed_in], "security": [{"sessionCookie": []}]}


async def provide_caller(request: AnyConnection) -> Caller:
    """The `caller` dependency of handlers that act for whoever calls (their own account)."""
    return await resolve_caller(request)
