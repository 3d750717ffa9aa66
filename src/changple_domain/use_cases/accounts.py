"""Accounts: sign-in with a social provider, roles, withdrawal, and revoking the provider's grant.

Withdrawal deletes the account even when the provider cannot be reached or does not confirm: the
tokens are kept (in the revocations table, encrypted like any token) and a worker retries until the
provider confirms (rules in `revocations`, re-exported here)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import AlreadyExists, NotFound
from changple_domain.model.users import NewUser, OAuthTokens, SocialProfile, User, UserRole
from changple_domain.ports import Clock, UnitOfWork
from changple_domain.use_cases.revocations import (
    MAX_REVOCATION_ATTEMPTS,
    RevocationReport,
    retry_revocations,
    revoke_grant,
    revoke_or_queue,
)

__all__ = [
    "MAX_REVOCATION_ATTEMPTS",
    "RevocationReport",
    "SignedIn",
    "delete_account",
    "retry_revocations",
    "revoke_grant",
    "revoke_or_queue",
    "set_role",
    "sign_in",
]


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
