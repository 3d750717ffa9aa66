"""Sign-in with Naver, sessions, logout and withdrawal through the real app over real HTTP (uvicorn on a
loopback port), against the local fake Naver. A `Browser` keeps cookies and follows the redirects by
hand, so each hop (app -> Naver -> app -> frontend) is checked on the way.

The main flow runs twice: embedded (SQLite, sessions in files) and on Postgres with sessions in Redis."""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import redis
from dependency_injector import providers
from sqlalchemy import text

from changple_adapters.memory import FixedClock
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.token_cipher import generate_key
from changple_domain.model.users import UserRole
from changple_domain.use_cases.accounts import set_role
from changple_entrypoints.composition.bootstrap import build_container
from changple_entrypoints.composition.container import Container
from changple_entrypoints.settings import Settings
from tests.contract.conftest import DEFAULT_ADMIN_URL, PostgresServer
from tests.emulators.naver_oauth import NaverOAuthEmulator
from tests.entrypoints.live_app import free_port, serve_app
from tests.entrypoints.openapi import documented
from tests.services import require_service

FRONTEND = "http://frontend.test/app/"
REDIS_URL = "redis://127.0.0.1:6379/0"
LOGIN = "/api/v1/auth/naver/login/"
ME = "/api/v1/users/me/"
LOGOUT = "/api/v1/auth/logout/"
WITHDRAW = "/api/v1/users/withdraw/"
SESSION = "changple_session"


@pytest.fixture(scope="module")
def naver_server() -> Iterator[NaverOAuthEmulator]:
    emulator = NaverOAuthEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def naver(naver_server: NaverOAuthEmulator) -> NaverOAuthEmulator:
    naver_server.reset()
    return naver_server


@dataclass
class Site:
    base: str
    container: Container
    naver: NaverOAuthEmulator

    def browser(self, accept: str = "text/html") -> Browser:
        return Browser(self.base, accept)

    def users(self) -> list[dict[str, Any]]:
        with self.container.engine().connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text("SELECT * FROM users ORDER BY id"))]

    def pending_revocations(self) -> int:
        with self.container.engine().connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM token_revocations")).scalar_one())


class Browser:
    """Cookies and manual redirects, like a browser that shows us every hop."""

    def __init__(self, base: str, accept: str) -> None:
        self.http = httpx.Client(base_url=base, follow_redirects=False, headers={"Accept": accept}, timeout=15)

    def start_login(self, next_path: str | None = None) -> str:
        response = self.http.get(LOGIN, params={"next": next_path} if next_path else None)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def consent(self, authorize_url: str) -> str:
        """Naver's side: the fake signs the person in at once and sends the browser back."""
        response = self.http.get(authorize_url)
        assert response.status_code == 302, response.text
        return response.headers["location"]

    def login(self, next_path: str | None = None) -> httpx.Response:
        return self.http.get(self.consent(self.start_login(next_path)))

    def csrf(self) -> str:
        response = self.http.get("/api/v1/auth/csrf/")
        assert response.status_code == 200, response.text
        assert response.json()["header_name"] == "X-CSRF-Token"
        return str(response.json()["csrf_token"])

    def unsafe(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, headers={"X-CSRF-Token": self.csrf()}, **kwargs)

    @property
    def session_id(self) -> str | None:
        return self.http.cookies.get(SESSION)


def _site_settings(tmp_path: Path, naver: NaverOAuthEmulator, port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "data_dir": tmp_path / "data",
        "redis_url": None,
        "naver_login_client_id": naver.client_id,
        "naver_login_client_secret": naver.client_secret,
        "naver_login_redirect_uri": f"http://127.0.0.1:{port}/api/v1/auth/naver/callback/",
        "naver_login_authorize_url": f"{naver.base_url}/oauth2.0/authorize",
        "naver_login_token_url": f"{naver.base_url}/oauth2.0/token",
        "naver_login_profile_url": f"{naver.base_url}/v1/nid/me",
        "naver_login_revoke_url": f"{naver.base_url}/oauth2.0/revoke",
        "frontend_url": FRONTEND,
        "auth_rate_limit_per_minute": 10_000,
    }
    values.update(overrides)
    return Settings(**values)


SiteFactory = Callable[..., Site]


@pytest.fixture
def make_site(tmp_path: Path, naver: NaverOAuthEmulator) -> Iterator[SiteFactory]:
    """Serve the app with these setting overrides; every site is stopped at the end of the test."""
    stack: list[Any] = []

    def make(**overrides: Any) -> Site:
        port = free_port()
        settings = _site_settings(tmp_path / f"site{len(stack)}", naver, port, **overrides)
        if settings.database_url is None:
            upgrade_database(settings.resolved_database_url)
        naver.redirect_uri = str(settings.naver_login_redirect_uri)
        container = build_container(settings)
        serving = serve_app(container, port)
        base = serving.__enter__()
        stack.append(serving)
        return Site(base=base, container=container, naver=naver)

    yield make
    for serving in reversed(stack):
        serving.__exit__(None, None, None)


@pytest.fixture
def site(make_site: SiteFactory) -> Site:
    return make_site()


@pytest.fixture
def redis_postgres_overrides() -> Iterator[dict[str, Any]]:
    """A fresh Postgres database and a Redis namespace of this test's own."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError as exc:
        require_service("redis", f"Redis at {REDIS_URL} is not reachable: {exc}")
    server = PostgresServer(os.environ.get("CHANGPLE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    namespace = f"changple-test-{uuid.uuid4().hex[:8]}"
    try:
        url = server.create_database()
        upgrade_database(url)
        yield {"database_url": url, "redis_url": REDIS_URL, "redis_namespace": namespace, "token_keys": generate_key()}
    finally:
        server.drop_all()
        keys = list(client.scan_iter(match=f"{namespace}*"))
        if keys:
            client.delete(*keys)


def _query(url: str) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(urlsplit(url).query).items()}


def _session_cookie_header(response: httpx.Response) -> str:
    return next(h for h in response.headers.get_list("set-cookie") if h.startswith(f"{SESSION}="))


# --- the whole flow -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["embedded", pytest.param("postgres+redis", marks=[pytest.mark.postgres, pytest.mark.redis])]
)
def test_login_session_logout_and_withdrawal_in_a_browser(
    backend: str, make_site: SiteFactory, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    site = make_site(**(request.getfixturevalue("redis_postgres_overrides") if backend != "embedded" else {}))
    browser = site.browser()

    # 1. The login link keeps a state in a new session and sends the browser to Naver.
    authorize = browser.start_login(next_path="/app/chat/42?tab=1")
    sent = _query(authorize)
    assert authorize.startswith(f"{site.naver.base_url}/oauth2.0/authorize?")
    assert sent["response_type"] == "code"
    assert sent["client_id"] == site.naver.client_id
    assert sent["redirect_uri"] == site.naver.redirect_uri
    assert len(sent["state"]) >= 32
    before_login = browser.session_id
    assert before_login

    # 2. Naver sends the browser back; the callback signs in and sends it on to the frontend page.
    callback_url = browser.consent(authorize)
    assert _query(callback_url)["state"] == sent["state"]
    finished = browser.http.get(callback_url)
    assert finished.status_code == 303, finished.text
    assert finished.headers["location"] == "http://frontend.test/app/chat/42?tab=1"
    cookie = _session_cookie_header(finished).lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "secure" not in cookie  # served over http here; https turns it on
    after_login = browser.session_id
    assert after_login
    assert after_login != before_login  # the id rotates at login

    # 3. The session shows the user; the pre-login session id opens nothing.
    me = browser.http.get(ME)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["nickname"] == "창업준비생"
    assert body["name"] == "김창업"
    assert body["mobile"] == "010-1234-5678"
    assert body["role"] == "social"
    assert body["is_admin"] is False
    assert "tokens" not in body
    assert "information" not in body
    stale = httpx.get(f"{site.base}{ME}", cookies={SESSION: before_login})
    assert stale.status_code == 401

    # 4. The stored user: the raw profile as information, the tokens unreadable in the table.
    [row] = site.users()
    assert row["social_id"] == "32742776"
    dump = repr(row)
    issued = site.naver.issued_tokens()
    assert issued
    assert not any(token in dump for token in issued)

    # 5. Logout needs the CSRF token; then the session is gone, also for a copy of its cookie.
    refused = browser.http.post(LOGOUT)
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["detail"]
    assert browser.http.get(ME).status_code == 200
    assert browser.unsafe("POST", LOGOUT).status_code == 204
    assert browser.http.get(ME).status_code == 401
    assert httpx.get(f"{site.base}{ME}", cookies={SESSION: after_login}).status_code == 401

    # 6. Sign in again (the same user), then withdraw: Naver revokes, the user and the session go.
    assert browser.login().status_code == 303
    [again] = site.users()
    assert again["id"] == row["id"]
    access_tokens_before = len(site.naver.revocations)
    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["withdrawn"] is True
    assert withdrawn.json()["naver_revoked"] is True
    assert len(site.naver.revocations) == access_tokens_before + 1
    assert site.users() == []
    assert site.pending_revocations() == 0
    assert browser.http.get(ME).status_code == 401
    # Repeating it is harmless: nobody is signed in any more, and Naver hears nothing new.
    repeat = browser.unsafe("DELETE", WITHDRAW)
    assert repeat.status_code == 401
    assert len(site.naver.revocations) == access_tokens_before + 1

    # Nothing secret reached a log line: no code, state, token or client secret.
    secrets_seen = [*issued, sent["state"], _query(callback_url)["code"], site.naver.client_secret]
    assert not [s for s in secrets_seen if s in caplog.text]


def test_json_clients_get_the_user_and_a_second_sign_in_keeps_the_role(site: Site) -> None:
    browser = site.browser(accept="application/json")
    first = browser.login()
    assert first.status_code == 200, first.text
    assert first.json()["created"] is True
    user_id = first.json()["user"]["id"]
    assert browser.http.get("/api/v1/scraper/status/").status_code == 403

    set_role(user_id, UserRole.ADMIN, uow=site.container.uow())
    assert browser.http.get("/api/v1/scraper/status/").status_code == 200  # the role is read per request
    second = site.browser(accept="application/json").login()
    assert second.json()["created"] is False
    assert second.json()["user"]["id"] == user_id
    assert second.json()["user"]["role"] == "admin"


def test_without_a_frontend_url_the_callback_answers_json(make_site: SiteFactory) -> None:
    site = make_site(frontend_url=None)
    finished = site.browser().login()  # even a browser gets JSON: there is nowhere to send it
    assert finished.status_code == 200
    assert finished.json()["user"]["nickname"] == "창업준비생"


@pytest.mark.parametrize("frontend_url", [FRONTEND, None])
def test_a_login_asked_for_by_the_console_returns_to_the_console(
    make_site: SiteFactory, frontend_url: str | None
) -> None:
    site = make_site(frontend_url=frontend_url)
    browser = site.browser()
    finished = browser.login(next_path="/ops/posts/1003")
    assert finished.status_code == 303
    assert finished.headers["location"] == "/ops/posts/1003"  # this host, not the frontend
    user_id = site.users()[0]["id"]
    assert browser.http.get("/ops").status_code == 403  # signed in, but not an admin yet
    set_role(user_id, UserRole.ADMIN, uow=site.container.uow())
    assert browser.http.get("/ops").status_code == 200


# --- refusals -------------------------------------------------------------------------------------


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code, body
    return str(body["detail"])


def test_bad_missing_reused_and_foreign_states_are_refused(site: Site) -> None:
    browser = site.browser(accept="application/json")
    callback_url = browser.consent(browser.start_login())
    code, state = _query(callback_url)["code"], _query(callback_url)["state"]
    callback = "/api/v1/auth/naver/callback/"

    detail = _error(browser.http.get(callback, params={"code": code, "state": state + "x"}), 400, "state_mismatch")
    assert "start again" in detail
    _error(browser.http.get(callback, params={"code": code}), 400, "state_missing")
    # A browser that did not start the login (no session, or another one) cannot finish it.
    _error(site.browser(accept="application/json").http.get(callback_url), 400, "state_mismatch")

    assert browser.http.get(callback_url).status_code == 200  # the real one still works once
    _error(browser.http.get(callback_url), 400, "state_reused")
    assert browser.http.get(ME).status_code == 200  # a replay does not end the session

    # A new state with the old (spent) code: Naver refuses the code.
    fresh_state = _query(browser.start_login())["state"]
    _error(browser.http.get(callback, params={"code": code, "state": fresh_state}), 400, "code_rejected")
    assert len(site.users()) == 1


def test_a_browser_is_sent_to_the_frontend_with_the_error_code(site: Site) -> None:
    browser = site.browser()
    callback_url = browser.consent(browser.start_login())
    tampered = callback_url.replace("state=", "state=x")
    response = browser.http.get(tampered)
    assert response.status_code == 303
    assert response.headers["location"] == f"{FRONTEND}?login_error=state_mismatch"


def test_unsafe_next_paths_land_on_the_frontend_root(site: Site) -> None:
    for evil in ("//evil.example/x", "https://evil.example/", "\\\\evil.example", "/chat"):  # /chat: not under /app/
        response = site.browser().login(next_path=evil)
        assert response.status_code == 303
        assert response.headers["location"] == FRONTEND, evil


def test_naver_errors_become_clear_answers(site: Site) -> None:
    naver = site.naver
    json_browser = site.browser(accept="application/json")

    naver.deny_next()
    detail = _error(json_browser.login(), 400, "login_denied")
    assert "access_denied" in detail

    naver.token_failures.append(503)
    _error(json_browser.login(), 503, "naver_unavailable")

    naver.profile_failures.append(500)
    _error(json_browser.login(), 503, "naver_unavailable")

    naver.next_profile({"nickname": "아이디없음"})  # no `id`: nobody to sign in
    _error(json_browser.login(), 502, "profile_failed")

    naver.profile_failures.append(401)
    _error(json_browser.login(), 502, "profile_failed")

    # Naver is down altogether: the login link still works, the callback says so.
    naver.down = True
    try:
        authorize = json_browser.start_login()
        assert json_browser.http.get(authorize).status_code == 503
    finally:
        naver.down = False
    assert site.users() == []

    # Only `id` is guaranteed: a profile without the optional fields signs in with them empty.
    naver.next_profile({"id": "90000001"})
    signed = json_browser.login()
    assert signed.status_code == 200, signed.text
    assert signed.json()["user"]["nickname"] == ""
    assert signed.json()["created"] is True


def test_an_expired_login_and_an_expired_session_are_refused(make_site: SiteFactory) -> None:
    quick_login = make_site(login_state_max_age_seconds=1)
    browser = quick_login.browser(accept="application/json")
    callback_url = browser.consent(browser.start_login())
    time.sleep(1.3)
    _error(browser.http.get(callback_url), 400, "state_expired")

    short_session = make_site(session_max_age_seconds=2)
    browser = short_session.browser(accept="application/json")
    assert browser.login().status_code == 200
    assert browser.http.get(ME).status_code == 200
    time.sleep(2.3)
    _error(browser.http.get(ME), 401, "unauthorized")


def _signed_in(site: Site) -> tuple[Browser, str]:
    """A browser signed in with Naver, and the refresh token of its grant (to ask Naver about it)."""
    browser = site.browser()
    assert browser.login().status_code == 303
    [refresh] = site.naver.refresh_tokens()
    return browser, refresh


def test_withdrawal_while_naver_is_down_deletes_now_and_revokes_later(site: Site) -> None:
    browser, refresh = _signed_in(site)
    [user] = site.users()
    site.naver.down = True

    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.status_code == 200
    body = withdrawn.json()
    assert (body["withdrawn"], body["naver_revoked"], body["naver_revocation"]) == (True, False, "pending")
    assert "keep trying" in body["message"]
    assert site.users() == []
    assert site.pending_revocations() == 1
    assert not site.naver.grant_revoked(refresh)

    # The worker's retry (the scheduler queues it hourly) reaches Naver now that it answers.
    site.naver.down = False
    site.container.broker().get_actor("retry_naver_revocations").fn()
    assert site.pending_revocations() == 0
    assert site.naver.grant_revoked(refresh)
    assert str(user["social_id"]) == "32742776"


@pytest.mark.parametrize("our_clock_knows", [True, False], ids=["expires_at-passed", "naver-ended-it-early"])
def test_withdrawal_after_the_access_token_s_hour_refreshes_and_really_revokes(
    site: Site, our_clock_knows: bool
) -> None:
    """Naver's access token lives an hour and deleting with a dead one answers success and deletes
    nothing: the grant must really be gone at Naver, whether our clock saw the hour pass or not."""
    clock = FixedClock(datetime.now(UTC))
    site.container.clock.override(providers.Object(clock))
    browser, refresh = _signed_in(site)
    site.naver.advance(3600 + 60)
    if our_clock_knows:
        clock.advance(timedelta(seconds=3600 + 60))

    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["naver_revoked"] is True
    assert site.naver.grant_revoked(refresh)
    assert site.pending_revocations() == 0


@pytest.mark.parametrize(
    "refusal",
    [
        (200, {"error": "invalid_request", "error_description": "no valid data in session"}),
        (401, {"error": "invalid_client", "error_description": "client authentication failed"}),
        (400, {"error": "unsupported_token_type", "error_description": "token type not supported"}),
    ],
    ids=["invalid_request", "invalid_client", "unsupported_token_type"],
)
def test_a_refused_revocation_is_not_called_done_and_the_worker_confirms_it_later(
    site: Site, refusal: tuple[int, dict[str, Any]]
) -> None:
    browser, refresh = _signed_in(site)
    site.naver.revoke_refusals.append(refusal)

    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.status_code == 200, withdrawn.text
    body = withdrawn.json()
    assert (body["withdrawn"], body["naver_revoked"], body["naver_revocation"]) == (True, False, "pending")
    assert "keep trying" in body["message"]
    assert "연결된 서비스 관리" in body["message"]  # where the person can remove us at Naver themselves
    assert not site.naver.grant_revoked(refresh)
    assert site.pending_revocations() == 1

    site.container.broker().get_actor("retry_naver_revocations").fn()
    assert site.naver.grant_revoked(refresh)
    assert site.pending_revocations() == 0


def test_a_revocation_refused_for_an_invalid_token_refreshes_and_revokes(site: Site) -> None:
    browser, refresh = _signed_in(site)
    site.naver.revoke_refusals.append((401, {"error": "invalid_token", "error_description": "token expired"}))

    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.json()["naver_revoked"] is True
    assert site.naver.grant_revoked(refresh)
    assert site.pending_revocations() == 0


def test_a_grant_the_person_already_removed_at_naver_counts_as_revoked(site: Site) -> None:
    browser, refresh = _signed_in(site)
    site.naver.disconnect(refresh)

    withdrawn = browser.unsafe("DELETE", WITHDRAW)
    assert withdrawn.json()["naver_revoked"] is True
    assert site.pending_revocations() == 0


def test_a_session_of_a_deleted_user_signs_nobody_in(site: Site) -> None:
    first, second = site.browser(), site.browser()
    assert first.login().status_code == 303
    assert second.login().status_code == 303
    assert first.unsafe("DELETE", WITHDRAW).status_code == 200
    _error(second.http.get(ME), 401, "unauthorized")
    assert second.session_id is None  # the dead session's cookie is cleared


def test_routes_that_call_naver_are_rate_limited_per_client(make_site: SiteFactory) -> None:
    site = make_site(auth_rate_limit_per_minute=3)
    client = httpx.Client(base_url=site.base)
    answers = [client.get(LOGIN) for _ in range(3)]
    assert [a.status_code for a in answers] == [302, 302, 302]
    limited = client.get("/api/v1/auth/naver/callback/", params={"code": "c", "state": "s"})
    _error(limited, 429, "rate_limited")
    assert int(limited.headers["ratelimit-remaining"]) == 0
    # Cheap routes stay open to everyone behind the same address.
    assert client.get("/api/v1/auth/csrf/").status_code == 200
    assert client.get("/api/health").status_code == 200
    # Found by the fuzzer: the 429 was not in the schema of the routes behind the limit.
    for method, path in [("GET", LOGIN), ("GET", "/api/v1/auth/naver/callback/"), ("DELETE", WITHDRAW)]:
        assert "429" in documented(client, method, path.rstrip("/")), path


def test_bad_web_settings_are_refused_naming_the_variable(tmp_path: Path) -> None:
    from changple_domain.errors import InvalidSetting
    from changple_entrypoints.http.app import create_app

    for overrides, variable in (
        ({"cors_origins": ["*"]}, "CHANGPLE_CORS_ORIGINS"),
        ({"cors_origins": ["https://changple.com/app"]}, "CHANGPLE_CORS_ORIGINS"),
        ({"frontend_url": "changple.com"}, "CHANGPLE_FRONTEND_URL"),
    ):
        settings = Settings(_env_file=None, data_dir=tmp_path, **overrides)  # type: ignore[arg-type]
        with pytest.raises(InvalidSetting, match=variable):
            create_app(build_container(settings))


def test_cors_lets_the_frontend_send_credentials(make_site: SiteFactory) -> None:
    site = make_site(cors_origins=["http://frontend.test"])
    preflight = httpx.options(
        f"{site.base}{LOGOUT}",
        headers={
            "Origin": "http://frontend.test",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "x-csrf-token",
        },
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "http://frontend.test"
    assert preflight.headers["access-control-allow-credentials"] == "true"
    assert "x-csrf-token" in preflight.headers["access-control-allow-headers"].lower()
    other = httpx.get(f"{site.base}/api/health", headers={"Origin": "http://evil.example"})
    assert "access-control-allow-origin" not in other.headers


def test_naver_login_not_configured_is_a_503_naming_the_settings(make_site: SiteFactory) -> None:
    site = make_site(naver_login_client_id=None)
    response = httpx.get(f"{site.base}{LOGIN}")
    detail = _error(response, 503, "invalid_setting")
    assert "CHANGPLE_NAVER_LOGIN_CLIENT_ID" in detail


def test_a_forged_cross_site_post_with_the_session_cookie_is_refused(site: Site) -> None:
    browser = site.browser()
    assert browser.login().status_code == 303
    forged_delete = httpx.request(
        "DELETE",
        f"{site.base}{WITHDRAW}",
        cookies={SESSION: browser.session_id or ""},
        headers={"X-CSRF-Token": "0" * 128},
    )
    _error(forged_delete, 403, "forbidden")
    assert len(site.users()) == 1
    assert browser.http.get(ME).status_code == 200


def test_login_url_keeps_other_frontend_query_parameters(make_site: SiteFactory) -> None:
    site = make_site(frontend_url="http://frontend.test/app/?lang=ko")
    browser = site.browser()
    callback_url = browser.consent(browser.start_login())
    response = browser.http.get(callback_url + "&" + urlencode({"error": "access_denied"}))
    assert response.status_code == 303
    assert _query(response.headers["location"]) == {"lang": "ko", "login_error": "login_denied"}


# --- every guarded route, every kind of caller ----------------------------------------------------

PIPELINE_OPERATIONS = {
    ("post", "/api/v1/scraper/ingest"),
    ("post", "/api/v1/scraper/run"),
    ("get", "/api/v1/scraper/status"),
    ("get", "/api/v1/batches"),
    ("get", "/api/v1/batches/{job_id}"),
    ("get", "/api/v1/posts/{article_id}/ingestion"),
}
ADMIN_OPERATIONS = {
    (method, f"/api/v1/admin/{kind}{suffix}")
    for kind in ("authors", "brands")
    for method, suffix in (("get", ""), ("post", ""), ("get", "/{name}"), ("patch", "/{name}"), ("delete", "/{name}"))
}
CONTENT_ADMIN_OPERATIONS = {
    ("post", "/api/v1/content"),
    ("patch", "/api/v1/content/{content_id}"),
    ("delete", "/api/v1/content/{content_id}"),
}
CHAT_AGENT_OPERATIONS = {
    ("post", "/api/v1/internal/chat/{nonce}/messages"),
    ("get", "/api/v1/internal/chat/{nonce}/messages"),
}
PATH_VALUES = {"{job_id}": "job-1", "{article_id}": "1", "{name}": "x", "{content_id}": "1", "{nonce}": "nonce-123"}


def _guarded_operations(site: Site) -> set[tuple[str, str]]:
    """Operations a permission guards: those a service token may open. (Operations for signed-in
    people only declare just the session cookie, and those anyone may call list the empty requirement;
    their tests are with their routes.)"""
    paths = httpx.get(f"{site.base}/schema/openapi.json").json()["paths"]
    return {
        (method, path)
        for path, ops in paths.items()
        for method, op in ops.items()
        if {} not in op.get("security", [{}]) and any("serviceToken" in need for need in op["security"])
    }


def _call(client: httpx.Client, method: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    url = path
    for placeholder, value in PATH_VALUES.items():
        url = url.replace(placeholder, value)
    body = {} if method in ("post", "patch") else None
    return client.request(method.upper(), url + "/", json=body, headers=headers)


def test_every_guarded_route_refuses_anonymous_and_social_callers(site: Site) -> None:
    guarded = _guarded_operations(site)
    assert guarded >= PIPELINE_OPERATIONS | ADMIN_OPERATIONS | CONTENT_ADMIN_OPERATIONS | CHAT_AGENT_OPERATIONS
    anonymous = httpx.Client(base_url=site.base)
    social = site.browser()
    assert social.login().status_code == 303
    for method, path in sorted(guarded):
        _error(_call(anonymous, method, path), 401, "unauthorized")
        csrf = {"X-CSRF-Token": social.csrf()} if method != "get" else None
        detail = _error(_call(social.http, method, path, csrf), 403, "forbidden")
        assert "permission" in detail, (method, path)


WITHDRAWAL = ("delete", "/api/v1/users/withdraw")
SESSION_OPERATIONS = {
    ("get", "/api/v1/users/me"),
    WITHDRAWAL,
    ("get", "/api/v1/content/history"),
    ("post", "/api/v1/content/view"),
    ("get", "/api/v1/chat/history"),
    ("get", "/api/v1/chat/{nonce}/messages"),
    ("delete", "/api/v1/chat/{nonce}"),
}


def test_every_route_for_signed_in_people_refuses_visitors_and_machines(site: Site) -> None:
    from changple_domain.model.access import Scope
    from tests.entrypoints.callers import bearer, service_token

    paths = httpx.get(f"{site.base}/schema/openapi.json").json()["paths"]
    session_only = {
        (method, path)
        for path, ops in paths.items()
        for method, op in ops.items()
        if op.get("security") == [{"sessionCookie": []}]
    }
    assert session_only >= SESSION_OPERATIONS
    anonymous = httpx.Client(base_url=site.base)
    admin_token = bearer(service_token(site.container, Scope.ADMIN))
    social = site.browser()
    assert social.login().status_code == 303
    for method, path in sorted(session_only, key=lambda operation: (operation == WITHDRAWAL, operation)):  # it ends all
        _error(_call(anonymous, method, path), 401, "unauthorized")
        _error(_call(anonymous, method, path, admin_token), 403, "forbidden")
        csrf = {"X-CSRF-Token": social.csrf()} if method != "get" else None
        assert _call(social.http, method, path, csrf).status_code in (200, 204, 400, 404), (method, path)


def test_service_tokens_open_what_their_scopes_allow_and_nothing_else(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    from changple_domain.model.access import Scope
    from changple_domain.use_cases.service_tokens import revoke_service_token
    from tests.entrypoints.callers import bearer, service_token

    caplog.set_level(logging.DEBUG)
    container = site.container
    admin, pipeline, chat = (service_token(container, scope) for scope in (Scope.ADMIN, Scope.PIPELINE, Scope.CHAT))
    revoked = service_token(container, Scope.ADMIN)
    revoke_service_token(revoked.split("_")[1], uow=container.uow(), clock=container.clock())
    client = httpx.Client(base_url=site.base)

    refused = {
        "unknown": "chp_000000000000_" + "A" * 43,
        "malformed": "not-a-token",
        "revoked": revoked,
        "wrong secret": admin[:-4] + "AAAA",
    }
    for why, token in refused.items():
        detail = _error(_call(client, "get", "/api/v1/scraper/status", bearer(token)), 401, "unauthorized")
        assert "not valid" in detail, why
    _error(
        client.get("/api/v1/scraper/status/", headers={"Authorization": "Basic YWRtaW46YWRtaW4="}), 401, "unauthorized"
    )

    every = PIPELINE_OPERATIONS | ADMIN_OPERATIONS | CONTENT_ADMIN_OPERATIONS | CHAT_AGENT_OPERATIONS
    for method, path in sorted(every):
        for scoped, token, opens in (
            ("chat", chat, CHAT_AGENT_OPERATIONS),
            ("pipeline", pipeline, PIPELINE_OPERATIONS),
        ):
            answer = _call(client, method, path, bearer(token))
            if (method, path) in opens:
                assert answer.status_code not in (401, 403), (scoped, method, path, answer.text)
            else:
                _error(answer, 403, "forbidden")
        as_admin = _call(client, method, path, bearer(admin))  # no CSRF token: a bearer call needs none
        assert as_admin.status_code not in (401, 403), (method, path, as_admin.text)
        assert as_admin.status_code < 500, (method, path, as_admin.text)

    # A machine's bearer token wins over a session cookie riding along, and needs no CSRF token.
    social = site.browser()
    assert social.login().status_code == 303
    assert social.http.post("/api/v1/admin/authors/", json={"name": "창플"}, headers=bearer(admin)).status_code == 201
    assert _error(social.http.get(ME, headers=bearer(admin)), 403, "forbidden")

    for token in (admin, pipeline, chat, revoked):
        assert token not in caplog.text
        assert token.split("_", 2)[2] not in caplog.text


# --- session hygiene ------------------------------------------------------------------------------


def test_anonymous_calls_get_no_session_and_no_cookie(site: Site) -> None:
    for path in ("/api/health", "/api/v1/posts/1/", ME, "/api/v1/scraper/status/"):
        response = httpx.get(f"{site.base}{path}")
        assert response.headers.get_list("set-cookie") == [], path
    assert list((Path(site.container.settings().data_dir) / "sessions").glob("*")) == []  # nothing stored


def test_a_session_id_chosen_by_someone_else_is_never_used(site: Site) -> None:
    planted = "a" * 64  # an attacker sets this cookie in the victim's browser, then waits
    browser = site.browser()
    browser.http.cookies.set(SESSION, planted, domain="127.0.0.1")
    authorize = browser.start_login()
    assert browser.session_id != planted  # unknown to the store: a new id at once
    assert browser.http.get(browser.consent(authorize)).status_code == 303
    assert httpx.get(f"{site.base}{ME}", cookies={SESSION: planted}).status_code == 401
    assert browser.http.get(ME).status_code == 200


def test_cookies_are_secure_when_the_site_is_https(tmp_path: Path) -> None:
    from changple_entrypoints.http.sessions import session_config

    https = Settings(_env_file=None, data_dir=tmp_path, naver_login_redirect_uri="https://api.example/cb/")  # type: ignore[call-arg]
    assert https.secure_cookies is True
    assert session_config(https).secure is True
    plain = Settings(_env_file=None, data_dir=tmp_path, frontend_url="http://localhost:3000/")  # type: ignore[call-arg]
    assert plain.secure_cookies is False
    forced = Settings(_env_file=None, data_dir=tmp_path, session_cookie_secure=True)  # type: ignore[call-arg]
    assert session_config(forced).secure is True


def test_expired_session_files_are_swept_when_the_app_starts(tmp_path: Path) -> None:
    import anyio
    from litestar.testing import TestClient

    from changple_entrypoints.http.app import create_app
    from changple_entrypoints.http.sessions import SESSION_STORE

    settings = Settings(_env_file=None, data_dir=tmp_path, session_max_age_seconds=1)  # type: ignore[call-arg]
    upgrade_database(settings.resolved_database_url)
    app = create_app(build_container(settings))
    store = app.stores.get(SESSION_STORE)
    anyio.run(lambda: store.set("abandoned", b'{"naver_logins": {}}', expires_in=1))
    anyio.run(lambda: store.set("current", b'{"user_id": 1}', expires_in=3600))
    time.sleep(1.2)
    with TestClient(app=app):
        left = list((tmp_path / "sessions").iterdir())  # file names are hashes of the session ids
    assert len(left) == 1
    assert anyio.run(lambda: store.exists("current")) is True
