"""Browser sessions, CSRF and rate-limit stores: Litestar's own middleware, with three changes of
behaviour that a login needs.

- A request that never puts anything in its session gets no cookie and writes nothing (Litestar's
  backend would store an empty session for every anonymous API call).
- A session id the store does not know is never reused: writing such a session picks a new id, so
  a visitor cannot be handed a session id chosen by someone else (session fixation).
- The id rotates at login: the handler calls `rotate_session_id(request)`, and the old id is deleted.

An unchanged session is not written back, so a session ends `CHANGPLE_SESSION_MAX_AGE_SECONDS`
after it last changed (for a signed-in user: after login).

CSRF uses Litestar's double-submit cookie, but only where a cookie could be abused: an unsafe
request with no session cookie, or one carrying an `Authorization` header (which a browser never
adds across sites without a CORS grant), has no ambient credentials to protect and passes."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.types import Empty, Message, Receive, Scope, ScopeSession, Send
from litestar.utils.dataclass import extract_dataclass_items
from litestar.utils.scope.state import ScopeState

from changple_entrypoints.composition.adapters import csrf_secret, make_http_stores
from changple_entrypoints.settings import Settings

SESSION_COOKIE = "changple_session"
CSRF_COOKIE = "changple_csrf"
CSRF_HEADER = "X-CSRF-Token"
SESSION_STORE = "sessions"
RATE_LIMIT_STORE = "rate_limit"
# Safe requests here get the CSRF cookie; elsewhere (health checks, API reads) no cookie is set.
CSRF_ISSUING_PREFIXES = ("/api/v1/auth/", "/ops")

_ROTATE = "_rotate_id"  # a one-request marker in the session dict; never stored
_LOADED_KEY = "changple_session_loaded"  # scope key: the cookie's id named a stored session


def rotate_session_id(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give the session a new id when the response is sent (call it after signing someone in)."""
    session = connection.scope.get("session")
    if isinstance(session, dict):
        session[_ROTATE] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED_KEY] = dict(data) if data else None  # type: ignore[literal-required]
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        store = self.config.get_store_from_app(connection.scope["app"])
        headers = MutableScopeHeaders.from_message(message)
        cookie_params = dict(extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys()))
        incoming = connection.cookies.get(self.config.key)
        if incoming == "null":
            incoming = None
        loaded: dict[str, Any] | None = connection.scope.get(_LOADED_KEY)  # type: ignore[assignment]
        data = dict(scope_session) if isinstance(scope_session, dict) else {}
        rotate = bool(data.pop(_ROTATE, False))

        if scope_session is Empty or not data:
            if incoming:  # end it: forget the stored data and expire the cookie
                await self.delete(incoming, store=store)
                cookie_params.update(max_age=0, expires=0)
                expired = Cookie(value="null", key=self.config.key, **cookie_params)
                headers.add("Set-Cookie", expired.to_header(header=""))
            return
        if incoming and loaded is not None and not rotate and data == loaded:
            return  # unchanged: nothing to write, the cookie stands
        session_id = incoming if (incoming and loaded is not None and not rotate) else self.generate_session_id()
        if incoming and session_id != incoming:
            await self.delete(incoming, store=store)
        await self.set(session_id=session_id, data=self.serialize_data(data, connection.scope), store=store)
        headers.add("Set-Cookie", Cookie(value=session_id, key=self.config.key, **cookie_params).to_header(header=""))


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> RotatingSessionConfig:
    return RotatingSessionConfig(
        key=SESSION_COOKIE,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        store=SESSION_STORE,
    )


def build_stores(settings: Settings) -> dict[str, Store]:
    """The app's stores under the names the middleware and the guards look them up by; which
    store serves each is chosen in `composition/adapters.py`."""
    stores = make_http_stores(settings)
    return {SESSION_STORE: stores.sessions, RATE_LIMIT_STORE: stores.rate_limits}


def _cookie_names(scope: Scope) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in scope["headers"]:
        if name == b"cookie":
            for pair in value.decode("latin-1").split(";"):
                key, _, cookie_value = pair.partition("=")
                cookies[key.strip()] = cookie_value.strip()
    return cookies


SWEEP_EVERY_SECONDS = 3600


async def sweep_expired_sessions(store: Store, *, forever: bool) -> None:
    """Files and process memory keep expired sessions until they are read again: sweep them now,
    then hourly while `forever`. Redis drops expired keys on its own and needs no sweep."""
    if not isinstance(store, FileStore | MemoryStore):
        return
    while True:
        if not isinstance(store, FileStore) or await store.path.exists():  # made with the first session
            await store.delete_expired()
        if not forever:
            return
        await asyncio.sleep(SWEEP_EVERY_SECONDS)


class CsrfRefused(PermissionDeniedException):
    """An unsafe request rode on the session cookie without the matching CSRF token."""


class SessionAwareCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF cookie on safe requests to the auth routes; on unsafe requests riding on a
    session cookie, the token from that cookie must come back in the `X-CSRF-Token` header."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        if scope["method"] in self.config.safe_methods:
            if scope["path"].startswith(CSRF_ISSUING_PREFIXES):
                await super().__call__(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return
        cookies = _cookie_names(scope)
        has_authorization = any(name == b"authorization" for name, _ in scope["headers"])
        if has_authorization or cookies.get(SESSION_COOKIE, "null") in ("", "null"):
            await self.app(scope, receive, send)
            return
        sent = next((value.decode("latin-1") for name, value in scope["headers"] if name == self._header_key), None)
        cookie = cookies.get(self.config.cookie_name)
        if sent is None or cookie is None or not self._csrf_tokens_match(sent, cookie):
            raise CsrfRefused(
                f"CSRF check failed: send the token from GET /api/v1/auth/csrf/ in the {CSRF_HEADER} header"
            )
        ScopeState.from_scope(scope).csrf_token = sent
        await self.app(scope, receive, send)

    @property
    def _header_key(self) -> bytes:
        return self.config.header_name.lower().encode("latin-1")


def csrf_middleware(settings: Settings) -> DefineMiddleware:
    config = CSRFConfig(
        secret=csrf_secret(settings),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_secure=settings.secure_cookies,
        cookie_samesite="lax",
    )
    return DefineMiddleware(SessionAwareCSRFMiddleware, config=config)


def csrf_token_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The CSRF token the middleware chose for this (safe) request, for the frontend to echo back."""
    token = ScopeState.from_scope(connection.scope).csrf_token
    return token if isinstance(token, str) else None
