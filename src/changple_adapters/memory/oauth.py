"""An in-memory social login provider for tests of the account use cases and the HTTP flow's
edges: codes map to profiles, and `down` makes every call fail as an unreachable provider would."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from changple_domain.errors import ProviderRejected, ProviderUnavailable
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.ports import OAuthProvider


class MemoryOAuthProvider(OAuthProvider):
    name = "naver"

    def __init__(self, authorize_base: str = "https://nid.example/authorize") -> None:
        self.authorize_base = authorize_base
        self.down = False
        self._codes: dict[str, tuple[str, SocialProfile]] = {}  # code -> (state, profile)
        self._profiles: dict[str, SocialProfile] = {}  # live access token -> profile
        self.revoked: list[str] = []

    def authorize_url(self, *, state: str) -> str:
        return f"{self.authorize_base}?response_type=code&state={state}"

    def grant(self, profile: SocialProfile, *, state: str) -> str:
        """What the provider does when the person consents: a single-use code for this state."""
        code = secrets.token_urlsafe(8)
        self._codes[code] = (state, profile)
        return code

    def _reachable(self) -> None:
        if self.down:
            raise ProviderUnavailable("naver is not answering")

    async def exchange_code(self, *, code: str, state: str) -> OAuthTokens:
        self._reachable()
        issued = self._codes.pop(code, None)
        if issued is None or issued[0] != state:
            raise ProviderRejected("naver refused the code: unknown, used, or for another state")
        access = secrets.token_urlsafe(16)
        self._profiles[access] = issued[1]
        return OAuthTokens(
            access_token=SecretStr(access), refresh_token=SecretStr(secrets.token_urlsafe(16)), expires_at=_soon()
        )

    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile:
        self._reachable()
        profile = self._profiles.get(tokens.access_token.get_secret_value())
        if profile is None:
            raise ProviderRejected("naver refused the access token")
        return profile

    async def revoke(self, tokens: OAuthTokens) -> None:
        self._reachable()
        access = tokens.access_token.get_secret_value()
        if self._profiles.pop(access, None) is None:
            raise ProviderRejected("naver does not know this token")
        self.revoked.append(access)


def _soon() -> datetime:
    """An hour from now, as Naver's `expires_in: "3600"` says."""
    return datetime.now(UTC) + timedelta(hours=1)
