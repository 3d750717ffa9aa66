"""The five kinds of caller the fuzzer sends requests as, with the credentials each one carries:
nobody, a signed-in social user (session cookie, and the CSRF token on unsafe methods, as the
frontend sends them), and service tokens with the `chat`, `pipeline` and `admin` scopes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar.testing import TestClient
from schemathesis.python import asgi

from changple_domain.model.access import Scope
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.access import signed_in_session
from changple_entrypoints.http.sessions import CSRF_HEADER, SESSION_COOKIE, session_config
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.readers import make_user

CALLERS = ("anonymous", "social", "chat", "pipeline", "admin")
TOKEN_SCOPES = {"chat": Scope.CHAT, "pipeline": Scope.PIPELINE, "admin": Scope.ADMIN}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Generated calls that end the social user's session (a logout) or account (a withdrawal).
ENDS_SESSION = {("POST", "/api/v1/auth/logout"), ("DELETE", "/api/v1/users/withdraw")}


@dataclass
class FuzzCaller:
    name: str
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    unsafe_headers: dict[str, str] = field(default_factory=dict)

    def headers_for(self, method: str) -> dict[str, str]:
        return {**self.headers, **(self.unsafe_headers if method.upper() in UNSAFE else {})}

    def after(self, method: str, path: str) -> None:
        """Called after every request: nothing to do for most callers."""


class SocialCaller(FuzzCaller):
    """A person signed in with Naver. A generated logout or withdrawal ends the session (or the
    account): the next request goes out with a new session, for a new account if need be, so the
    rest of the run still calls as a signed-in person."""

    def __init__(self, container: Container, app: Any, user_id: int) -> None:
        super().__init__("social")
        self.container, self.app, self.user_id = container, app, user_id
        self._sign_in()

    def _sign_in(self) -> None:
        uow = self.container.uow()
        with uow:
            user = uow.users.get(self.user_id)
        if user is None:
            user = make_user(self.container, "다시 가입한 독자")
            self.user_id = user.id
        writer = TestClient(app=self.app, session_config=session_config(self.container.settings()))
        writer.set_session_data(signed_in_session(user))  # through the app's own session store
        self.cookies = {SESSION_COOKIE: writer.cookies[SESSION_COOKIE]}
        with asgi.get_client(self.app) as http:
            http.cookies.update(self.cookies)
            answer = http.get("/api/v1/auth/csrf/")
            assert answer.status_code == 200, answer.text
            self.cookies.update(http.cookies.get_dict())
            self.unsafe_headers = {CSRF_HEADER: answer.json()["csrf_token"]}

    def after(self, method: str, path: str) -> None:
        if (method.upper(), path) in ENDS_SESSION:
            self._sign_in()


def make_caller(name: str, container: Container, app: Any, social_user_id: int) -> FuzzCaller:
    if name == "anonymous":
        return FuzzCaller(name)
    if name == "social":
        return SocialCaller(container, app, social_user_id)
    return FuzzCaller(name, headers=bearer(service_token(container, TOKEN_SCOPES[name])))
