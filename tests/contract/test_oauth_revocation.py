"""Refresh and revocation as withdrawal relies on them, with the same assertions on the in-memory
fake and on NaverOAuthProvider against the Naver emulator: access tokens die after their hour, a
refresh gives a live one, a deletion with a dead token is "accepted" and deletes nothing (Naver's
warning), a refused refresh means the grant is gone, and withdrawal says revoked only when it is."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from changple_adapters.memory import FixedClock, MemoryOAuthProvider, MemoryUnitOfWork
from changple_adapters.naver.oauth import NaverOAuthProvider
from changple_domain.errors import GrantGone, ProviderRejected, ProviderUnavailable, TokenRefused
from changple_domain.model.users import OAuthTokens, RevocationOutcome, SocialProfile
from changple_domain.ports import OAuthProvider
from changple_domain.use_cases.revocations import retry_revocations, revoke_or_queue
from tests.contract.test_naver_oauth import TOKEN, make_provider, tokens_for
from tests.emulators.naver_oauth import NaverOAuthEmulator

HOUR_AND_A_BIT = 3600 + 60


class MemorySide:
    """The fake, and what the tests ask and steer at 'Naver'."""

    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
        self.fake = MemoryOAuthProvider(clock=self.clock)
        self.provider: OAuthProvider = self.fake

    def sign_in(self) -> OAuthTokens:
        code = self.fake.grant(SocialProfile(social_id="32742776"), state="s")
        return asyncio.run(self.fake.exchange_code(code=code, state="s"))

    def hour_passes(self) -> None:
        self.clock.advance(timedelta(seconds=HOUR_AND_A_BIT))

    def naver_ends_access_tokens(self) -> None:
        self.fake.expire_access_tokens()

    def disconnect(self, tokens: OAuthTokens) -> None:
        self.fake.disconnect(tokens)

    def grant_revoked(self, tokens: OAuthTokens) -> bool:
        return self.fake.grant_revoked(tokens)

    def refuse_next_revocation(self, error: str) -> None:
        self.fake.revoke_refusals.append(error)

    def set_down(self, down: bool) -> None:
        self.fake.down = down


class NaverSide:
    def __init__(self, emulator: NaverOAuthEmulator) -> None:
        self.clock = FixedClock(datetime.now(UTC))
        self.emulator = emulator
        self.provider: OAuthProvider = make_provider(emulator, clock=self.clock)

    def sign_in(self) -> OAuthTokens:
        return tokens_for(self.provider)  # type: ignore[arg-type]

    def hour_passes(self) -> None:
        self.emulator.advance(HOUR_AND_A_BIT)
        self.clock.advance(timedelta(seconds=HOUR_AND_A_BIT))

    def naver_ends_access_tokens(self) -> None:
        self.emulator.advance(HOUR_AND_A_BIT)  # our clock still thinks they live

    def disconnect(self, tokens: OAuthTokens) -> None:
        self.emulator.disconnect(_refresh(tokens))

    def grant_revoked(self, tokens: OAuthTokens) -> bool:
        return self.emulator.grant_revoked(_refresh(tokens))

    def refuse_next_revocation(self, error: str) -> None:
        status = 401 if error in ("invalid_token", "invalid_client") else 200  # Naver's own errors come in a 200
        self.emulator.revoke_refusals.append((status, {"error": error, "error_description": "refused"}))

    def set_down(self, down: bool) -> None:
        self.emulator.down = down


Side = MemorySide | NaverSide


def _refresh(tokens: OAuthTokens) -> str:
    assert tokens.refresh_token is not None
    return tokens.refresh_token.get_secret_value()


@pytest.fixture(scope="module")
def emulator() -> Iterator[NaverOAuthEmulator]:
    server = NaverOAuthEmulator()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["memory", "naver"])
def side(request: pytest.FixtureRequest) -> Side:
    if request.param == "memory":
        return MemorySide()
    emulator: NaverOAuthEmulator = request.getfixturevalue("emulator")
    emulator.reset()
    return NaverSide(emulator)


@pytest.fixture
def naver(emulator: NaverOAuthEmulator) -> NaverOAuthEmulator:
    emulator.reset()
    return emulator


@pytest.fixture
def provider(naver: NaverOAuthEmulator) -> NaverOAuthProvider:
    return make_provider(naver)


def run(call: Any) -> Any:
    return asyncio.run(call)


# --- the port -------------------------------------------------------------------------------------


def test_a_refresh_gives_a_live_access_token_under_the_same_refresh_token(side: Side) -> None:
    tokens = side.sign_in()
    side.hour_passes()
    with pytest.raises(ProviderRejected):
        run(side.provider.fetch_profile(tokens))
    fresh = run(side.provider.refresh(tokens))
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token
    assert fresh.expires_at == side.clock.now() + timedelta(seconds=3600)
    assert run(side.provider.fetch_profile(fresh)).social_id == "32742776"


def test_deleting_with_a_live_access_token_ends_the_grant(side: Side) -> None:
    tokens = side.sign_in()
    run(side.provider.revoke(tokens))
    assert side.grant_revoked(tokens)
    with pytest.raises(GrantGone):
        run(side.provider.refresh(tokens))


@pytest.mark.parametrize("how", ["hour_passes", "naver_ends_access_tokens"])
def test_deleting_with_a_dead_access_token_is_accepted_and_deletes_nothing(side: Side, how: str) -> None:
    tokens = side.sign_in()
    getattr(side, how)()
    run(side.provider.revoke(tokens))  # Naver answers success all the same
    assert not side.grant_revoked(tokens)
    assert run(side.provider.refresh(tokens)).access_token


def test_a_grant_removed_at_naver_no_longer_refreshes(side: Side) -> None:
    tokens = side.sign_in()
    side.disconnect(tokens)
    with pytest.raises(GrantGone):
        run(side.provider.refresh(tokens))


def test_an_invalid_token_refusal_is_told_apart_from_other_refusals(side: Side) -> None:
    tokens = side.sign_in()
    side.refuse_next_revocation("invalid_token")
    with pytest.raises(TokenRefused):
        run(side.provider.revoke(tokens))
    for error in ("invalid_client", "invalid_request"):
        side.refuse_next_revocation(error)
        with pytest.raises(ProviderRejected) as caught:
            run(side.provider.revoke(tokens))
        assert not isinstance(caught.value, TokenRefused)
    assert not side.grant_revoked(tokens)


def test_a_down_naver_is_unavailable_for_refresh_and_revocation(side: Side) -> None:
    tokens = side.sign_in()
    side.set_down(True)
    for call in (side.provider.refresh(tokens), side.provider.revoke(tokens)):
        with pytest.raises(ProviderUnavailable):
            run(call)
    assert not side.grant_revoked(tokens)


# --- withdrawal over the port ---------------------------------------------------------------------


@pytest.mark.parametrize("how", ["hour_passes", "naver_ends_access_tokens"])
def test_withdrawal_after_the_access_token_died_refreshes_and_revokes(side: Side, how: str) -> None:
    tokens, uow = side.sign_in(), MemoryUnitOfWork()
    getattr(side, how)()
    outcome = run(revoke_or_queue(tokens, oauth=side.provider, uow=uow, clock=side.clock))
    assert outcome is RevocationOutcome.REVOKED
    assert side.grant_revoked(tokens)
    with uow:
        assert uow.revocations.list() == []


def test_withdrawal_after_an_invalid_token_refusal_refreshes_and_revokes(side: Side) -> None:
    tokens, uow = side.sign_in(), MemoryUnitOfWork()
    side.refuse_next_revocation("invalid_token")
    assert run(revoke_or_queue(tokens, oauth=side.provider, uow=uow, clock=side.clock)) is RevocationOutcome.REVOKED
    assert side.grant_revoked(tokens)


@pytest.mark.parametrize("trouble", ["invalid_client", "invalid_request", "down"])
def test_an_unconfirmed_withdrawal_is_queued_and_a_later_retry_confirms_it(side: Side, trouble: str) -> None:
    tokens, uow = side.sign_in(), MemoryUnitOfWork()
    if trouble == "down":
        side.set_down(True)
    else:
        side.refuse_next_revocation(trouble)
    assert run(revoke_or_queue(tokens, oauth=side.provider, uow=uow, clock=side.clock)) is RevocationOutcome.PENDING
    assert not side.grant_revoked(tokens)
    with uow:
        [queued] = uow.revocations.list()
    assert queued.tokens.refresh_token == tokens.refresh_token  # so the retry can refresh and confirm
    assert queued.last_error

    side.set_down(False)
    side.hour_passes()  # the retry comes later: the queued access token is dead by then
    report = run(retry_revocations(oauth=side.provider, uow=uow, clock=side.clock))
    assert (report.revoked, report.still_pending) == (1, 0)
    assert side.grant_revoked(tokens)
    with uow:
        assert uow.revocations.list() == []


def test_a_grant_already_removed_at_naver_counts_as_revoked(side: Side) -> None:
    tokens, uow = side.sign_in(), MemoryUnitOfWork()
    side.disconnect(tokens)
    assert run(revoke_or_queue(tokens, oauth=side.provider, uow=uow, clock=side.clock)) is RevocationOutcome.REVOKED
    with uow:
        assert uow.revocations.list() == []


# --- NaverOAuthProvider only: the wire, and which answer means what ---------------------------------------------------


def test_a_refresh_goes_on_the_wire_as_naver_documents(naver: NaverOAuthEmulator, provider: NaverOAuthProvider) -> None:
    tokens = tokens_for(provider)
    assert tokens.refresh_token is not None
    fresh = asyncio.run(provider.refresh(tokens))
    refresh_call = naver.calls_to(TOKEN)[-1]
    assert refresh_call.form == {
        "grant_type": "refresh_token",
        "refresh_token": tokens.refresh_token.get_secret_value(),
        "client_id": naver.client_id,
        "client_secret": naver.client_secret,
    }
    assert "authorization" not in refresh_call.headers
    assert fresh.refresh_token == tokens.refresh_token  # Naver sends none back: ours is kept
    assert naver.is_active(fresh.access_token.get_secret_value())


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"error": "invalid_request", "error_description": "invalid refresh token"}),  # Naver's way
        (400, {"error": "invalid_grant", "error_description": "refresh token expired"}),  # RFC 6749's way
    ],
)
def test_a_refused_refresh_token_means_the_grant_is_gone(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider, status: int, body: dict[str, str]
) -> None:
    tokens = tokens_for(provider)
    naver.token_refusals.append((status, body))
    with pytest.raises(GrantGone) as caught:
        asyncio.run(provider.refresh(tokens))
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() not in str(caught.value)


def test_a_refresh_refused_for_our_client_is_not_a_gone_grant(naver: NaverOAuthEmulator) -> None:
    tokens = tokens_for(make_provider(naver))
    with pytest.raises(ProviderRejected, match="invalid_client") as caught:
        asyncio.run(make_provider(naver, client_secret="not-the-secret").refresh(tokens))
    assert not isinstance(caught.value, GrantGone)
    assert "not-the-secret" not in str(caught.value)


@pytest.mark.parametrize("refusal", [(503, None), (200, {"error": "server_error", "error_description": "try later"})])
def test_naver_s_own_trouble_on_a_refresh_is_worth_retrying(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider, refusal: tuple[int, dict[str, str] | None]
) -> None:
    tokens = tokens_for(provider)
    status, body = refusal
    if body is None:
        naver.token_failures.append(status)
    else:
        naver.token_refusals.append((status, body))
    with pytest.raises(ProviderUnavailable):
        asyncio.run(provider.refresh(tokens))


def test_a_revocation_answered_200_with_an_error_body_is_refused(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    tokens = tokens_for(provider)
    naver.revoke_refusals.append((200, {"error": "invalid_request", "error_description": "no valid data"}))
    with pytest.raises(ProviderRejected, match="invalid_request"):
        asyncio.run(provider.revoke(tokens))
    assert not naver.grant_revoked(tokens.access_token.get_secret_value())


def test_an_invalid_token_answer_to_a_revocation_is_a_token_refusal(
    naver: NaverOAuthEmulator, provider: NaverOAuthProvider
) -> None:
    tokens = tokens_for(provider)
    naver.revoke_refusals.append((401, {"error": "invalid_token", "error_description": "expired"}))
    with pytest.raises(TokenRefused):
        asyncio.run(provider.revoke(tokens))
