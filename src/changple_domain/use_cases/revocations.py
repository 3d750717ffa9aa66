"""Revoking a withdrawn user's Naver grant, and only calling it revoked when Naver confirmed it.

What Naver's login guide says, and these rules rest on:
- a deletion removes the grant only when its access token is alive (one hour); with a dead or
  unknown token Naver answers success all the same and deletes nothing, so an accepted deletion
  proves nothing by itself. Hence: refresh first when the access token is stale;
- a grant is gone once its refresh token no longer refreshes. That is the confirmation the guide
  suggests, and the only one counted here.

How the provider's answers map (the adapter raises these; see PROVIDERS.md and NaverOAuthProvider):
- GrantGone (the refresh token refused: `invalid_request`/`invalid_grant` from the token endpoint)
  means the grant is already gone, whoever ended it (us, the person in Naver's settings, expiry):
  REVOKED, nothing is left that anyone could use.
- TokenRefused on a deletion (`invalid_token`) means only that access token is dead: refresh, which
  either proves the grant gone or gives a live token to delete with.
- Any other refusal (`invalid_client`: our client id or secret; `invalid_request` on a deletion;
  an unknown error) means we could not revoke: PENDING, queued, retried; `last_error` says why.
- ProviderUnavailable (down, slow, 429, 5xx): PENDING as well.
A deletion Naver accepts while the grant still refreshes afterwards is retried once with the fresh
token, then left PENDING. Without a refresh token nothing can be confirmed: MANUAL."""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import GrantGone, ProviderRejected, ProviderUnavailable, TokenRefused
from changple_domain.model.users import OAuthTokens, PendingRevocation, RevocationOutcome
from changple_domain.ports import Clock, OAuthProvider, UnitOfWork

log = logging.getLogger(__name__)

MAX_REVOCATION_ATTEMPTS = 20  # about a day of hourly retries; then an operator reads last_error
STALE_MARGIN = timedelta(minutes=5)  # an access token this close to its end is refreshed first
DELETE_ROUNDS = 2  # deletions tried in one attempt, each followed by the confirming refresh


class Revocation(BaseModel):
    """One attempt's result; `detail` says why it is not REVOKED (never holds a token)."""

    model_config = ConfigDict(frozen=True)

    outcome: RevocationOutcome
    detail: str = ""


async def revoke_grant(tokens: OAuthTokens, *, oauth: OAuthProvider, clock: Clock) -> Revocation:
    """Delete the grant with a live access token and confirm it by a refused refresh (module rules)."""
    if tokens.refresh_token is None:
        return await _revoke_unconfirmable(tokens, oauth=oauth, clock=clock)
    current = tokens
    try:
        if current.is_stale(clock.now(), margin=STALE_MARGIN):
            current = await oauth.refresh(current)
        for _ in range(DELETE_ROUNDS):
            # A dead access token (TokenRefused): the refresh below proves the grant gone or gives a live one.
            with contextlib.suppress(TokenRefused):
                await oauth.revoke(current)
            current = await oauth.refresh(current)  # it still refreshes: the deletion did not take
    except GrantGone:
        return Revocation(outcome=RevocationOutcome.REVOKED)
    except (ProviderRejected, ProviderUnavailable) as exc:
        return Revocation(outcome=RevocationOutcome.PENDING, detail=exc.detail)
    return Revocation(
        outcome=RevocationOutcome.PENDING,
        detail=f"{oauth.name} accepted the deletion but the grant still refreshes",
    )


async def _revoke_unconfirmable(tokens: OAuthTokens, *, oauth: OAuthProvider, clock: Clock) -> Revocation:
    """No refresh token: delete while the access token lives, but nothing can confirm it."""
    detail = f"no refresh token: {oauth.name} cannot be asked whether the grant is gone"
    if not tokens.is_stale(clock.now()):
        try:
            await oauth.revoke(tokens)
        except (ProviderRejected, ProviderUnavailable) as exc:
            detail = f"{detail}; the deletion failed: {exc.detail}"
    return Revocation(outcome=RevocationOutcome.MANUAL, detail=detail)


async def revoke_or_queue(
    tokens: OAuthTokens | None, *, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock
) -> RevocationOutcome:
    """Revoke a withdrawn user's grant now; what is not confirmed goes to the queue the worker
    retries. No tokens at all: nothing to revoke (REVOKED)."""
    if tokens is None:
        return RevocationOutcome.REVOKED
    result = await revoke_grant(tokens, oauth=oauth, clock=clock)
    if result.outcome is RevocationOutcome.PENDING:
        with uow:
            uow.revocations.add(
                PendingRevocation(provider=oauth.name, tokens=tokens, last_error=result.detail, created_at=clock.now())
            )
            uow.commit()
        log.warning("%s revocation not confirmed, queued for retry: %s", oauth.name, result.detail)
    elif result.outcome is RevocationOutcome.MANUAL:
        log.warning("%s revocation left to the person: %s", oauth.name, result.detail)
    return result.outcome


class RevocationReport(BaseModel):
    revoked: int = 0
    still_pending: int = 0
    given_up: int = 0


async def retry_revocations(*, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock) -> RevocationReport:
    """One pass over the queue: confirmed ones leave it, the others count an attempt and are given
    up (with a warning naming the last error) after MAX_REVOCATION_ATTEMPTS."""
    report = RevocationReport()
    with uow:
        pending = [p for p in uow.revocations.list(limit=500) if p.provider == oauth.name]
    for item in pending:
        if item.id is None:  # stored items have ids; this is for the type checker
            continue
        item_id = item.id
        result = await revoke_grant(item.tokens, oauth=oauth, clock=clock)
        outcome = "revoked"
        if result.outcome is RevocationOutcome.MANUAL:
            outcome = "given_up"
        elif result.outcome is RevocationOutcome.PENDING:
            outcome = "given_up" if item.attempts + 1 >= MAX_REVOCATION_ATTEMPTS else "still_pending"
            item = item.model_copy(update={"attempts": item.attempts + 1, "last_error": result.detail})
        if outcome == "given_up":
            log.warning("%s revocation %d given up: %s", oauth.name, item_id, result.detail)
        with uow:
            if outcome == "still_pending":
                uow.revocations.save(item)
            else:
                uow.revocations.remove(item_id)
            uow.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
