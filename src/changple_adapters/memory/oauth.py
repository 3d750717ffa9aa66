"""An in-memory social login provider that behaves as Naver does where withdrawal depends on it:
codes map to profiles, access tokens die an hour after issue (by the given clock), a refresh gives a
new access token under the same refresh token, and a deletion removes the grant only when its access
token is alive; a dead or unknown token is accepted and nothing is deleted (Naver's documented
quirk). The contract suite runs the same assertions on this fake and on the Naver adapter.

Knobs: `down` (every call unavailable), `revoke_refusals` (error codes refused to the next
deletions: `invalid_token` is a TokenRefused, others a ProviderRejected), `disconnect(tokens)`
(the person removes the app at Naver), `expire_access_tokens()` (Naver ends them early, whatever
`expires_at` says); `grant_revoked(tokens)` and `revoked` say what really happened."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from changple_domain.errors import GrantGone, ProviderRejected, ProviderUnavailable, TokenRefused
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.ports import Clock, OAuthProvider

ACCESS_LIFETIME = timedelta(hours=1)  # Naver's `expires_in: "3600"`


@dataclass
class _Grant:
    profile: SocialProfile
    access: dict[str, datetime] = field(default_factory=dict)  # access token -> when it dies
    revoked: bool = False


class _SystemClock(Clock):
    def now(self) -> datetime:
        return datetime.now(UTC)


class MemoryOAuthProvider(OAuthProvider):
    name = "naver"

    def __init__(self, authorize_base: str = "https://nid.example/authorize", *, clock: Clock | None = None) -> None:
        self.authorize_base = authorize_base
        self.clock = clock or _SystemClock()
        self.down = False
        self.revoke_refusals: list[str] = []
        self.revoked: list[str] = []  # access tokens whose deletion removed a grant, in order
        self._codes: dict[str, tuple[str, SocialProfile]] = {}  # code -> (state, profile)
        self._by_refresh: dict[str, _Grant] = {}
        self._by_access: dict[str, _Grant] = {}

    def authorize_url(self, *, state: str) -> str:
        return f"{self.authorize_base}?response_type=code&state={state}"

    # --- test helpers -------------------------------------------------------------------------

    def grant(self, profile: SocialProfile, *, state: str) -> str:
        """What the provider does when the person consents: a single-use code for this state."""
        code = secrets.token_urlsafe(8)
        self._codes[code] = (state, profile)
        return code

    def grant_revoked(self, tokens: OAuthTokens) -> bool:
        """Whether the grant behind these tokens is really gone."""
        return self._grant_of(tokens).revoked

    def disconnect(self, tokens: OAuthTokens) -> None:
        """The person removes the app in Naver's settings."""
        self._grant_of(tokens).revoked = True

    def expire_access_tokens(self) -> None:
        """Naver ends every access token now, whatever their `expires_at` says."""
        now = self.clock.now()
        for grant in self._by_refresh.values():
            grant.access = {token: min(dies, now) for token, dies in grant.access.items()}

    def _grant_of(self, tokens: OAuthTokens) -> _Grant:
        refresh = tokens.refresh_token.get_secret_value() if tokens.refresh_token else ""
        grant = self._by_refresh.get(refresh) or self._by_access.get(tokens.access_token.get_secret_value())
        if grant is None:
            raise KeyError("no grant behind these tokens")
        return grant

    # --- the port -----------------------------------------------------------------------------

    def _reachable(self) -> None:
        if self.down:
            raise ProviderUnavailable("naver is not answering")

    def _issue(self, grant: _Grant, refresh: str) -> OAuthTokens:
        access = secrets.token_urlsafe(16)
        expires_at = self.clock.now() + ACCESS_LIFETIME
        grant.access[access] = expires_at
        self._by_access[access] = grant
        return OAuthTokens(access_token=SecretStr(access), refresh_token=SecretStr(refresh), expires_at=expires_at)

    def _live(self, access: str) -> _Grant | None:
        grant = self._by_access.get(access)
        if grant is None or grant.revoked or grant.access[access] <= self.clock.now():
            return None
        return grant

    async def exchange_code(self, *, code: str, state: str) -> OAuthTokens:
        self._reachable()
        issued = self._codes.pop(code, None)
        if issued is None or issued[0] != state:
            raise ProviderRejected("naver refused the code: unknown, used, or for another state")
        refresh = secrets.token_urlsafe(16)
        grant = self._by_refresh[refresh] = _Grant(profile=issued[1])
        return self._issue(grant, refresh)

    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile:
        self._reachable()
        grant = self._live(tokens.access_token.get_secret_value())
        if grant is None:
            raise ProviderRejected("naver refused the access token")
        return grant.profile

    async def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        self._reachable()
        if tokens.refresh_token is None:
            raise ProviderRejected("naver refresh needs a refresh token")
        refresh = tokens.refresh_token.get_secret_value()
        grant = self._by_refresh.get(refresh)
        if grant is None or grant.revoked:
            raise GrantGone("naver refused the refresh token: invalid_request: invalid refresh token")
        return self._issue(grant, refresh)

    async def revoke(self, tokens: OAuthTokens) -> None:
        self._reachable()
        if self.revoke_refusals:
            error = self.revoke_refusals.pop(0)
            refused = TokenRefused if error == "invalid_token" else ProviderRejected
            raise refused(f"naver refused the revocation: {error}")
        access = tokens.access_token.get_secret_value()
        grant = self._live(access)
        if grant is not None:  # a dead or unknown token is accepted and deletes nothing, as at Naver
            grant.revoked = True
            self.revoked.append(access)
