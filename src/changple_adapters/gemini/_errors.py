"""Translation of google-genai and HTTP-client failures into domain errors, with the API key scrubbed
from every message. google-genai 3.x talks through httpx2 by default and through httpx when asked
(GOOGLE_GENAI_HTTP_CLIENT=httpx), so transport errors of both are caught."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import pydantic
from google.genai import errors as genai_errors

from changple_domain.errors import ProviderRejected, ProviderUnavailable

_TRANSPORT_ERRORS: tuple[type[Exception], ...] = ()
_TIMEOUT_ERRORS: tuple[type[Exception], ...] = ()
try:
    import httpx2

    _TRANSPORT_ERRORS += (httpx2.HTTPError,)
    _TIMEOUT_ERRORS += (httpx2.TimeoutException,)
except ImportError:  # pragma: no cover - depends on the SDK's own dependencies
    pass
try:
    import httpx

    _TRANSPORT_ERRORS += (httpx.HTTPError,)
    _TIMEOUT_ERRORS += (httpx.TimeoutException,)
except ImportError:  # pragma: no cover
    pass

# 408 is a server-side timeout: worth retrying like 429 and 5xx.
_RETRYABLE_CODES = frozenset({408, 429})


class ErrorTranslator:
    """`with translator("batch create"): ...` re-raises provider failures as domain errors."""

    def __init__(self, *, secret: str, timeout_seconds: float) -> None:
        self._secret = secret
        self._timeout_seconds = timeout_seconds

    def scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @contextmanager
    def __call__(self, action: str) -> Iterator[None]:
        try:
            yield
        except genai_errors.APIError as exc:
            detail = self.scrub(f"Gemini {action} failed: HTTP {exc.code} {exc.status or ''}: {exc.message or ''}")
            if exc.code in _RETRYABLE_CODES or exc.code >= 500:
                raise ProviderUnavailable(detail) from exc
            raise ProviderRejected(detail) from exc
        except _TIMEOUT_ERRORS as exc:
            detail = f"Gemini {action} timed out after {self._timeout_seconds:g} s ({type(exc).__name__})"
            raise ProviderUnavailable(detail) from exc
        except _TRANSPORT_ERRORS as exc:
            raise ProviderUnavailable(self.scrub(f"Gemini {action} failed: {type(exc).__name__}: {exc}")) from exc
        except (pydantic.ValidationError, json.JSONDecodeError) as exc:
            raise ProviderUnavailable(self.scrub(f"Gemini {action} answered something unreadable: {exc}")) from exc
        except ValueError as exc:
            # The SDK refuses some inputs locally (bad names, bad sources) with ValueError.
            raise ProviderRejected(self.scrub(f"Gemini {action} refused locally: {exc}")) from exc
