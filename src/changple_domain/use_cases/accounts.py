"""Accounts: sign-in with a social provider, roles, withdrawal, and revoking the provider's grant.

Withdrawal deletes the account even when the provider cannot be reached or does not confirm: the
tokens are kept (in the revocations table, encrypted like any token) and a worker retries until the
provider confirms (rules in `revocations`, re-exported here).

Who is calling is decided here too (`identify_caller`): a service token, else the session's user,
else nobody, so the HTTP layer only reads the credentials off the request."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from changple_domain.errors import AlreadyExists, NotFound, ProviderRejected, ProviderUnavailable
from changple_domain.model.access import Caller
from changple_domain.model.users import NewUser, OAuthTokens, RevocationOutcome, SocialProfile, User, UserRole
from changple_domain.ports import Clock, OAuthProvider, UnitOfWork
from changple_domain.use_cases.revocations import (
    MAX_REVOCATION_ATTEMPTS,
    RevocationReport,
    retry_revocations,
    revoke_grant,
    revoke_or_queue,
)
from changple_domain.use_cases.service_tokens import authenticate_service_token

__all__ = [
    "MAX_REVOCATION_ATTEMPTS",
    "CodeRejected",
    "Credentials",
    "Identified",
    "LoginUnavailable",
    "ProfileRejected",
    "RevocationReport",
    "SignedIn",
    "Withdrawal",
    "delete_account",
    "finish_login",
    "identify_caller",
    "list_users",
    "login_url",
    "retry_revocations",
    "revoke_grant",
    "revoke_or_queue",
    "set_role",
    "sign_in",
    "withdraw",
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


def list_users(*, limit: int = 100, offset: int = 0, uow: UnitOfWork) -> list[User]:
    """People who have signed in, oldest first, a page at a time."""
    with uow:
        return uow.users.list(limit=limit, offset=offset)


# --- signing in with the provider ------------------------------------------------------------------


class CodeRejected(ProviderRejected):
    """The provider refused the callback's code (used, expired, or not ours)."""

    code = "code_rejected"


class ProfileRejected(ProviderRejected):
    """The provider gave tokens but refused to say who signed in (so nobody is signed in)."""

    code = "profile_rejected"


class LoginUnavailable(ProviderUnavailable):
    """The provider did not answer while signing someone in (our own database is another matter)."""

    code = "login_unavailable"


def login_url(state: str, *, oauth: OAuthProvider) -> str:
    """Where to send the browser to sign in; `state` comes back with it to the callback."""
    return oauth.authorize_url(state=state)


async def finish_login(code: str, state: str, *, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock) -> SignedIn:
    """The callback's work: trade the code for tokens, read the profile, sign the user in. The
    provider's refusals and silences are told apart (CodeRejected, ProfileRejected, LoginUnavailable)
    from anything the sign-in itself raises."""
    try:
        try:
            tokens = await oauth.exchange_code(code=code, state=state)
        except ProviderRejected as exc:
            raise CodeRejected(exc.detail) from exc
        try:
            profile = await oauth.fetch_profile(tokens)
        except ProviderRejected as exc:
            raise ProfileRejected(exc.detail) from exc
    except ProviderUnavailable as exc:
        raise LoginUnavailable(exc.detail) from exc
    return sign_in(profile, tokens, uow=uow, clock=clock)


# --- withdrawal ------------------------------------------------------------------------------------


class Withdrawal(BaseModel):
    model_config = ConfigDict(frozen=True)

    withdrawn: bool  # false when another session of the same user withdrew first
    revocation: RevocationOutcome


async def withdraw(user: User, *, oauth: OAuthProvider, uow: UnitOfWork, clock: Clock) -> Withdrawal:
    """Revoke the provider's grant (or queue it), then delete the account all the same."""
    revocation = await revoke_or_queue(user.tokens, oauth=oauth, uow=uow, clock=clock)
    deleted = delete_account(user.id, uow=uow)
    return Withdrawal(withdrawn=deleted is not None, revocation=revocation)


# --- who is calling ---------------------------------------------------------------------------------


class Credentials(BaseModel):
    """What one request presents: a service token's text, or its session's user id and account key
    (unchecked), or nothing."""

    model_config = ConfigDict(frozen=True)

    service_token: str | None = Field(default=None, repr=False)
    session_user_id: int | None = None
    session_account_key: str | None = None


class Identified(BaseModel):
    model_config = ConfigDict(frozen=True)

    caller: Caller
    end_session: bool = False  # the session names an account it no longer opens: forget it


def identify_caller(credentials: Credentials, *, uow: UnitOfWork, clock: Clock) -> Identified:
    """A service token wins over a session, and a bad one is Unauthorized. A session opens only the
    account it was made for: one whose user is gone (withdrawn elsewhere), whose id now names
    another account, or that predates account keys opens nothing, ever again."""
    if credentials.service_token is not None:
        token = authenticate_service_token(credentials.service_token, uow=uow, clock=clock)
        return Identified(caller=Caller(token=token))
    if credentials.session_user_id is None:
        return Identified(caller=Caller())
    with uow:
        user = uow.users.get(credentials.session_user_id)
    if user is None or not user.opens_session(credentials.session_account_key):
        return Identified(caller=Caller(), end_session=True)
    return Identified(caller=Caller(user=user))
