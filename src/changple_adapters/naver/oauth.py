"""Naver Login (OAuth 2.0) behind the `OAuthProvider` port, through authlib's httpx client.

Each call opens and closes its own client, so one provider serves any number of event loops (every
Litestar request, every `asyncio.run` in a worker). Naver refuses a bad or reused code with HTTP 200
and an `error` body; authlib raises `OAuthError` on that body, which becomes ProviderRejected here.
No token and no client secret ever reaches an exception message."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

from changple_domain.errors import InvalidSetting, ProviderRejected, ProviderUnavailable
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.ports import Clock, OAuthProvider

# authlib >= 1.7 talks through httpx2 when it is installed and falls back to httpx: catch both.
_TRANSPORT_ERRORS: tuple[type[Exception], ...] = ()
_TIMEOUT_ERRORS: tuple[type[Exception], ...] = ()
try:
    import httpx2

    _TRANSPORT_ERRORS += (httpx2.HTTPError,)
    _TIMEOUT_ERRORS += (httpx2.TimeoutException,)
except ImportError:  # pragma: no cover - depends on what else is installed
    pass
try:
    import httpx

    _TRANSPORT_ERRORS += (httpx.HTTPError,)
    _TIMEOUT_ERRORS += (httpx.TimeoutException,)
except ImportError:  # pragma: no cover - a declared dependency of the naver extra
    pass

_OPTIONAL_FIELDS = ("name", "nickname", "email", "mobile", "profile_image")
_MAX_SOCIAL_ID = 200


def _retryable(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _error_code(response: Any) -> str:
    """The `error` (token/revoke endpoints) or `resultcode` (profile) of a JSON body, if any."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return str(body.get("error") or body.get("resultcode") or "")


class NaverOAuthProvider(OAuthProvider):
    """Sign-in with Naver: authorize URL, code exchange, profile, and revocation on withdrawal."""

    name = "naver"

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        authorize_url: str = "https://nid.naver.com/oauth2.0/authorize",
        token_url: str = "https://nid.naver.com/oauth2.0/token",  # noqa: S107 - a URL
        profile_url: str = "https://openapi.naver.com/v1/nid/me",
        revoke_url: str = "https://nid.naver.com/oauth2.0/revoke",
        timeout_seconds: float = 10.0,
        clock: Clock | None = None,
    ) -> None:
        for setting, value in (("client_id", client_id), ("client_secret", client_secret)):
            if not value:
                raise InvalidSetting(f"Naver login needs a {setting}")
        if not redirect_uri:
            raise InvalidSetting("Naver login needs a redirect_uri")
        if not timeout_seconds > 0:
            raise InvalidSetting(f"timeout_seconds must be positive, not {timeout_seconds}")
        self._client_id = client_id
        self._client_secret = client_secret
        self._redirect_uri = redirect_uri
        self._authorize_url = authorize_url
        self._token_url = token_url
        self._profile_url = profile_url
        self._revoke_url = revoke_url
        self._timeout_seconds = timeout_seconds
        self._clock = clock

    def __repr__(self) -> str:
        return f"NaverOAuthProvider(client_id={self._client_id!r}, redirect_uri={self._redirect_uri!r})"

    # --- the port -----------------------------------------------------------------------------

    def authorize_url(self, *, state: str) -> str:
        # What AsyncOAuth2Client.create_authorization_url builds, without opening a client for it.
        url: str = prepare_grant_uri(
            self._authorize_url,
            client_id=self._client_id,
            response_type="code",
            redirect_uri=self._redirect_uri,
            state=state,
        )
        return url

    async def exchange_code(self, *, code: str, state: str) -> OAuthTokens:
        if not code or not state:
            raise ProviderRejected("Naver sign-in callback came without a code or a state")
        with self._translate("token exchange"):
            async with self._client() as client:
                client.register_compliance_hook("access_token_response", self._check_token_status)
                # fetch_token's own `state` argument only checks a callback URL; Naver wants it posted.
                token = await client.fetch_token(
                    self._token_url,
                    grant_type="authorization_code",
                    code=code,
                    body=urlencode({"state": state}),
                )
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderRejected("Naver token endpoint answered without an access token")
        refresh_token = token.get("refresh_token")
        return OAuthTokens.received(
            access_token=access_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) else None,
            token_type=token.get("token_type"),
            expires_in=token.get("expires_in"),
            now=self._now(),
        )

    async def fetch_profile(self, tokens: OAuthTokens) -> SocialProfile:
        # No expires_at in the token given to authlib: it must not try a refresh of its own.
        bearer = {"access_token": tokens.access_token.get_secret_value(), "token_type": "bearer"}
        with self._translate("profile request", tokens):
            async with self._client(token=bearer) as client:
                response = await client.get(self._profile_url)
        status = response.status_code
        if _retryable(status):
            raise ProviderUnavailable(f"Naver profile endpoint answered HTTP {status}")
        if status != 200:
            raise ProviderRejected(f"Naver refused the profile request: HTTP {status} {_error_code(response)}".rstrip())
        try:
            body = response.json()
        except ValueError as exc:
            raise ProviderUnavailable("Naver profile endpoint answered something that is not JSON") from exc
        if not isinstance(body, dict) or body.get("resultcode") != "00":
            code = body.get("resultcode") if isinstance(body, dict) else None
            raise ProviderRejected(f"Naver refused the profile request: resultcode {code!r}")
        raw = body.get("response")
        if not isinstance(raw, dict):
            raise ProviderRejected("Naver profile answer has no `response` object")
        social_id = raw.get("id")
        if social_id is None or not 1 <= len(str(social_id)) <= _MAX_SOCIAL_ID:
            raise ProviderRejected("Naver profile answer has no usable `id`")
        fields = {name: "" if raw.get(name) is None else str(raw[name]) for name in _OPTIONAL_FIELDS}
        return SocialProfile(provider=self.name, social_id=str(social_id), raw=dict(raw), **fields)

    async def revoke(self, tokens: OAuthTokens) -> None:
        with self._translate("revocation", tokens):
            async with self._client() as client:
                response = await client.revoke_token(
                    self._revoke_url,
                    token=tokens.access_token.get_secret_value(),
                    token_type_hint="access_token",  # noqa: S106 - a hint name
                )
        status = response.status_code
        if 200 <= status < 300:
            return  # Naver may send no body at all: the status is the answer
        if _retryable(status):
            raise ProviderUnavailable(f"Naver revocation endpoint answered HTTP {status}")
        error = _error_code(response)
        if status in (400, 401) and error == "invalid_token":
            return  # RFC 7009: a token that is already invalid counts as revoked
        raise ProviderRejected(f"Naver refused the revocation: HTTP {status} {error}".rstrip())

    # --- plumbing -----------------------------------------------------------------------------

    def _now(self) -> datetime:
        return self._clock.now() if self._clock is not None else datetime.now(UTC)

    def _client(self, token: dict[str, str] | None = None) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self._client_id,
            client_secret=self._client_secret,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method name
            revocation_endpoint_auth_method="client_secret_post",
            token=token,
            timeout=self._timeout_seconds,
        )

    @staticmethod
    def _check_token_status(response: Any) -> Any:
        """authlib reads any JSON object without `error` as a token, whatever the status: judge it first."""
        status = response.status_code
        if _retryable(status):
            raise ProviderUnavailable(f"Naver token endpoint answered HTTP {status}")
        if status >= 400:
            raise ProviderRejected(f"Naver refused the token request: HTTP {status} {_error_code(response)}".rstrip())
        return response

    def _scrub(self, text: str, tokens: OAuthTokens | None) -> str:
        secrets = [self._client_secret]
        if tokens is not None:
            secrets.append(tokens.access_token.get_secret_value())
            if tokens.refresh_token is not None:
                secrets.append(tokens.refresh_token.get_secret_value())
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    @contextmanager
    def _translate(self, action: str, tokens: OAuthTokens | None = None) -> Iterator[None]:
        try:
            yield
        except AuthlibBaseError as exc:
            # A 200 with {"error", "error_description"} (bad, reused or foreign code; wrong secret).
            detail = f"Naver refused the {action}: {exc.error}: {exc.description or ''}".rstrip(": ")
            raise ProviderRejected(self._scrub(detail, tokens)) from exc
        except _TIMEOUT_ERRORS as exc:
            detail = f"Naver {action} timed out after {self._timeout_seconds:g} s ({type(exc).__name__})"
            raise ProviderUnavailable(detail) from exc
        except _TRANSPORT_ERRORS as exc:
            detail = f"Naver {action} failed: {type(exc).__name__}: {exc}"
            raise ProviderUnavailable(self._scrub(detail, tokens)) from exc
        except ValueError as exc:  # authlib: the token endpoint answered something that is not a JSON object
            detail = f"Naver {action} answered something unreadable: {type(exc).__name__}"
            raise ProviderUnavailable(detail) from exc
