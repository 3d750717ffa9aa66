"""Domain errors. Adapters translate library errors into these; entrypoints map them to
HTTP statuses and CLI exit codes in one table each."""

from __future__ import annotations


class ChangpleError(Exception):
    """Base of every error the domain raises on purpose. `code` is stable and machine-readable."""

    code: str = "changple_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ChangpleError):
    code = "not_found"


class AlreadyExists(ChangpleError):
    code = "already_exists"


class InvalidInput(ChangpleError):
    """The caller sent something that cannot be used; the detail says what to fix."""

    code = "invalid_input"


class InvalidSetting(InvalidInput):
    """A configuration value is out of range; the detail names the setting."""

    code = "invalid_setting"


class IllegalTransition(ChangpleError):
    """A state machine was asked to move along an edge it does not have."""

    code = "illegal_transition"


class ConcurrentUpdate(ChangpleError):
    """Someone else changed the record since it was read; reload and try again."""

    code = "concurrent_update"


class Busy(ConcurrentUpdate):
    """The work is already being done by someone else (another scan of the cafe); try again later."""

    code = "busy"


class ProviderUnavailable(ChangpleError):
    """An outside service did not answer or answered 429/5xx; worth retrying later."""

    code = "provider_unavailable"


class ProviderRejected(ChangpleError):
    """An outside service refused the request for good (4xx other than 429)."""

    code = "provider_rejected"


class TokenRefused(ProviderRejected):
    """The provider refused the token itself as invalid or expired (not our request or our client)."""

    code = "token_refused"


class GrantGone(TokenRefused):
    """The provider no longer refreshes this grant's refresh token: the grant is gone, and nobody can
    use it any more. Naver's login guide names this as the way to confirm a disconnection."""

    code = "grant_gone"


class LoginRequired(ChangpleError):
    """The Naver session is missing or expired; an operator must renew it."""

    code = "login_required"


class Unauthorized(ChangpleError):
    code = "unauthorized"


class Forbidden(ChangpleError):
    code = "forbidden"


class UnsafeUpload(InvalidInput):
    """An upload was refused for what it holds (zip slip, a link, a bomb, not a zip at all...).
    `reason` is a stable word; the code carries it, e.g. `upload_path_traversal`."""

    code = "unsafe_upload"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.code = f"upload_{reason}"
