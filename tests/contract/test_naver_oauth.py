"""NaverOAuthProvider against the local Naver Login emulator: the whole sign-in and withdrawal flow,
Naver's quirks (a refused code is HTTP 200 with an `error` body, `expires_in` is a string), error
translation, and that no token or client secret leaks into an exception or a log line.

Each test drives its own `asyncio.run`, so every call also proves the provider works from a new
event loop."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from changple_adapters.naver.oauth import NaverOAuthProvider
from changple_domain.errors import GrantGone, InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.ports import OAuthProvider
from tests.emulators.naver_oauth import DEFAULT_USERS, NaverOAuthEmulator

TOKEN = "/oauth2.0/token"
PROFILE = "/v1/nid/me"
REVOKE = "/oauth2.0/revoke"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture(scope="module")
def server() -> Iterator[NaverOAuthEmulator]:
    emulator = NaverOAuthEmulator()
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def naver(server: NaverOAuthEmulator) -> NaverOAuthEmulator:
    server.reset()
    return server


def make_provider(emulator: NaverOAuthEmulator, **overrides: object) -> NaverOAuthProvider:
    base = emulator.base_url
    settings: dict[str, object] = {
        "client_id": emulator.client_id,
        "client_secret": emulator.client_secret,
        "redirect_uri": emulator.redirect_uri,
        "authorize_url": f"{base}/oauth2.0/authorize",
        "token_url": f"{base}{TOKEN}",
        "profile_url": f"{base}{PROFILE}",
        "revoke_url": f"{base}{REVOKE}",
        "timeout_seconds": 5.0,
    }
    settings.update(overrides)
    return NaverOAuthProvider(**settings)  # type: ignore[arg-type]


@pytest.fixture
def provider(naver: NaverOAuthEmulator) -> NaverOAuthProvider:
    return make_provider(naver)


def callback(provider: NaverOAuthProvider, state: str) -> dict[str, str]:
    """Follow the authorize URL like a browser of a person who signs in, up to our callback."""
    response = httpx.get(provider.authorize_url(state=state), follow_redirects=False)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(provider._redirect_uri)
    return {name: values[-1] for name, values in parse_qs(urlsplit(location).query).items()}


def sign_in(provider: NaverOAuthProvider, state: str = "csrf-state-1") -> str:
    params = callback(provider, state)
    assert params["state"] == state
    return params["code"]


def tokens_for(provider: NaverOAuthProvider, state: str = "csrf-state-1") -> OAuthTokens:
    return asyncio.run(provider.exchange_code(code=sign_in(provider, state), state=state))


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- the flow -------------------------------------------------------------------------------------


def test_the_provider_is_the_port_and_builds_naver_s_authorize_url(provider: NaverOAuthProvider) -> None:
    assert isinstance(provider, OAuthProvider)
    assert provider.name == "naver"
    url = urlsplit(provider.authorize_url(state="s t&=/한"))
    assert url.path == "/oauth2.0/authorize"
    assert parse_qs(url.query) == {
        "response_type": ["code"],
        "client_id": [provider._client_id],
        "redirect_uri": [provider._redirect_uri],
        "state": ["s t&=/한"],
    }


def test_sign_in_profile_withdrawal_and_the_token_is_dead(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    tokens = tokens_for(provider)
    assert tokens.refresh_token is not None
    assert tokens.token_type == "bearer"

    profile = asyncio.run(provider.fetch_profile(tokens))
    expected = DEFAULT_USERS[0]
    assert profile.social_id == expected["id"]
    assert profile.email == expected["email"]
    assert profile.mobile == expected["mobile"]
    assert profile.profile_image == expected["profile_image"]
    assert profile.raw == expected

    asyncio.run(provider.revoke(tokens))
    assert naver.revocations == [tokens.access_token.get_secret_value()]
    assert not naver.is_active(tokens.access_token.get_secret_value())
    with pytest.raises(ProviderRejected):
        asyncio.run(provider.fetch_profile(tokens))


def test_what_goes_on_the_wire(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider, "state-wire")
    asyncio.run(provider.fetch_profile(tokens))
    asyncio.run(provider.revoke(tokens))
    secret, access = naver.client_secret, tokens.access_token.get_secret_value()

    (token_call,) = naver.calls_to(TOKEN)
    assert token_call.form["grant_type"] == "authorization_code"
    assert token_call.form["client_id"] == naver.client_id
    assert token_call.form["client_secret"] == secret  # client_secret_post, not HTTP Basic
    assert token_call.form["state"] == "state-wire"
    assert "code" in token_call.form
    assert "authorization" not in token_call.headers

    (profile_call,) = naver.calls_to(PROFILE)
    assert profile_call.headers["authorization"] == f"Bearer {access}"

    (revoke_call,) = naver.calls_to(REVOKE)
    assert revoke_call.form == {
        "client_id": naver.client_id,
        "client_secret": secret,
        "token": access,
        "token_type_hint": "access_token",
    }
    for call in naver.calls:
        flat = repr(call.query)
        assert secret not in flat
        assert access not in flat


def test_korean_profile_values_round_trip(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    naver.next_profile({"id": "kr-1", "nickname": "창업준비생", "name": "박가맹", "email": "가맹@naver.com"})
    profile = asyncio.run(provider.fetch_profile(tokens_for(provider)))
    assert (profile.nickname, profile.name, profile.email) == ("창업준비생", "박가맹", "가맹@naver.com")
    assert profile.raw["nickname"] == "창업준비생"


def test_the_next_sign_in_can_be_another_user(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    naver.next_profile(DEFAULT_USERS[1])
    first = asyncio.run(provider.fetch_profile(tokens_for(provider, "a")))
    second = asyncio.run(provider.fetch_profile(tokens_for(provider, "b")))
    assert (first.social_id, second.social_id) == (DEFAULT_USERS[1]["id"], DEFAULT_USERS[0]["id"])


def test_expires_at_comes_from_the_string_expires_in(naver: NaverOAuthEmulator) -> None:
    fixed = make_provider(naver, clock=FixedClock())
    assert tokens_for(fixed).expires_at == NOW + timedelta(seconds=3600)

    before = datetime.now(UTC)
    expires_at = tokens_for(make_provider(naver)).expires_at
    after = datetime.now(UTC)
    assert expires_at is not None
    assert before + timedelta(seconds=3600) <= expires_at <= after + timedelta(seconds=3600)


def test_calls_from_one_event_loop_at_once(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    naver.next_profile({"id": "one"})
    naver.next_profile({"id": "two"})
    pairs = [(sign_in(provider, "s1"), "s1"), (sign_in(provider, "s2"), "s2")]

    async def both() -> list[SocialProfile]:
        tokens = await asyncio.gather(*(provider.exchange_code(code=c, state=s) for c, s in pairs))
        return list(await asyncio.gather(*(provider.fetch_profile(t) for t in tokens)))

    assert [p.social_id for p in asyncio.run(both())] == ["one", "two"]


# --- refusals -------------------------------------------------------------------------------------


def test_a_reused_code_is_refused_although_naver_answers_200(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    code = sign_in(provider, "st")
    asyncio.run(provider.exchange_code(code=code, state="st"))
    with pytest.raises(ProviderRejected, match="invalid_request"):
        asyncio.run(provider.exchange_code(code=code, state="st"))
    assert [call.status for call in naver.calls_to(TOKEN)] == [200, 200]


def test_an_unknown_code_is_refused(provider: NaverOAuthProvider) -> None:
    with pytest.raises(ProviderRejected):
        asyncio.run(provider.exchange_code(code="made-up", state="st"))


def test_a_code_with_another_state_is_refused(provider: NaverOAuthProvider) -> None:
    code = sign_in(provider, "the-real-state")
    with pytest.raises(ProviderRejected, match="state"):
        asyncio.run(provider.exchange_code(code=code, state="a-forged-state"))


def test_a_wrong_client_secret_is_refused(naver: NaverOAuthEmulator) -> None:
    wrong = make_provider(naver, client_secret="not-the-secret")
    code = sign_in(wrong)
    with pytest.raises(ProviderRejected, match="invalid_client") as caught:
        asyncio.run(wrong.exchange_code(code=code, state="csrf-state-1"))
    assert "not-the-secret" not in str(caught.value)


def test_a_denied_consent_comes_back_with_an_error_and_the_state(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    naver.deny_next()
    params = callback(provider, "st-deny")
    assert params == {"error": "access_denied", "error_description": "Canceled By User", "state": "st-deny"}
    assert "code" in callback(provider, "st-after")  # only the next one


def test_an_unregistered_redirect_uri_gets_no_code(naver: NaverOAuthEmulator) -> None:
    other = make_provider(naver, redirect_uri="https://evil.example/callback")
    response = httpx.get(other.authorize_url(state="s"), follow_redirects=False)
    assert response.status_code == 400


def test_a_profile_without_id_is_refused(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    naver.next_profile({"nickname": "이름만"})
    with pytest.raises(ProviderRejected, match="id"):
        asyncio.run(provider.fetch_profile(tokens_for(provider)))


def test_missing_optional_fields_become_empty_strings(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    naver.next_profile({"id": "only-id", "nickname": None})
    profile = asyncio.run(provider.fetch_profile(tokens_for(provider)))
    assert profile.social_id == "only-id"
    assert (profile.name, profile.nickname, profile.email, profile.mobile, profile.profile_image) == ("",) * 5
    assert profile.raw == {"id": "only-id", "nickname": None}


def test_an_invalid_token_is_refused_by_the_profile_api(provider: NaverOAuthProvider) -> None:
    with pytest.raises(ProviderRejected, match="401"):
        asyncio.run(provider.fetch_profile(OAuthTokens.received(
            access_token="AAAAnot-a-token", refresh_token=None, token_type="bearer", expires_in="3600", now=NOW
        )))  # fmt: skip


def test_revoking_an_already_revoked_token_does_not_raise(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    tokens = tokens_for(provider)
    asyncio.run(provider.revoke(tokens))
    asyncio.run(provider.revoke(tokens))
    assert [call.status for call in naver.calls_to(REVOKE)] == [200, 200]
    assert len(naver.revocations) == 1


def test_a_revocation_with_a_wrong_secret_is_refused(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider)
    with pytest.raises(ProviderRejected, match="401"):
        asyncio.run(make_provider(naver, client_secret="not-the-secret").revoke(tokens))
    assert naver.is_active(tokens.access_token.get_secret_value())


def test_settings_are_checked() -> None:
    with pytest.raises(InvalidSetting, match="client_secret"):
        NaverOAuthProvider(client_id="id", client_secret="", redirect_uri="https://x/cb")
    with pytest.raises(InvalidSetting, match="timeout"):
        NaverOAuthProvider(client_id="id", client_secret="s", redirect_uri="https://x/cb", timeout_seconds=0)


# --- Naver is down --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429])
def test_token_endpoint_failures_are_worth_retrying(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider, status: int
) -> None:
    code = sign_in(provider)
    naver.token_failures = [status]
    with pytest.raises(ProviderUnavailable, match=str(status)):
        asyncio.run(provider.exchange_code(code=code, state="csrf-state-1"))
    assert asyncio.run(provider.exchange_code(code=code, state="csrf-state-1")).access_token  # code not spent


def test_profile_endpoint_failures_are_worth_retrying(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider)
    naver.profile_failures = [500]
    with pytest.raises(ProviderUnavailable):
        asyncio.run(provider.fetch_profile(tokens))
    assert asyncio.run(provider.fetch_profile(tokens)).social_id == DEFAULT_USERS[0]["id"]


def test_revocation_failures_are_worth_retrying(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider)
    naver.revoke_failures = [503]
    with pytest.raises(ProviderUnavailable, match="503"):
        asyncio.run(provider.revoke(tokens))
    assert naver.is_active(tokens.access_token.get_secret_value())
    asyncio.run(provider.revoke(tokens))
    assert not naver.is_active(tokens.access_token.get_secret_value())


def test_a_down_naver_is_unavailable(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider)
    naver.down = True
    for call in (provider.fetch_profile(tokens), provider.revoke(tokens)):
        with pytest.raises(ProviderUnavailable):
            asyncio.run(call)


def test_a_stopped_server_is_unavailable() -> None:
    emulator = NaverOAuthEmulator()
    emulator.start()
    provider = make_provider(emulator)
    code = sign_in(provider)
    tokens = asyncio.run(provider.exchange_code(code=sign_in(provider, "other"), state="other"))
    emulator.stop()
    with pytest.raises(ProviderUnavailable, match="ConnectError"):
        asyncio.run(provider.exchange_code(code=code, state="csrf-state-1"))
    with pytest.raises(ProviderUnavailable):
        asyncio.run(provider.fetch_profile(tokens))
    with pytest.raises(ProviderUnavailable):
        asyncio.run(provider.revoke(tokens))


def test_an_unreachable_url_is_unavailable(naver: NaverOAuthEmulator) -> None:
    nowhere = f"http://127.0.0.1:{unused_port()}"
    provider = make_provider(naver, token_url=f"{nowhere}{TOKEN}")
    with pytest.raises(ProviderUnavailable):
        asyncio.run(provider.exchange_code(code="any", state="any"))


def test_a_slow_naver_times_out_as_unavailable(naver: NaverOAuthEmulator) -> None:
    tokens = tokens_for(make_provider(naver))
    with socket.socket() as silent:  # accepts connections (the kernel does) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        provider = make_provider(naver, profile_url=f"http://127.0.0.1:{port}{PROFILE}", timeout_seconds=0.2)
        with pytest.raises(ProviderUnavailable, match="timed out"):
            asyncio.run(provider.fetch_profile(tokens))


# --- secrets --------------------------------------------------------------------------------------


def test_no_token_or_secret_in_errors_or_logs(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tokens = tokens_for(provider)
    asyncio.run(provider.fetch_profile(tokens))
    secrets = [naver.client_secret, tokens.access_token.get_secret_value()]
    assert tokens.refresh_token is not None
    secrets.append(tokens.refresh_token.get_secret_value())

    failures: list[Exception] = []
    for knob, call in (
        ("token_failures", lambda: provider.exchange_code(code=sign_in(provider), state="csrf-state-1")),
        ("profile_failures", lambda: provider.fetch_profile(tokens)),
        ("revoke_failures", lambda: provider.revoke(tokens)),
    ):
        setattr(naver, knob, [503])
        with pytest.raises(ProviderUnavailable) as caught:
            asyncio.run(call())
        failures.append(caught.value)
    with pytest.raises(ProviderRejected) as caught_rejected:
        asyncio.run(make_provider(naver, client_secret="other-secret").revoke(tokens))
    failures.append(caught_rejected.value)
    asyncio.run(provider.revoke(tokens))
    with pytest.raises(ProviderRejected) as caught_dead:
        asyncio.run(provider.fetch_profile(tokens))
    failures.append(caught_dead.value)

    assert any(record.name.startswith("httpx") for record in caplog.records)  # the logs were captured
    texts = [str(exc) for exc in failures] + [repr(exc) for exc in failures]
    texts += [record.getMessage() for record in caplog.records] + [repr(tokens), repr(provider)]
    for text in texts:
        for secret in [*secrets, "other-secret"]:
            assert secret not in text


# --- the token endpoint's HTTP status, judged before authlib reads the body ----------------------

TOKEN_REFUSED = "Naver refused the token request: HTTP"
REFRESH_REFUSED = "Naver refused the token refresh: HTTP"


@pytest.mark.parametrize(
    ("hook", "status", "body", "raised", "message"),
    [
        ("token", 503, b"", ProviderUnavailable, "Naver token endpoint answered HTTP 503"),
        ("token", 408, b"", ProviderUnavailable, "Naver token endpoint answered HTTP 408"),
        ("token", 401, b'{"error": "invalid_client"}', ProviderRejected, f"{TOKEN_REFUSED} 401 invalid_client"),
        ("token", 400, b"not json", ProviderRejected, f"{TOKEN_REFUSED} 400"),
        ("refresh", 500, b"", ProviderUnavailable, "Naver token endpoint answered HTTP 500"),
        ("refresh", 400, b'{"error": "invalid_grant"}', GrantGone, f"{REFRESH_REFUSED} 400 invalid_grant"),
        ("refresh", 400, b'{"error": "server_error"}', ProviderUnavailable, f"{REFRESH_REFUSED} 400 server_error"),
        ("refresh", 401, b"[]", ProviderRejected, f"{REFRESH_REFUSED} 401"),
    ],
)
def test_a_token_endpoint_answer_is_judged_by_its_status(
    hook: str, status: int, body: bytes, raised: type[Exception], message: str
) -> None:
    """Refreshes are also judged by their `error`; a 200 passes on to authlib either way."""
    check = NaverOAuthProvider._check_token_status if hook == "token" else NaverOAuthProvider._check_refresh_status
    headers = {"content-type": "application/json"}
    with pytest.raises(raised) as caught:
        check(httpx.Response(status, content=body, headers=headers))
    assert type(caught.value) is raised
    assert str(caught.value) == message
    passed = httpx.Response(200, content=b'{"error": "invalid_grant"}', headers=headers)
    assert check(passed) is passed
