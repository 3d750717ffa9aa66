"""Users, service tokens, Naver grants to revoke, Naver Login itself, and the console's login links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from changple_domain.model.access import ServiceToken
from changple_domain.model.users import NewUser, OAuthTokens, PendingRevocation, SocialProfile, User


@runtime_checkable
class UserRepository(Protocol):
    def add(self, new: NewUser) -> User:
        """Create the user and return it with its id; AlreadyExists when the social id is taken."""
        ...

    def save(self, user: User) -> None:
        """Replace a stored user (NotFound when it is gone)."""
        ...

    def get(self, user_id: int) -> User | None: ...
    def get_by_social_id(self, provider: str, social_id: str) -> User | None: ...
    def get_many_by_social_id(self, provider: str, social_ids: Iterable[str]) -> dict[str, User]:
        """Those of these people who have an account, by social id, in one round trip per chunk."""
        ...

    def add_many(self, news: Sequence[NewUser]) -> list[User]:
        """`add` for many people at once (a bulk import's path), returned with their ids in order:
        AlreadyExists when a social id is taken (or given twice), and then nothing is stored."""
        ...

    def list(self, *, limit: int = 100, offset: int = 0) -> list[User]: ...
    def delete(self, user_id: int) -> bool:
        """Remove the user; True when there was one. Their chat sessions and views go with them."""
        ...


@runtime_checkable
class ServiceTokenRepository(Protocol):
    def add(self, token: ServiceToken) -> None:
        """AlreadyExists when the id, or the name among active tokens, is taken."""
        ...

    def save(self, token: ServiceToken) -> None: ...
    def get(self, token_id: str) -> ServiceToken | None: ...
    def get_by_name(self, name: str) -> ServiceToken | None:
        """The active token with this name, if any."""
        ...

    def list(self, *, include_revoked: bool = False) -> list[ServiceToken]: ...


@runtime_checkable
class RevocationRepository(Protocol):
    """Provider tokens to revoke later, kept only while the provider has not confirmed it."""

    def add(self, pending: PendingRevocation) -> PendingRevocation: ...
    def save(self, pending: PendingRevocation) -> None: ...
    def remove(self, pending_id: int) -> None: ...
    def list(self, *, limit: int = 100) -> list[PendingRevocation]: ...


@runtime_checkable
class OAuthProvider(Protocol):
    """A social login provider (Naver). Network calls are async because they run inside HTTP
    requests. Errors: ProviderRejected for a refused code or token (do not retry),
    ProviderUnavailable when the provider is down or slow (retry later)."""

    name: str

    def authorize_url(self, *, state: str) -> str:
        """Where to send the visitor's browser to sign in; `state` comes back on the callback."""
        ...

    async def exchange_code(self, *, code: str, state: str) -> OAuthTokens: ...
    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile: ...
    async def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        """A new live access token from the refresh token; the refresh token stays (Naver sends no
        new one). GrantGone when the provider refuses the refresh token: the grant is gone."""
        ...

    async def revoke(self, tokens: OAuthTokens) -> None:
        """Ask the provider to delete the grant behind this access token. Returning means it accepted,
        not that the grant is gone: Naver accepts a dead access token and deletes nothing. TokenRefused
        when the provider calls the access token invalid; ProviderRejected for any other refusal."""
        ...


@runtime_checkable
class LoginLinkStore(Protocol):
    """The console's pending one-time login links (model/login_links.py has the rules). Safe to
    share between threads: of two requests racing to spend one link, one wins."""

    def issue(self, *, now: datetime, ttl: timedelta) -> str:
        """A new link secret, valid for `ttl` from `now` (InvalidInput when `ttl` is not positive);
        unguessable, shown once and never stored."""
        ...

    def redeem(self, secret: str, *, now: datetime) -> None:
        """Spend the link; Unauthorized when it is unknown, already used or expired."""
        ...

    @property
    def pending(self) -> int:
        """How many links are printed and not yet spent."""
        ...
