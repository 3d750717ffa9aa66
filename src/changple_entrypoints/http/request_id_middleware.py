"""The HTTP end of request ids (`changple_entrypoints.request_ids`). The middleware reads or makes
the id and sets it for everything a routed request runs; the `before_send` hook writes it on every
response, including the router's own 404 and 405 (which no middleware sees: they get an id then)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from changple_entrypoints.request_ids import REQUEST_ID_HEADER, accepted_request_id, current_request_id

_SCOPE_KEY = "changple_request_id"


def _request_id_of(scope: Scope) -> str:
    """The id this request was given; the first call for a scope gives it."""
    state = scope.setdefault("state", {})
    if _SCOPE_KEY not in state:
        given = MutableScopeHeaders(scope).get(REQUEST_ID_HEADER) if "headers" in scope else None
        state[_SCOPE_KEY] = accepted_request_id(given)
    return str(state[_SCOPE_KEY])


def request_id_middleware(app: ASGIApp) -> ASGIApp:
    """Outermost middleware: the id is current before anything of the request logs."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        token = current_request_id.set(_request_id_of(scope))
        try:
            await app(scope, receive, send)
        finally:
            current_request_id.reset(token)

    return middleware


async def add_request_id_header(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = _request_id_of(scope)
