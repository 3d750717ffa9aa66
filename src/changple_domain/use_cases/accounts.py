"""Accounts: sign-in with a social provider, roles, withdrawal, and revoking the provider's grant.

Withdrawal deletes the account even when the provider cannot be reached: the token is kept (in the
revocations table, encrypted like any token) and a worker retries until the provider confirms."""

from __future__ import annotations

import logging

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import AlreadyExists, NotFound, ProviderRejected, ProviderUnavailable
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, SocialProfile, User, UserRole
from changple_domain.ports import Clock, OAuthProvider, UnitOfWork

log = logging.getLogger(__name__)

MAX_REVOCATION_ATTEMPTS = 20  # about a day of hourly retries; after that the grant expires on its own


class SignedIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    user: User
    created: bool


def sign_in(profile: SocialProfile, tokens: OAuthTokens, *, uow: UnitOfWork, clock: Clock) -> SignedIn:
    """Create the user on first sign-in, else refresh their profile and tokens (the role stays).
    Two first sign-ins racing for one social id end with one user."""
    now = clock.now()
    with uow:
        existing = uow.users.get_by_social_id(profile.provider, profile.social_id)
        if existing is not None:
            user = existing.signed_in(profile, tokens, at=now)
            uow.users.save(user)
            uow.commit()
            return SignedIn(user=user, created=False)
        try:
            user = uow.users.add(NewUser(profile=profile, tokens=tokens, created_at=now, last_login_at=now))
            uow.commit()
            return SignedIn(user=user, created=True)
        except AlreadyExists:
            uow.rollback()
    return sign_in(profile, tokens, uow=uow, clock=clock)  # the other sign-in won: update that user


def set_role(user_id: int, role: UserRole, *, uow: UnitOfWork) -> User:
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            raise NotFound(f"no user with id {user_id}")
        changed = user.model_copy(update={"role": role})
        uow.users.save(changed)
        uow.commit()
    return changed


def delete_account(user_id: int, *, uow: UnitOfWork) -> User | None:
    """Delete the user with their chat sessions and view history; None when already gone (so a
    repeated withdrawal is harmless). Returns the deleted user, whose tokens may still need revoking."""
    with uow:
        user = uow.users.get(user_id)
        if user is None:
            return None
        uow.users.delete(user_id)
        uow.commit()
    return user


async def revoke_or_queue(tokens: OAuthTokens | None, *, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock) -> bool:
    """Ask the provider to revoke; if it is unreachable, queue the token for the worker. True when
    revoked (or nothing to revoke). A refusal means the token is already dead: nothing to keep."""
    if tokens is None:
        return True
    try:
        await oauth.revoke(tokens)
        return True
    except ProviderRejected:
        return True
    except ProviderUnavailable as exc:
        with uow:
            uow.revocations.add(
                PendingRevocation(provider=oauth.name, tokens=tokens, last_error=exc.detail, created_at=clock.now())
            )
            uow.commit()
        log.warning("%s revocation queued for retry: %s", oauth.name, exc.detail)
        return False


class RevocationReport(BaseModel):
    revoked: int = 0
    still_pending: int = 0
    given_up: int = 0


async def retry_revocations(*, oauth: OAuthProvider, uow: UnitOfWork) -> RevocationReport:
    """One pass over queued revocations: done ones leave the queue, failures count an attempt."""
    report = RevocationReport()
    with uow:
        pending = [p for p in uow.revocations.list(limit=500) if p.provider == oauth.name]
    for item in pending:
        if item.id is None:  # stored items have ids; this is for the type checker
            continue
        item_id = item.id
        try:
            await oauth.revoke(item.tokens)
            outcome = "revoked"
        except ProviderRejected:
            outcome = "revoked"  # the token no longer works: that is what revocation wanted
        except ProviderUnavailable as exc:
            outcome = "given_up" if item.attempts + 1 >= MAX_REVOCATION_ATTEMPTS else "still_pending"
            item = item.model_copy(update={"attempts": item.attempts + 1, "last_error": exc.detail})
        with uow:
            if outcome == "still_pending":
                uow.revocations.save(item)
            else:
                uow.revocations.remove(item_id)
            uow.commit()
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
