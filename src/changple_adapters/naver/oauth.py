"""Naver Login (OAuth 2.0) behind the `OAuthProvider` port, through authlib's httpx client.

Each call opens and closes its own client, so one provider serves any number of event loops (every
Litestar request, every `asyncio.run` in a worker). Naver refuses a bad or reused code with HTTP 200
and an `error` body; authlib raises `OAuthError` on that body, which becomes ProviderRejected here.
No token and no client secret ever reaches an exception message.

Refusals that withdrawal tells apart (see changple_domain.use_cases.revocations):
- refresh: `invalid_request` or `invalid_grant` is GrantGone. Our refresh request is always well formed
  (grant_type, client id and secret, a non-empty refresh token), so Naver's generic "bad parameter"
  code can only be about the refresh token; `invalid_client`/`unauthorized_client` (our app) and
  anything unknown stay ProviderRejected; `server_error` is ProviderUnavailable.
- revoke: a 2xx without an `error` body is accepted (Naver: "success", even for a dead token);
  `invalid_token`, with any status, is TokenRefused; any other `error`, also in a 200, is ProviderRejected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri

from changple_domain.errors import GrantGone, InvalidSetting, ProviderRejected, ProviderUnavailable, TokenRefused
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
_REFRESH_TOKEN_REFUSED = ("invalid_request", "invalid_grant")
_SERVER_ERRORS = ("server_error", "temporarily_unavailable")


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


def _judged_status(response: Any, refused: Callable[[str, str], Exception]) -> Any:
    """A token endpoint's answer, judged by its HTTP status before authlib reads the body: 408, 429
    and 5xx are ProviderUnavailable; another error status raises `refused(error code, "HTTP 401
    invalid_client")` (the code may be empty); anything else passes."""
    status = response.status_code
    if _retryable(status):
        raise ProviderUnavailable(f"Naver token endpoint answered HTTP {status}")
    if status >= 400:
        error = _error_code(response)
        raise refused(error, f"HTTP {status} {error}".rstrip())
    return response


def _refresh_refusal(error: str, detail: str) -> ProviderRejected | ProviderUnavailable:
    """What a refused refresh means (module docstring): the grant gone, Naver's trouble, or ours."""
    if error in _REFRESH_TOKEN_REFUSED:
        return GrantGone(detail)
    if error in _SERVER_ERRORS:
        return ProviderUnavailable(detail)
    return ProviderRejected(detail)


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

    async def refresh(self, tokens: OAuthTokens) -> OAuthTokens:
        if tokens.refresh_token is None or not tokens.refresh_token.get_secret_value():
            raise ProviderRejected("a Naver refresh needs a refresh token")
        refresh_token = tokens.refresh_token.get_secret_value()
        # The client holds the token so authlib can keep the refresh token when Naver sends none back.
        held = {"access_token": tokens.access_token.get_secret_value(), "refresh_token": refresh_token}
        with self._translate("token refresh", tokens):
            async with self._client(token=held) as client:
                client.register_compliance_hook("refresh_token_response", self._check_refresh_status)
                try:
                    token = await client.refresh_token(self._token_url, refresh_token=refresh_token)
                except AuthlibBaseError as exc:  # Naver's HTTP 200 with an `error` body
                    detail = f"Naver refused the token refresh: {exc.error}: {exc.description or ''}".rstrip(": ")
                    raise _refresh_refusal(exc.error or "", self._scrub(detail, tokens)) from exc
        access_token = token.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ProviderRejected("Naver token endpoint answered the refresh without an access token")
        return OAuthTokens.received(
            access_token=access_token,
            refresh_token=refresh_token,  # Naver keeps the refresh token: none comes back
            token_type=token.get("token_type"),
            expires_in=token.get("expires_in"),
            now=self._now(),
        )

    async def revoke(self, tokens: OAuthTokens) -> None:
        with self._translate("revocation", tokens):
            async with self._client() as client:
                response = await client.revoke_token(
                    self._revoke_url,
                    token=tokens.access_token.get_secret_value(),
                    token_type_hint="access_token",  # noqa: S106 - a hint name
                )
        status = response.status_code
        if _retryable(status):
            raise ProviderUnavailable(f"Naver revocation endpoint answered HTTP {status}")
        error = _error_code(response)
        if 200 <= status < 300 and not error:
            return  # accepted (an empty body or {"result": "success"}); it does not prove the grant gone
        detail = f"Naver refused the revocation: HTTP {status} {error}".rstrip()
        if error == "invalid_token":
            raise TokenRefused(detail)
        if error in _SERVER_ERRORS:
            raise ProviderUnavailable(detail)
        raise ProviderRejected(detail)

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
    def _check_refresh_status(response: Any) -> Any:
        """A refresh refused with an HTTP error status is judged by its `error` like a 200 one."""
        return _judged_status(
            response,
            lambda error, answer: _refresh_refusal(error, f"Naver refused the token refresh: {answer}"),
        )

    @staticmethod
    def _check_token_status(response: Any) -> Any:
        """authlib reads any JSON object without `error` as a token, whatever the status: judge it first."""
        return _judged_status(
            response, lambda _error, answer: ProviderRejected(f"Naver refused the token request: {answer}")
        )

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
