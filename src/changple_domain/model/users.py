"""Users who sign in with Naver, their roles, and the tokens Naver gave us for them.

Naver's access and refresh tokens are secrets: the domain holds them in plain form only in memory;
storage adapters encrypt them at rest, and nothing prints them (`repr` hides them)."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from changple_domain.model._time import UtcDatetime
from changple_domain.model.choices import UserRole as UserRole


class OAuthTokens(BaseModel):
    """What a provider's token endpoint gave. `expires_at` is computed from `expires_in` on receipt."""

    model_config = ConfigDict(frozen=True)

    access_token: SecretStr
    refresh_token: SecretStr | None = None
    token_type: str = "bearer"  # noqa: S105 - a scheme name
    expires_at: UtcDatetime | None = None

    def is_stale(self, at: datetime, *, margin: timedelta = timedelta(0)) -> bool:
        """True when the access token is dead or dies within `margin` (or nobody knows when)."""
        return self.expires_at is None or self.expires_at <= at + margin

    @classmethod
    def received(
        cls,
        *,
        access_token: str,
        refresh_token: str | None,
        token_type: str | None,
        expires_in: int | str | None,
        now: datetime,
    ) -> OAuthTokens:
        """Naver sends `expires_in` as a string ("3600"); anything unreadable means "unknown"."""
        seconds: int | None
        try:
            seconds = int(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            seconds = None
        return cls(
            access_token=SecretStr(access_token),
            refresh_token=SecretStr(refresh_token) if refresh_token else None,
            token_type=(token_type or "bearer").lower(),
            expires_at=now + timedelta(seconds=seconds) if seconds is not None else None,
        )


class SocialProfile(BaseModel):
    """A provider's profile of the person signing in. Only `social_id` is guaranteed (Naver: the
    `id`, unique per application); every other field may be missing and is then empty."""

    model_config = ConfigDict(frozen=True)

    provider: str = "naver"
    social_id: str = Field(min_length=1, max_length=200)
    name: str = ""
    nickname: str = ""
    email: str = ""
    mobile: str = ""
    profile_image: str = ""
    raw: dict[str, Any] = Field(default_factory=dict)  # the profile as sent, kept as the user's information

    def user_fields(self) -> dict[str, Any]:
        """What a sign-in copies onto the user (identity fields excluded)."""
        return {
            "name": self.name,
            "nickname": self.nickname,
            "email": self.email,
            "mobile": self.mobile,
            "profile_image": self.profile_image,
            "information": dict(self.raw),
        }


def new_account_key() -> str:
    """A value no other account ever had: sessions carry it, so a session opens only its own account."""
    return secrets.token_hex(16)


def _account_key() -> Any:
    return Field(default_factory=new_account_key, min_length=32, max_length=64, repr=False)


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: int
    provider: str = "naver"
    social_id: str
    name: str = ""
    nickname: str = ""
    email: str = ""
    mobile: str = ""
    profile_image: str = ""
    information: dict[str, Any] = Field(default_factory=dict)
    role: UserRole = UserRole.SOCIAL
    tokens: OAuthTokens | None = None
    created_at: UtcDatetime
    last_login_at: UtcDatetime | None = None
    account_key: str = _account_key()  # made with the account, never changed, never shown

    @property
    def is_admin(self) -> bool:
        return self.role is UserRole.ADMIN

    def opens_session(self, account_key: object) -> bool:
        """Whether a session that names this user's id was made for this very account: an id alone
        could name someone else (a withdrawn account's id in a restored backup)."""
        return isinstance(account_key, str) and hmac.compare_digest(account_key.encode(), self.account_key.encode())

    def signed_in(self, profile: SocialProfile, tokens: OAuthTokens, *, at: datetime) -> User:
        """The user after a new sign-in: the profile's fields replace ours, the role stays."""
        return self.model_copy(update={**profile.user_fields(), "tokens": tokens, "last_login_at": at})


class NewUser(BaseModel):
    """A user to create; the repository assigns the id."""

    model_config = ConfigDict(frozen=True)

    profile: SocialProfile
    tokens: OAuthTokens | None = None
    role: UserRole = UserRole.SOCIAL
    created_at: datetime
    last_login_at: datetime | None = None  # set when the user is made by signing in
    account_key: str = _account_key()

    def with_id(self, user_id: int) -> User:
        """The user as stored, once the repository has chosen its id."""
        return User(
            id=user_id,
            provider=self.profile.provider,
            social_id=self.profile.social_id,
            **self.profile.user_fields(),
            role=self.role,
            tokens=self.tokens,
            created_at=self.created_at,
            last_login_at=self.last_login_at,
            account_key=self.account_key,
        )


class RevocationOutcome(StrEnum):
    """Where a withdrawn user's grant stands after we asked the provider to revoke it."""

    REVOKED = "revoked"  # the provider confirmed the grant is gone (or there never was one)
    PENDING = "pending"  # not confirmed: queued, and the worker keeps trying
    MANUAL = "manual"  # nothing we hold can revoke or confirm it: only the person can, at the provider


class PendingRevocation(BaseModel):
    """A withdrawn user's grant not yet confirmed revoked. `tokens` keeps the refresh token, so a
    retry can get a live access token and can confirm the revocation."""

    model_config = ConfigDict(frozen=True)

    id: int | None = None
    provider: str = "naver"
    tokens: OAuthTokens
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime
