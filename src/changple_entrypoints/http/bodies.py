"""Request bodies the app refuses before it parses them: nested deeper than any route needs, or
not the JSON (or MessagePack) they claim to be. Each answer is a 400 that says what to send, never
a 500: msgspec raises `RecursionError` on deep nesting, which no handler expected. Too large a body
is Litestar's `request_max_body_size` (a 413; `errors.http_error_detail` words it)."""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any

from litestar import Request
from litestar.exceptions import ClientException, SerializationException

# No body of this API nests deeper than a few levels; 64 leaves room and stays far below the
# interpreter's recursion limit, which msgspec and pydantic both run into.
MAX_JSON_DEPTH = 64

# A JSON string, escapes included (the unrolled form, so long strings cost one pass).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


class BodyRefused(ClientException):
    """A 400 (by default) with its own error code, so the answer names what was wrong."""

    def __init__(self, code: str, detail: str, status_code: int = 400) -> None:
        super().__init__(detail=detail, status_code=status_code)
        self.code = code


def json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep `body` nests arrays and objects (brackets inside strings do not count), or any
    number up to `limit` when it clearly cannot exceed it. Linear in the body, in C loops."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return 0
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKET)
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return 0
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def check_json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    if json_depth(body, limit) > limit:
        raise BodyRefused(
            "body_too_deep",
            f"the JSON body nests arrays and objects more than {limit} levels deep: send a flatter body",
        )


class GuardedRequest(Request[Any, Any, Any]):
    """Litestar's Request, with a body that is too deep or does not decode answered as a 400."""

    async def json(self) -> Any:
        check_json_depth(await self.body())
        try:
            return await super().json()
        except (SerializationException, RecursionError, ValueError) as exc:
            detail = f"the body is not valid JSON ({_reason(exc)}): send a JSON object"
            raise BodyRefused("invalid_input", detail) from None

    async def msgpack(self) -> Any:
        try:
            return await super().msgpack()
        except (SerializationException, RecursionError, ValueError) as exc:
            raise BodyRefused("invalid_input", f"the body is not valid MessagePack ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deep"
    return str(exc)[:200] or type(exc).__name__
