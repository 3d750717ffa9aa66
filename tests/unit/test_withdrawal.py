"""Withdrawal when Naver answers and when it does not: the account always goes, the grant is
revoked now or queued, and the queue is worked off (or given up on) by later passes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from changple_adapters.memory import FixedClock, MemoryOAuthProvider, MemoryUnitOfWork
from changple_domain.model.users import SocialProfile
from changple_domain.use_cases.accounts import (
    MAX_REVOCATION_ATTEMPTS,
    delete_account,
    retry_revocations,
    revoke_or_queue,
    sign_in,
)

CLOCK = FixedClock(datetime(2026, 11, 22, tzinfo=UTC))


def signed_in_user(uow: MemoryUnitOfWork, oauth: MemoryOAuthProvider) -> int:
    profile = SocialProfile(social_id="nv-42", nickname="떠나는사람")
    code = oauth.grant(profile, state="s")
    tokens = asyncio.run(oauth.exchange_code(code=code, state="s"))
    return sign_in(profile, tokens, uow=uow, clock=CLOCK).user.id


def test_withdrawal_revokes_at_once_when_naver_answers() -> None:
    uow, oauth = MemoryUnitOfWork(), MemoryOAuthProvider()
    deleted = delete_account(signed_in_user(uow, oauth), uow=uow)
    assert deleted is not None
    assert asyncio.run(revoke_or_queue(deleted.tokens, oauth=oauth, uow=uow, clock=CLOCK)) is True
    assert len(oauth.revoked) == 1
    with uow:
        assert uow.revocations.list() == []
        assert uow.users.list() == []


def test_naver_down_queues_the_revocation_and_a_later_pass_finishes_it() -> None:
    uow, oauth = MemoryUnitOfWork(), MemoryOAuthProvider()
    deleted = delete_account(signed_in_user(uow, oauth), uow=uow)
    assert deleted is not None
    oauth.down = True
    assert asyncio.run(revoke_or_queue(deleted.tokens, oauth=oauth, uow=uow, clock=CLOCK)) is False
    with uow:
        assert uow.users.list() == []  # the account is gone all the same
        [queued] = uow.revocations.list()
    assert queued.last_error == "naver is not answering"

    still = asyncio.run(retry_revocations(oauth=oauth, uow=uow))
    assert (still.revoked, still.still_pending) == (0, 1)
    oauth.down = False
    done = asyncio.run(retry_revocations(oauth=oauth, uow=uow))
    assert done.revoked == 1
    assert oauth.revoked == [deleted.tokens.access_token.get_secret_value()]  # type: ignore[union-attr]
    with uow:
        assert uow.revocations.list() == []


def test_a_revocation_that_never_succeeds_is_given_up_after_the_limit() -> None:
    uow, oauth = MemoryUnitOfWork(), MemoryOAuthProvider()
    deleted = delete_account(signed_in_user(uow, oauth), uow=uow)
    assert deleted is not None
    oauth.down = True
    asyncio.run(revoke_or_queue(deleted.tokens, oauth=oauth, uow=uow, clock=CLOCK))
    reports = [asyncio.run(retry_revocations(oauth=oauth, uow=uow)) for _ in range(MAX_REVOCATION_ATTEMPTS)]
    assert reports[-1].given_up == 1
    assert sum(r.still_pending for r in reports) == MAX_REVOCATION_ATTEMPTS - 1
    with uow:
        assert uow.revocations.list() == []


def test_a_token_naver_no_longer_knows_counts_as_revoked() -> None:
    uow, oauth = MemoryUnitOfWork(), MemoryOAuthProvider()
    deleted = delete_account(signed_in_user(uow, oauth), uow=uow)
    assert deleted is not None
    asyncio.run(oauth.revoke(deleted.tokens))  # type: ignore[arg-type]
    assert asyncio.run(revoke_or_queue(deleted.tokens, oauth=oauth, uow=uow, clock=CLOCK)) is True
    with uow:
        assert uow.revocations.list() == []
