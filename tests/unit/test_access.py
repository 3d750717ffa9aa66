"""Who may do what: the caller rules every HTTP guard relies on, and the service-token format."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from changple_domain.errors import Forbidden, Unauthorized
from changple_domain.model.access import Caller, Scope, new_service_token, split_token
from changple_domain.model.users import User, UserRole

T0 = datetime(2026, 11, 22, tzinfo=UTC)


def user(role: UserRole) -> User:
    return User(id=7, social_id="nv-1", role=role, created_at=T0)


def token(*scopes: Scope) -> Caller:
    made, _ = new_service_token("agent", frozenset(scopes), now=T0)
    return Caller(token=made)


@pytest.mark.parametrize("scope", list(Scope))
def test_anonymous_is_401_social_is_403_admin_passes(scope: Scope) -> None:
    with pytest.raises(Unauthorized, match="sign in"):
        Caller().require(scope)
    with pytest.raises(Forbidden, match=scope.value):
        Caller(user=user(UserRole.SOCIAL)).require(scope)
    Caller(user=user(UserRole.ADMIN)).require(scope)


def test_a_token_holds_its_scopes_and_an_admin_token_holds_all() -> None:
    chat = token(Scope.CHAT)
    chat.require(Scope.CHAT)
    with pytest.raises(Forbidden, match="pipeline"):
        chat.require(Scope.PIPELINE)
    for scope in Scope:
        token(Scope.ADMIN).require(scope)


def test_people_only_routes_refuse_tokens_with_403_and_visitors_with_401() -> None:
    assert Caller(user=user(UserRole.SOCIAL)).require_user().id == 7
    with pytest.raises(Forbidden):
        token(Scope.ADMIN).require_user()
    with pytest.raises(Unauthorized):
        Caller().require_user()


def test_token_text_round_trips_and_only_its_own_secret_matches() -> None:
    made, text = new_service_token(" chat-agent ", frozenset({Scope.CHAT}), now=T0)
    assert made.name == "chat-agent"
    token_id, secret = split_token(text)
    assert token_id == made.id
    assert made.matches(secret)
    assert not made.matches(secret[:-1] + ("a" if secret[-1] != "a" else "b"))
    assert secret not in repr(made)
    _, other_text = new_service_token("x", frozenset({Scope.CHAT}), now=T0)
    assert split_token(other_text)[1] != secret
    for bad in ("", "Bearer abc", f"chp_{made.id}_short", text + "x"):
        with pytest.raises(Unauthorized):
            split_token(bad)
