"""Withdrawal when Naver answers and when it does not: the account always goes, the grant counts as
revoked only when Naver confirmed it (a refused refresh), everything else is queued, and the queue
is worked off (or given up on) by later passes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from changple_adapters.memory import FixedClock, MemoryOAuthProvider, MemoryUnitOfWork
from changple_domain.model.users import OAuthTokens, RevocationOutcome, SocialProfile
from changple_domain.use_cases.accounts import (
    MAX_REVOCATION_ATTEMPTS,
    RevocationReport,
    delete_account,
    retry_revocations,
    revoke_grant,
    revoke_or_queue,
    sign_in,
)

START = datetime(2026, 11, 22, tzinfo=UTC)


def naver() -> tuple[MemoryUnitOfWork, MemoryOAuthProvider, FixedClock]:
    clock = FixedClock(START)
    return MemoryUnitOfWork(), MemoryOAuthProvider(clock=clock), clock


def withdrawn_tokens(uow: MemoryUnitOfWork, oauth: MemoryOAuthProvider, clock: FixedClock) -> OAuthTokens:
    """Sign in and delete the account; the tokens withdrawal must now revoke."""
    profile = SocialProfile(social_id="nv-42", nickname="떠나는사람")
    code = oauth.grant(profile, state="s")
    tokens = asyncio.run(oauth.exchange_code(code=code, state="s"))
    deleted = delete_account(sign_in(profile, tokens, uow=uow, clock=clock).user.id, uow=uow)
    assert deleted is not None
    assert deleted.tokens == tokens
    return tokens


def withdraw(
    tokens: OAuthTokens | None, uow: MemoryUnitOfWork, oauth: MemoryOAuthProvider, clock: FixedClock
) -> RevocationOutcome:
    return asyncio.run(revoke_or_queue(tokens, oauth=oauth, uow=uow, clock=clock))


def retry(uow: MemoryUnitOfWork, oauth: MemoryOAuthProvider, clock: FixedClock) -> RevocationReport:
    return asyncio.run(retry_revocations(oauth=oauth, uow=uow, clock=clock))


def test_withdrawal_revokes_at_once_when_naver_answers() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.REVOKED
    assert oauth.grant_revoked(tokens)
    assert oauth.revoked == [tokens.access_token.get_secret_value()]
    with uow:
        assert uow.revocations.list() == []
        assert uow.users.list() == []


def test_an_access_token_past_its_hour_is_refreshed_before_the_deletion() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    clock.advance(timedelta(hours=2))
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.REVOKED
    assert oauth.grant_revoked(tokens)
    assert oauth.revoked != [tokens.access_token.get_secret_value()]  # a fresh access token did it


def test_an_access_token_about_to_die_is_refreshed_too() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    clock.advance(timedelta(minutes=58))
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.REVOKED
    assert oauth.revoked != [tokens.access_token.get_secret_value()]


def test_naver_down_queues_the_revocation_and_a_later_pass_finishes_it() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    oauth.down = True
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.PENDING
    with uow:
        assert uow.users.list() == []  # the account is gone all the same
        [queued] = uow.revocations.list()
    assert queued.last_error == "naver is not answering"
    assert queued.tokens == tokens  # the refresh token included: the retry refreshes and confirms

    still = retry(uow, oauth, clock)
    assert (still.revoked, still.still_pending) == (0, 1)
    oauth.down = False
    clock.advance(timedelta(hours=1))
    done = retry(uow, oauth, clock)
    assert done.revoked == 1
    assert oauth.grant_revoked(tokens)
    with uow:
        assert uow.revocations.list() == []


def test_a_refusal_is_not_a_revocation() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    oauth.revoke_refusals.append("invalid_client")
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.PENDING
    assert not oauth.grant_revoked(tokens)
    with uow:
        [queued] = uow.revocations.list()
    assert "invalid_client" in (queued.last_error or "")
    assert retry(uow, oauth, clock).revoked == 1
    assert oauth.grant_revoked(tokens)


def test_a_revocation_that_never_succeeds_is_given_up_after_the_limit() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    oauth.down = True
    withdraw(tokens, uow, oauth, clock)
    reports = [retry(uow, oauth, clock) for _ in range(MAX_REVOCATION_ATTEMPTS)]
    assert reports[-1].given_up == 1
    assert sum(r.still_pending for r in reports) == MAX_REVOCATION_ATTEMPTS - 1
    with uow:
        assert uow.revocations.list() == []


def test_a_grant_naver_no_longer_refreshes_counts_as_revoked() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    oauth.disconnect(tokens)  # the person removed us in Naver's settings
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.REVOKED
    with uow:
        assert uow.revocations.list() == []


class AcceptsAndKeeps(MemoryOAuthProvider):
    """A Naver that says success to every deletion and deletes nothing."""

    async def revoke(self, tokens: OAuthTokens) -> None:
        self._reachable()


def test_an_accepted_deletion_whose_grant_still_refreshes_is_not_confirmed() -> None:
    clock = FixedClock(START)
    uow, oauth = MemoryUnitOfWork(), AcceptsAndKeeps(clock=clock)
    tokens = withdrawn_tokens(uow, oauth, clock)
    result = asyncio.run(revoke_grant(tokens, oauth=oauth, clock=clock))
    assert result.outcome is RevocationOutcome.PENDING
    assert "still refreshes" in result.detail
    assert withdraw(tokens, uow, oauth, clock) is RevocationOutcome.PENDING
    assert not oauth.grant_revoked(tokens)


def test_without_a_refresh_token_nothing_can_be_confirmed() -> None:
    uow, oauth, clock = naver()
    tokens = withdrawn_tokens(uow, oauth, clock)
    bare = tokens.model_copy(update={"refresh_token": None})
    assert withdraw(bare, uow, oauth, clock) is RevocationOutcome.MANUAL
    assert oauth.grant_revoked(tokens)  # it was tried while the access token lived
    dead = OAuthTokens(access_token=SecretStr("gone"), expires_at=START - timedelta(hours=1))
    assert withdraw(dead, uow, oauth, clock) is RevocationOutcome.MANUAL
    with uow:
        assert uow.revocations.list() == []  # no retry could do better


def test_no_tokens_means_nothing_to_revoke() -> None:
    uow, oauth, clock = naver()
    assert withdraw(None, uow, oauth, clock) is RevocationOutcome.REVOKED
