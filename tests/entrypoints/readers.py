"""Signed-in readers for HTTP tests: a user made through the real repository, and a client whose
session cookie holds them (Litestar's TestClient writes the session through our own backend).
Unsafe requests with a session need the CSRF token, as a browser's would."""

from __future__ import annotations

import secrets
from typing import Any

from litestar.testing import TestClient

from changple_domain.model.users import NewUser, SocialProfile, User
from changple_entrypoints.composition.container import Container
from changple_entrypoints.http.access import signed_in_session
from changple_entrypoints.http.app import create_app
from changple_entrypoints.http.sessions import session_config


def make_user(container: Container, nickname: str = "창업준비생") -> User:
    uow = container.uow()
    with uow:
        user = uow.users.add(
            NewUser(
                profile=SocialProfile(social_id=secrets.token_hex(8), nickname=nickname),
                created_at=container.clock().now(),
            )
        )
        uow.commit()
    return user


class Reader:
    """A browser-like client signed in as `user`."""

    def __init__(self, client: TestClient[Any], user: User) -> None:
        self.http, self.user = client, user

    def csrf_headers(self) -> dict[str, str]:
        response = self.http.get("/api/v1/auth/csrf/")
        assert response.status_code == 200, response.text
        return {"X-CSRF-Token": response.json()["csrf_token"]}

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.http.post(path, headers=self.csrf_headers(), **kwargs)

    def delete(self, path: str) -> Any:
        return self.http.delete(path, headers=self.csrf_headers())


def reader_client(container: Container, user: User) -> TestClient[Any]:
    """An entered TestClient whose session belongs to `user`; the caller exits it."""
    client = TestClient(app=create_app(container), session_config=session_config(container.settings()))
    client.__enter__()
    client.set_session_data(signed_in_session(user))
    return client
