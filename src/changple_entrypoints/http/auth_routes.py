"""Sign-in with Naver, the session's CSRF token, logout, the caller's own account and withdrawal.

The login is the OAuth 2.0 authorization-code flow. `/login/` keeps a random `state` in the
visitor's session (a few at once, for people with two tabs open) and sends the browser to Naver;
`/callback/` accepts a state once, within `CHANGPLE_LOGIN_STATE_MAX_AGE_SECONDS`, exchanges the code,
reads the profile, signs the user in and rotates the session id.

A browser is sent on to `CHANGPLE_FRONTEND_URL` (with `?login_error=<code>` when the login failed);
an API client (`Accept: application/json`), or any caller when no frontend is configured, gets JSON:
the signed-in user, or `{"error": code, "detail": ...}` with a 4xx or 503. Failures are logged
with their code and Naver's error name, never with a code, state or token."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import anyio.to_thread
from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter, SkipValidation
from litestar.response import Redirect

from changple_domain.use_cases.accounts import (
    CodeRejected,
    LoginUnavailable,
    ProfileRejected,
    SignedIn,
    Withdrawal,
)
from changple_entrypoints.http.access import AUTH_RESPONSES, SIGNED_IN_ONLY, provide_caller, signed_in_session
from changple_entrypoints.http.dependencies import CallerDep, UseCase
from changple_entrypoints.http.errors import error_response
from changple_entrypoints.http.redirects import Landing
from changple_entrypoints.http.schemas import CsrfRead, ErrorRead, SignedInRead, UserRead, WithdrawnRead
from changple_entrypoints.http.sessions import CSRF_HEADER, RATE_LIMIT_STORE, csrf_token_of, rotate_session_id
from changple_entrypoints.settings import Settings

log = logging.getLogger(__name__)

AnyRequest = Request[Any, Any, Any]
T = TypeVar("T")
# The settings these routes read (the frontend, how long a login may take), handed over by auth_routers.
LoginSettings = NamedDependency[SkipValidation[Settings]]

CONSOLE = Landing("/", under="/ops")  # the operations console is served by this API, not by the frontend
PENDING_LOGINS = "naver_logins"  # session key: state -> {"at": epoch seconds, "next": path}
USED_STATES = "naver_used_states"  # session key: hashes of states already spent, to name a reuse
MAX_PENDING_LOGINS = 5
MAX_USED_STATES = 10

# The routes that make us call Naver share a rate limit per client address (see auth_routers).
RATE_LIMITED = {
    429: ResponseSpec(
        ErrorRead, description="Too many calls from this address: the `RateLimit-*` headers say when to try again."
    )
}

LoginParam = Annotated[str | None, QueryParameter(max_length=2048)]


class LoginFailed(Exception):
    def __init__(self, code: str, status: int, detail: str) -> None:
        super().__init__(detail)
        self.code, self.status, self.detail = code, status, detail


def _state_digest(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def _frontend_target(target: str | None, settings: Settings) -> str | None:
    """The target, normalized, when it stays on the configured frontend (origin and path)."""
    return Landing(settings.frontend_url).resolve(target) if settings.frontend_url else None


def _safe_next(target: str | None, settings: Settings) -> str:
    """Where to land after login: a page of the console on this host or of the frontend, in the
    normalized form a browser will read; anything that could leave them is dropped ("")."""
    return CONSOLE.resolve(target) or _frontend_target(target, settings) or ""


def _prefers_html(request: AnyRequest) -> bool:
    return request.accept.best_match(["text/html", "application/json"], default="text/html") == "text/html"


def _wants_json(request: AnyRequest, settings: Settings) -> bool:
    return not settings.frontend_url or not _prefers_html(request)


def _frontend_url(settings: Settings, **params: str) -> str:
    base = settings.frontend_url or "/"
    if not params:
        return base
    parts = urlsplit(base)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _failure(request: AnyRequest, settings: Settings, failed: LoginFailed) -> Response[Any]:
    log.warning("naver login failed: %s (%s)", failed.code, failed.detail)
    if _wants_json(request, settings):
        return error_response(failed.status, failed.code, failed.detail)
    return Redirect(_frontend_url(settings, login_error=failed.code), status_code=303)


@get(
    "/naver/login/",
    status_code=302,
    summary="Start signing in with Naver: redirects to Naver's consent page",
    description="Keeps a single-use `state` in the visitor's session. `next` is a path on the frontend to "
    "land on afterwards. Answers 503 when Naver Login is not configured.",
    responses={
        302: ResponseSpec(None, description="To Naver's authorize URL"),
        503: ResponseSpec(ErrorRead),
        **RATE_LIMITED,
    },
)
async def naver_login(
    request: AnyRequest,
    naver_login_url: UseCase[str],
    login_settings: LoginSettings,
    next_path: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None,
) -> Redirect:
    now = time.time()
    session = dict(request.session)
    pending: dict[str, dict[str, Any]] = dict(session.get(PENDING_LOGINS) or {})
    oldest_first = sorted(pending, key=lambda known: float(pending[known].get("at", 0)))
    for stale in oldest_first[: max(0, len(pending) - MAX_PENDING_LOGINS + 1)]:
        del pending[stale]
    state = secrets.token_urlsafe(32)
    authorize_url = naver_login_url(state)  # 503 before the session changes when Naver Login is not set up
    pending[state] = {"at": now, "next": _safe_next(next_path, settings=login_settings)}
    request.set_session({**session, PENDING_LOGINS: pending})
    return Redirect(authorize_url, status_code=302)


def _take_state(request: AnyRequest, state: str | None, *, max_age_seconds: int) -> dict[str, Any]:
    """The pending login this state belongs to, removed from the session so it never works twice."""
    session = dict(request.session)
    pending: dict[str, dict[str, Any]] = dict(session.get(PENDING_LOGINS) or {})
    used: list[str] = list(session.get(USED_STATES) or [])
    if not state:
        raise LoginFailed("state_missing", 400, "the callback came without a state: start again at the login link")
    entry = pending.pop(state, None)
    if entry is None:
        if _state_digest(state) in used:
            raise LoginFailed("state_reused", 400, "this login link was already used: start again at the login link")
        raise LoginFailed(
            "state_mismatch",
            400,
            "the state does not belong to a login started in this browser (or its session ended): "
            "start again at the login link",
        )
    used = [*used, _state_digest(state)][-MAX_USED_STATES:]
    request.set_session({**session, PENDING_LOGINS: pending, USED_STATES: used})
    if time.time() - float(entry.get("at", 0)) > max_age_seconds:
        raise LoginFailed("state_expired", 400, "the login took too long: start again at the login link")
    return entry


@get(
    "/naver/callback/",
    summary="Where Naver sends the browser back: finishes the sign-in",
    description="Browsers are redirected to the frontend (`?login_error=<code>` on failure); clients that "
    "accept JSON get the signed-in user, or an error with one of the codes `login_denied`, `state_missing`, "
    "`state_mismatch`, `state_reused`, `state_expired`, `code_missing`, `code_rejected` (400), "
    "`profile_failed` (502) and `naver_unavailable` (503).",
    responses={
        303: ResponseSpec(None, description="To the frontend"),
        400: ResponseSpec(ErrorRead),
        502: ResponseSpec(ErrorRead),
        503: ResponseSpec(ErrorRead),
        **RATE_LIMITED,
    },
)
async def naver_callback(
    request: AnyRequest,
    finish_naver_login: UseCase[Awaitable[SignedIn]],
    login_settings: LoginSettings,
    code: LoginParam = None,
    naver_state: Annotated[str | None, QueryParameter(name="state", max_length=2048)] = None,  # `state` is reserved
    error: LoginParam = None,
    error_description: LoginParam = None,
) -> Response[Any]:
    settings = login_settings
    try:
        entry = _take_state(request, naver_state, max_age_seconds=settings.login_state_max_age_seconds)
        granted = _granted_code(code, error, error_description)
        signed = await _off_the_loop(lambda: finish_naver_login(granted, naver_state or ""))
    except CodeRejected as exc:
        return _failure(
            request, settings, LoginFailed("code_rejected", 400, f"{exc.detail}: start again at the login link")
        )
    except ProfileRejected as exc:
        return _failure(request, settings, LoginFailed("profile_failed", 502, exc.detail))
    except LoginUnavailable as exc:
        return _failure(request, settings, LoginFailed("naver_unavailable", 503, f"{exc.detail}; try again later"))
    except LoginFailed as failed:
        return _failure(request, settings, failed)
    # A fresh session under a new id: nothing from before the login (or an attacker's cookie) carries over.
    request.set_session(
        {
            **signed_in_session(signed.user),
            "signed_in_at": datetime.now(UTC).isoformat(),
            USED_STATES: request.session.get(USED_STATES, []),  # so a replayed callback is named a reuse
        }
    )
    rotate_session_id(request)
    log.info(
        "user %d signed in with %s (%s)", signed.user.id, signed.user.provider, "new" if signed.created else "returning"
    )
    return _signed_in_answer(request, settings, signed, stored_next=str(entry.get("next") or ""))


def _granted_code(code: str | None, error: str | None, error_description: str | None) -> str:
    """The code Naver sent back, unless the person declined (or Naver sent none)."""
    if error:
        reason = f"{error}: {error_description}" if error_description else error
        raise LoginFailed("login_denied", 400, f"Naver did not sign you in ({reason[:200]})")
    if not code:
        raise LoginFailed("code_missing", 400, "the callback came without a code: start again at the login link")
    return code


async def _off_the_loop(start: Callable[[], Awaitable[T]]) -> T:
    """Run an async use case that also writes to the database on a worker thread with a loop of its
    own, so no blocking call lands on the server's loop."""

    async def run() -> T:
        return await start()

    return await anyio.to_thread.run_sync(lambda: asyncio.run(run()))


def _signed_in_answer(request: AnyRequest, settings: Settings, signed: SignedIn, *, stored_next: str) -> Response[Any]:
    """Where a signed-in browser goes next, judged again on the way out (the settings may have
    changed since the login started); JSON for API clients."""
    console = CONSOLE.resolve(stored_next)
    if console and _prefers_html(request):
        return Redirect(console, status_code=303)  # back to the console, on this host
    if _wants_json(request, settings):
        return Response(SignedInRead(user=UserRead.of(signed.user), created=signed.created))
    return Redirect(_frontend_target(stored_next, settings) or _frontend_url(settings), status_code=303)


@get(
    "/csrf/",
    summary="The CSRF token to send back on unsafe requests made with the session cookie",
    description=f"Send it in the `{CSRF_HEADER}` header on POST, PUT, PATCH and DELETE. Requests with a "
    "bearer token, or without a session cookie, need no CSRF token.",
)
async def csrf(request: AnyRequest) -> CsrfRead:
    token = csrf_token_of(request)
    if token is None:  # the middleware sets one on every safe request; this would be a wiring bug
        raise RuntimeError("the CSRF middleware did not run")
    return CsrfRead(csrf_token=token, header_name=CSRF_HEADER)


@post("/logout/", status_code=204, summary="End the session (harmless when there is none)")
async def logout(request: AnyRequest) -> None:
    request.clear_session()


@get("/me/", summary="The signed-in user's own account", responses=AUTH_RESPONSES, **SIGNED_IN_ONLY)
async def me(caller: CallerDep) -> UserRead:
    return UserRead.of(caller.require_user())


@delete(
    "/withdraw/",
    status_code=200,
    summary="Delete the signed-in user's account, revoke their Naver grant and end the session",
    description="`naver_revoked` is true only when Naver confirmed the grant is gone. Otherwise the account "
    "is deleted all the same and `naver_revocation` says what follows: `pending` (a worker keeps retrying) "
    "or `manual` (the person must remove the app in Naver's settings); `message` says it in a sentence. "
    "A repeat from another session of the same user answers `withdrawn: false`.",
    responses={**AUTH_RESPONSES, **RATE_LIMITED},
    **SIGNED_IN_ONLY,
)
async def withdraw(
    request: AnyRequest, caller: CallerDep, withdraw_account: UseCase[Awaitable[Withdrawal]]
) -> WithdrawnRead:
    user = caller.require_user()
    withdrawal = await _off_the_loop(lambda: withdraw_account(user))  # it calls Naver, then the database
    request.clear_session()
    log.info("user %d withdrew (naver grant %s)", user.id, withdrawal.revocation.value)
    return WithdrawnRead.of(withdrawn=withdrawal.withdrawn, revocation=withdrawal.revocation)


def auth_routers(settings: Settings) -> list[Router]:
    """The sign-in routes and the account routes. The ones that call Naver (login, callback,
    withdrawal) share one rate limit per client address; reading a CSRF token, logging out and
    `me` are cheap and stay unlimited, so many people behind one carrier NAT are not locked out."""
    limit = RateLimitConfig(
        rate_limit=("minute", settings.auth_rate_limit_per_minute), store=RATE_LIMIT_STORE
    ).middleware
    caller = {"caller": Provide(provide_caller)}
    login = {"login_settings": Provide(lambda: settings, sync_to_thread=False)}
    return [
        Router(
            "/api/v1/auth",
            tags=["auth"],
            route_handlers=[naver_login, naver_callback],
            middleware=[limit],
            dependencies=login,
        ),
        Router("/api/v1/auth", tags=["auth"], route_handlers=[csrf, logout]),
        Router("/api/v1/users", tags=["users"], route_handlers=[me], dependencies=caller),
        Router("/api/v1/users", tags=["users"], route_handlers=[withdraw], dependencies=caller, middleware=[limit]),
    ]
