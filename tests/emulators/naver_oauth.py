"""A local emulator of Naver Login (OAuth 2.0) as shared/PROVIDERS.md describes it: the authorize
redirect, the token endpoint (authorization code once, refresh), the profile API and revocation.

It keeps Naver's quirks: the token endpoint refuses a bad, reused or foreign code, a wrong client
secret and a dead refresh token with HTTP 200 and `{"error", "error_description"}`; `expires_in` is
a string; an access token dies `token_lifetime_seconds` (3600) after it was issued, a refresh gives a
new one and no new refresh token; the profile API answers `{"resultcode", "message", "response"}` and
401 with resultcode "024" for a bad token. Revocation deletes the whole grant only when the access
token is alive; for a dead, unknown or refresh token it answers the same 200 with an empty body and
deletes nothing, as Naver's login guide warns ("the result is 'success' even when the token is not
valid"). The guide's way to confirm a deletion is that the refresh token no longer refreshes.

The authorize endpoint plays a person who signs in and consents at once. Knobs, all guarded by
`self.lock`: `users` (Naver users by id), `next_profile(...)` (who signs in next), `deny_next(...)`
(the next sign-in is refused), `token_failures` / `profile_failures` / `revoke_failures` (statuses
answered to the next requests of that endpoint, one popped per request), `token_refusals` and
`revoke_refusals` ((status, body) answered to the next requests of that endpoint), `down` (every
endpoint 503), `advance(seconds)` (the emulator's clock moves on: tokens expire), `disconnect(token)`
(the person removes the app in Naver's settings), `token_lifetime_seconds`, `latency_seconds`;
`calls` records every request (query, form, headers, status), `revocations` every revocation that
deleted a grant, and `grant_revoked(token)` says whether the grant behind a token is gone."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from tests.emulators.base import Emulator, Handler, Request, Response, run_main

JSON_UTF8 = "application/json;charset=utf-8"
AUTH_FAILED = {"resultcode": "024", "message": "Authentication failed / 인증에 실패했습니다."}

DEFAULT_USERS: tuple[dict[str, Any], ...] = (
    {
        "id": "32742776",
        "nickname": "창업준비생",
        "name": "김창업",
        "email": "founder@naver.com",
        "gender": "M",
        "age": "30-39",
        "birthday": "10-01",
        "profile_image": "https://ssl.pstatic.net/static/pwe/address/img_profile.png",
        "birthyear": "1990",
        "mobile": "010-1234-5678",
    },
    {"id": "51234567", "nickname": "카페사장", "name": "이사장", "email": "owner@naver.com"},
)


@dataclass(frozen=True)
class Call:
    """One request as received: enough to assert what went where (and that no secret was in a URL)."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, str]
    headers: dict[str, str]
    status: int


@dataclass
class _Grant:
    """One consent: the profile it shows and every token issued under it."""

    profile: dict[str, Any]
    refresh_token: str
    access_tokens: dict[str, float] = field(default_factory=dict)  # token -> expiry (emulator clock)
    revoked: bool = False


@dataclass
class _Code:
    state: str
    profile: dict[str, Any]
    used: bool = False


class NaverOAuthEmulator(Emulator):
    """One registered application (`client_id`, `client_secret`, `redirect_uri`) and its users."""

    def __init__(
        self,
        *,
        client_id: str = "changple-naver-client",
        client_secret: str = "changple-naver-secret-9f2c",
        redirect_uri: str = "http://127.0.0.1:8000/auth/naver/callback",
        users: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._initial_users = [dict(user) for user in (users or DEFAULT_USERS)]
        self.users: list[dict[str, Any]] = []
        self.base_url = ""
        self._state_reset()
        for method, path, handler in (
            ("GET", "/oauth2.0/authorize", self._authorize),
            ("POST", "/oauth2.0/token", self._token),
            ("GET", "/v1/nid/me", self._profile),
            ("POST", "/oauth2.0/revoke", self._revoke),
        ):
            self.route(method, path, self._recorded(handler))

    # --- test helpers -------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self.base_url = super().start(host, port)
        return self.base_url

    def _state_reset(self) -> None:
        self.users = [dict(user) for user in self._initial_users]
        self.calls: list[Call] = []
        self.revocations: list[str] = []  # access tokens revoked, in order
        self.token_failures: list[int] = []
        self.profile_failures: list[int] = []
        self.revoke_failures: list[int] = []
        self.revoke_refusals: list[tuple[int, dict[str, Any]]] = []
        self.token_refusals: list[tuple[int, dict[str, Any]]] = []
        self.down = False
        self._clock_offset = 0.0
        self.token_lifetime_seconds = 3600
        self._next_profiles: list[dict[str, Any]] = []
        self._denials: list[tuple[str, str]] = []
        self._codes: dict[str, _Code] = {}
        self._grants_by_access: dict[str, _Grant] = {}
        self._grants_by_refresh: dict[str, _Grant] = {}

    def reset(self) -> None:
        """Forget codes, tokens, knobs and records, so one server can serve many tests."""
        with self.lock:
            self._state_reset()
            self.requests.clear()
            self.latency_seconds = 0.0

    def next_profile(self, profile: dict[str, Any]) -> None:
        """The next sign-in is this Naver user (any dict: one without `id` or fields is allowed)."""
        with self.lock:
            self._next_profiles.append(dict(profile))

    def deny_next(self, error: str = "access_denied", description: str = "Canceled By User") -> None:
        """The next sign-in redirects back with `error` instead of a code (the person said no)."""
        with self.lock:
            self._denials.append((error, description))

    def calls_to(self, path: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.path == path]

    def issued_tokens(self) -> list[str]:
        """Every access and refresh token handed out since the last reset."""
        with self.lock:
            return [*self._grants_by_access, *self._grants_by_refresh]

    def refresh_tokens(self) -> list[str]:
        """The refresh token of every grant since the last reset, oldest first."""
        with self.lock:
            return list(self._grants_by_refresh)

    def is_active(self, access_token: str) -> bool:
        with self.lock:
            return self._active_grant(access_token) is not None

    def advance(self, seconds: float) -> None:
        """Move the emulator's clock on (every token ages; no real waiting)."""
        with self.lock:
            self._clock_offset += seconds

    def disconnect(self, token: str) -> None:
        """The person removes the app in Naver's settings: the grant behind this token is gone."""
        with self.lock:
            grant = self._grants_by_access.get(token) or self._grants_by_refresh.get(token)
            if grant is None:
                raise KeyError("no grant behind this token")
            grant.revoked = True

    def grant_revoked(self, token: str) -> bool:
        """Whether the grant behind this access or refresh token is really gone at Naver."""
        with self.lock:
            grant = self._grants_by_access.get(token) or self._grants_by_refresh.get(token)
            if grant is None:
                raise KeyError("no grant behind this token")
            return grant.revoked

    # --- plumbing -----------------------------------------------------------------------------

    def _recorded(self, handler: Callable[[Request], Response]) -> Handler:
        def serve(request: Request) -> Response:
            form = self._form(request) if request.method == "POST" else {}
            with self.lock:
                down = self.down
            response = self._naver_error(503, "service unavailable") if down else handler(request)
            with self.lock:
                self.calls.append(
                    Call(request.method, request.path, request.query, form, dict(request.headers), response.status)
                )
            return response

        return serve

    @staticmethod
    def _form(request: Request) -> dict[str, str]:
        parsed = parse_qs(request.body.decode("utf-8", errors="replace"), keep_blank_values=True)
        return {name: values[-1] for name, values in parsed.items()}

    @staticmethod
    def _naver_error(status: int, message: str) -> Response:
        return Response(status, {"resultcode": str(status), "message": message}, content_type=JSON_UTF8)

    @staticmethod
    def _token_error(error: str, description: str) -> Response:
        # Naver answers HTTP 200 for these: the body alone says it failed.
        return Response(200, {"error": error, "error_description": description}, content_type=JSON_UTF8)

    @staticmethod
    def _redirect(uri: str, params: dict[str, str]) -> Response:
        parts = urlsplit(uri)
        query = "&".join(filter(None, [parts.query, urlencode(params)]))
        location = urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
        return Response(302, b"", headers={"Location": location}, content_type="text/html;charset=utf-8")

    def _client_ok(self, form: dict[str, str]) -> bool:
        return form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset

    def _active_grant(self, access_token: str) -> _Grant | None:
        grant = self._grants_by_access.get(access_token)
        if grant is None or grant.revoked or grant.access_tokens.get(access_token, 0.0) <= self._now():
            return None
        return grant

    def _issue_access(self, grant: _Grant) -> str:
        token = "AAAA" + secrets.token_urlsafe(32)
        grant.access_tokens[token] = self._now() + self.token_lifetime_seconds
        self._grants_by_access[token] = grant
        return token

    # --- endpoints ----------------------------------------------------------------------------

    def _authorize(self, request: Request) -> Response:
        query = {name: values[-1] for name, values in request.query.items()}
        if query.get("response_type") != "code":
            return Response(400, b"unsupported response_type", content_type="text/plain;charset=utf-8")
        if query.get("client_id") != self.client_id:
            return Response(400, b"invalid client_id", content_type="text/plain;charset=utf-8")
        if query.get("redirect_uri") != self.redirect_uri:
            return Response(400, b"redirect_uri does not match the registered one", content_type="text/plain")
        state = query.get("state", "")
        with self.lock:
            if self._denials:
                error, description = self._denials.pop(0)
                return self._redirect(
                    self.redirect_uri, {"error": error, "error_description": description, "state": state}
                )
            profile = self._next_profiles.pop(0) if self._next_profiles else dict(self.users[0])
            code = secrets.token_urlsafe(12)
            self._codes[code] = _Code(state=state, profile=profile)
        return self._redirect(self.redirect_uri, {"code": code, "state": state})

    def _token(self, request: Request) -> Response:
        form = self._form(request)
        with self.lock:
            if self.token_failures:
                return self._naver_error(self.token_failures.pop(0), "injected failure")
            if self.token_refusals:
                status, body = self.token_refusals.pop(0)
                return Response(status, body, content_type=JSON_UTF8)
            if not self._client_ok(form):
                return self._token_error("invalid_client", "wrong client id / client secret pair")
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                return self._exchange(form)
            if grant_type == "refresh_token":
                return self._refresh(form)
            return self._token_error("unsupported_grant_type", f"unsupported grant_type: {grant_type}")

    def _exchange(self, form: dict[str, str]) -> Response:
        code = self._codes.get(form.get("code", ""))
        if code is None or code.used:
            return self._token_error("invalid_request", "no valid data in session")
        code.used = True  # a code works once, even when this attempt fails on the state
        if form.get("state") != code.state:
            return self._token_error("invalid_request", "state does not match the authorization request")
        grant = _Grant(profile=code.profile, refresh_token=secrets.token_urlsafe(40))
        self._grants_by_refresh[grant.refresh_token] = grant
        access = self._issue_access(grant)
        body = {
            "access_token": access,
            "refresh_token": grant.refresh_token,
            "token_type": "bearer",
            "expires_in": str(self.token_lifetime_seconds),
        }
        return Response(200, body, content_type=JSON_UTF8)

    def _refresh(self, form: dict[str, str]) -> Response:
        grant = self._grants_by_refresh.get(form.get("refresh_token", ""))
        if grant is None or grant.revoked:
            return self._token_error("invalid_request", "invalid refresh token")
        access = self._issue_access(grant)
        body = {"access_token": access, "token_type": "bearer", "expires_in": str(self.token_lifetime_seconds)}
        return Response(200, body, content_type=JSON_UTF8)

    def _profile(self, request: Request) -> Response:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self.lock:
            if self.profile_failures:
                return self._naver_error(self.profile_failures.pop(0), "injected failure")
            grant = self._active_grant(token) if scheme.lower() == "bearer" else None
            if grant is None:
                return Response(401, dict(AUTH_FAILED), content_type=JSON_UTF8)
            profile = dict(grant.profile)
        return Response(200, {"resultcode": "00", "message": "success", "response": profile}, content_type=JSON_UTF8)

    def _revoke(self, request: Request) -> Response:
        form = self._form(request)
        with self.lock:
            if self.revoke_failures:
                return self._naver_error(self.revoke_failures.pop(0), "injected failure")
            if self.revoke_refusals:
                status, body = self.revoke_refusals.pop(0)
                return Response(status, body, content_type=JSON_UTF8)
            if not self._client_ok(form):
                return Response(401, {"error": "invalid_client", "error_description": "client authentication failed"})
            token = form.get("token", "")
            if not token:
                return Response(400, {"error": "invalid_request", "error_description": "token is required"})
            grant = self._active_grant(token)
            if grant is not None:
                grant.revoked = True  # the whole consent goes: every access token and the refresh token
                self.revocations.append(token)
            # A dead, unknown or refresh token gets the same success and deletes nothing (Naver's warning).
        return Response(200, b"", content_type="text/plain;charset=utf-8")


if __name__ == "__main__":
    run_main(NaverOAuthEmulator())
