"""A session opens only the account it was made for, and every change to an account (withdrawal,
demotion) or to a service token (revocation) holds from the next request of every other session or
caller. Real app over real HTTP against the fake Naver, as in test_auth_flow.py (whose site fixtures
these tests share)."""

from __future__ import annotations

import json

import anyio
import httpx
import pytest
from sqlalchemy import text

from changple_domain.model.access import Scope
from changple_domain.model.users import UserRole
from changple_domain.use_cases.accounts import set_role
from changple_domain.use_cases.service_tokens import revoke_service_token
from changple_entrypoints.http.sessions import SESSION_STORE, build_stores
from tests.emulators.naver_oauth import DEFAULT_USERS
from tests.entrypoints import test_auth_flow as flow
from tests.entrypoints.callers import bearer, service_token
from tests.entrypoints.test_auth_flow import ME, SESSION, WITHDRAW, Browser, Site, SiteFactory

# The fake Naver and the served sites, as test_auth_flow.py sets them up.
naver_server, naver, make_site, site = flow.naver_server, flow.naver, flow.make_site, flow.site
redis_postgres_overrides = flow.redis_postgres_overrides

STATUS = "/api/v1/scraper/status/"  # any admin-only route
NEWCOMER = DEFAULT_USERS[1]


def _withdraw_and_sign_up_someone_new(site: Site) -> tuple[Browser, int, Browser]:
    """A (the newest user) signs in twice and withdraws with the first session; B signs up. Gives
    A's other session, A's id and B's browser."""
    first, second = site.browser(), site.browser()
    assert first.login().status_code == 303
    assert second.login().status_code == 303
    a_id = int(first.http.get(ME).json()["id"])
    assert first.unsafe("DELETE", WITHDRAW).status_code == 200
    site.naver.next_profile(NEWCOMER)
    newcomer = site.browser()
    assert newcomer.login().status_code == 303
    return second, a_id, newcomer


@pytest.mark.hostile
@pytest.mark.parametrize(
    "backend", ["embedded", pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def test_a_withdrawn_users_other_session_never_opens_the_next_new_account(
    backend: str, make_site: SiteFactory, request: pytest.FixtureRequest
) -> None:
    """The report: A's other session must not answer as B, and B must not get A's id."""
    site = make_site(**(request.getfixturevalue("redis_postgres_overrides") if backend != "embedded" else {}))
    stale_session, a_id, newcomer = _withdraw_and_sign_up_someone_new(site)
    b = newcomer.http.get(ME).json()
    assert b["nickname"] == NEWCOMER["nickname"]
    assert b["id"] > a_id  # a fresh id, never the withdrawn user's

    stale = stale_session.http.get(ME)
    assert stale.status_code == 401, stale.text
    assert stale_session.session_id is None  # the dead session's cookie is cleared
    assert newcomer.http.get(ME).json()["id"] == b["id"]  # B's own session is untouched


@pytest.mark.hostile
def test_a_session_is_refused_when_its_id_now_names_another_account(site: Site) -> None:
    """Even if a store ever gave a withdrawn user's id to someone else (a restored backup, a hand
    edit), the old session names the account it was made for, not just the number."""
    stale_session, a_id, _ = _withdraw_and_sign_up_someone_new(site)
    with site.container.engine().begin() as connection:  # B now holds A's old id
        connection.execute(text("UPDATE users SET id = :old WHERE social_id = :b"), {"old": a_id, "b": NEWCOMER["id"]})
    refused = stale_session.http.get(ME)
    assert refused.status_code == 401, refused.text
    assert refused.json()["error"] == "unauthorized"
    assert stale_session.session_id is None


@pytest.mark.hostile
def test_a_session_from_before_the_binding_is_refused_and_cleared(site: Site) -> None:
    """Sessions written by earlier versions hold only a user id: they open nothing any more."""
    browser = site.browser()
    assert browser.login().status_code == 303
    a_id = browser.http.get(ME).json()["id"]
    store = build_stores(site.container.settings())[SESSION_STORE]  # the same files the app reads
    legacy = {"user_id": a_id, "signed_in_at": "2026-01-01T00:00:00+00:00"}
    anyio.run(lambda: store.set("legacy-session-id-0123456789", json.dumps(legacy).encode(), expires_in=3600))
    answer = httpx.get(f"{site.base}{ME}", cookies={SESSION: "legacy-session-id-0123456789"})
    assert answer.status_code == 401, answer.text
    assert anyio.run(lambda: store.exists("legacy-session-id-0123456789")) is False
    assert browser.http.get(ME).status_code == 200  # a session made now still works


def test_a_demotion_holds_from_the_next_request_of_every_session(site: Site) -> None:
    first, second = site.browser(), site.browser()
    assert first.login().status_code == 303
    assert second.login().status_code == 303
    user_id = first.http.get(ME).json()["id"]
    set_role(user_id, UserRole.ADMIN, uow=site.container.uow())
    assert first.http.get(STATUS).status_code == 200
    assert second.http.get(STATUS).status_code == 200

    set_role(user_id, UserRole.SOCIAL, uow=site.container.uow())
    for browser in (first, second):
        refused = browser.http.get(STATUS)
        assert refused.status_code == 403, refused.text
        assert browser.http.get(ME).json()["role"] == "social"


def test_withdrawal_ends_every_session_of_the_account_at_once(site: Site) -> None:
    sessions = [site.browser() for _ in range(3)]
    for browser in sessions:
        assert browser.login().status_code == 303
    assert sessions[0].unsafe("DELETE", WITHDRAW).status_code == 200
    for browser in sessions[1:]:
        assert browser.http.get(ME).status_code == 401
        assert browser.session_id is None


def test_a_revoked_service_token_is_refused_from_its_next_request(site: Site) -> None:
    token = service_token(site.container, Scope.PIPELINE)
    client = httpx.Client(base_url=site.base, headers=bearer(token))
    assert client.get(STATUS).status_code == 200  # in use
    revoke_service_token(token.split("_")[1], uow=site.container.uow(), clock=site.container.clock())
    refused = client.get(STATUS)
    assert refused.status_code == 401, refused.text
    assert "not valid" in refused.json()["detail"]
