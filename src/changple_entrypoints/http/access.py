"""Who is calling: a service token in `Authorization: Bearer chp_...`, else the signed-in user of
the session cookie, else nobody. Resolved once per request and kept in the scope; guards and the
`caller` dependency read it from there.

A bearer header wins over a cookie, and a bad one is a 401 even when a session is present: a machine
that sends a wrong token should hear so, not act as whoever's cookie happens to ride along. The
token itself never reaches a log line or an error message."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.openapi import ResponseSpec
from litestar.types import Guard

from changple_domain.errors import Unauthorized
from changple_domain.model.access import Caller, Scope
from changple_domain.model.users import User
from changple_domain.use_cases.service_tokens import authenticate_service_token
from changple_entrypoints.composition.container import Container
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


def container_of(connection: AnyConnection) -> Container:
    container: Container = connection.app.state["container"]
    return container


async def resolve_caller(connection: AnyConnection) -> Caller:
    cached = connection.scope.get(_CALLER_KEY)
    if isinstance(cached, Caller):
        return cached
    container = container_of(connection)
    header = connection.headers.get("authorization")
    if header is not None:
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized("send the service token as 'Authorization: Bearer chp_...'")
        token = await anyio.to_thread.run_sync(
            lambda: authenticate_service_token(credentials.strip(), uow=container.uow(), clock=container.clock())
        )
        caller = Caller(token=token)
    else:
        caller = Caller(user=await _session_user(connection, container))
    connection.scope[_CALLER_KEY] = caller  # type: ignore[literal-required]
    return caller


def signed_in_session(user: User) -> dict[str, Any]:
    """What a session holds for a signed-in user: the id, and the account it belongs to."""
    return {SESSION_USER: user.id, SESSION_ACCOUNT: user.account_key}


async def _session_user(connection: AnyConnection, container: Container) -> User | None:
    session = connection.scope.get("session")
    if not isinstance(session, dict):
        return None
    user_id = session.get(SESSION_USER)
    if not isinstance(user_id, int):
        return None

    def load() -> User | None:
        uow = container.uow()
        with uow:
            return uow.users.get(user_id)

    user = await anyio.to_thread.run_sync(load)
    if user is None or not user.opens_session(session.get(SESSION_ACCOUNT)):
        # The account is gone (withdrawn elsewhere), or the id now names another account, or the
        # session predates account keys: it opens nothing, ever again.
        connection.clear_session()
        return None
    return user


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
