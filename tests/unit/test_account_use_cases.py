"""The account use cases the HTTP and CLI entrypoints call: who is calling, finishing a Naver login,
withdrawal as one step, the local admin's login links, and which article a session check asks for."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from changple_adapters.memory import FixedClock, MemoryOAuthProvider, MemoryUnitOfWork
from changple_adapters.memory.login_links import MemoryLoginLinkStore
from changple_domain.errors import InvalidSetting, ProviderRejected, Unauthorized
from changple_domain.model.access import Scope
from changple_domain.model.users import OAuthTokens, RevocationOutcome, SocialProfile
from changple_domain.use_cases.accounts import (
    CodeRejected,
    Credentials,
    LoginUnavailable,
    ProfileRejected,
    finish_login,
    identify_caller,
    list_users,
    sign_in,
    withdraw,
)
from changple_domain.use_cases.local_admin import issue_login_link, sign_in_with_link
from changple_domain.use_cases.naver_session import article_to_check
from changple_domain.use_cases.service_tokens import (
    create_service_token,
    list_service_tokens,
    revoke_service_token,
)

START = datetime(2026, 11, 22, tzinfo=UTC)
PERSON = SocialProfile(social_id="nv-7", nickname="읽는사람")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def uow() -> MemoryUnitOfWork:
    return MemoryUnitOfWork()


@pytest.fixture
def oauth(clock: FixedClock) -> MemoryOAuthProvider:
    return MemoryOAuthProvider(clock=clock)


def _login(oauth: MemoryOAuthProvider, uow: MemoryUnitOfWork, clock: FixedClock) -> int:
    code = oauth.grant(PERSON, state="s")
    return asyncio.run(finish_login(code, "s", oauth=oauth, uow=uow, clock=clock)).user.id


def test_finishing_a_login_signs_the_person_in_once(
    oauth: MemoryOAuthProvider, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    user_id = _login(oauth, uow, clock)
    assert [u.id for u in list_users(uow=uow)] == [user_id]
    with pytest.raises(CodeRejected):  # the code is spent
        asyncio.run(finish_login("used", "s", oauth=oauth, uow=uow, clock=clock))


def test_a_refused_profile_and_a_silent_provider_are_told_apart(
    oauth: MemoryOAuthProvider, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    code = oauth.grant(PERSON, state="s")
    refusing = RefusesProfiles(clock=clock)
    with pytest.raises(ProfileRejected):
        asyncio.run(finish_login(refusing.grant(PERSON, state="s"), "s", oauth=refusing, uow=uow, clock=clock))
    oauth.down = True
    with pytest.raises(LoginUnavailable):
        asyncio.run(finish_login(code, "s", oauth=oauth, uow=uow, clock=clock))
    assert list_users(uow=uow) == []


class RefusesProfiles(MemoryOAuthProvider):
    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile:
        raise ProviderRejected("naver refused the access token")


def test_withdrawal_revokes_then_deletes_and_a_repeat_withdraws_nothing(
    oauth: MemoryOAuthProvider, uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    user_id = _login(oauth, uow, clock)
    with uow:
        user = uow.users.get(user_id)
    assert user is not None
    first = asyncio.run(withdraw(user, oauth=oauth, uow=uow, clock=clock))
    assert (first.withdrawn, first.revocation) == (True, RevocationOutcome.REVOKED)
    again = asyncio.run(withdraw(user, oauth=oauth, uow=uow, clock=clock))
    assert again.withdrawn is False
    assert list_users(uow=uow) == []


def test_a_session_opens_only_the_account_it_was_made_for(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    assert identify_caller(Credentials(), uow=uow, clock=clock).caller.anonymous
    person = sign_in(PERSON, OAuthTokens(access_token=SecretStr("a")), uow=uow, clock=clock).user
    mine = Credentials(session_user_id=person.id, session_account_key=person.account_key)
    identified = identify_caller(mine, uow=uow, clock=clock)
    assert identified.caller.user == person
    assert not identified.end_session
    for foreign in ("someone-else", None):
        other = Credentials(session_user_id=person.id, session_account_key=foreign)
        refused = identify_caller(other, uow=uow, clock=clock)
        assert refused.caller.anonymous
        assert refused.end_session
    gone = Credentials(session_user_id=person.id + 100, session_account_key=person.account_key)
    assert identify_caller(gone, uow=uow, clock=clock).end_session


def test_a_service_token_wins_over_the_session_and_a_bad_one_is_refused(
    uow: MemoryUnitOfWork, clock: FixedClock
) -> None:
    token, text = create_service_token("agent", frozenset({Scope.PIPELINE}), uow=uow, clock=clock)
    both = Credentials(service_token=text, session_user_id=1, session_account_key="k")
    assert identify_caller(both, uow=uow, clock=clock).caller.token == token.model_copy(update={"last_used_at": START})
    assert text not in repr(both)
    with pytest.raises(Unauthorized):
        identify_caller(Credentials(service_token="chp_nope"), uow=uow, clock=clock)
    revoke_service_token("agent", uow=uow, clock=clock)
    assert list_service_tokens(uow=uow) == []
    assert [t.id for t in list_service_tokens(include_revoked=True, uow=uow)] == [token.id]


def test_a_login_link_issued_now_opens_the_local_admin_once(uow: MemoryUnitOfWork, clock: FixedClock) -> None:
    links = MemoryLoginLinkStore()
    secret = issue_login_link(timedelta(minutes=5), links=links, clock=clock)
    admin = sign_in_with_link(secret, links=links, uow=uow, clock=clock)
    assert admin.is_admin
    with pytest.raises(Unauthorized):
        sign_in_with_link(secret, links=links, uow=uow, clock=clock)


def test_the_article_a_session_check_asks_for(uow: MemoryUnitOfWork) -> None:
    assert article_to_check(42, uow=uow, first_article_id=None) == 42
    assert article_to_check(None, uow=uow, first_article_id=1000) == 1000
    with pytest.raises(InvalidSetting):
        article_to_check(None, uow=uow, first_article_id=None)
