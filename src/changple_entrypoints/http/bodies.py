"""Request bodies the app refuses before it parses them: nested deeper than any route needs, or
not the JSON (or MessagePack) they claim to be. Each answer is a 400 that says what to send, never
a 500: msgspec raises `RecursionError` on deep nesting, which no handler expected. Too large a body
is Litestar's `request_max_body_size` (a 413; `errors.http_error_detail` words it), and a multipart
form Litestar's parser refuses gets a sentence here (`multipart_detail`)."""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any, TypeVar

from litestar import Request
from litestar.exceptions import ClientException, HTTPException, SerializationException
from multipart import MultipartError, ParserLimitReached

from changple_domain.errors import InvalidInput

# No body of this API nests deeper than a few levels; 64 leaves room and stays far below the
# interpreter's recursion limit, which msgspec and pydantic both run into.
MAX_JSON_DEPTH = 64

# A JSON string, escapes included (the unrolled form, so long strings cost one pass).
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [0] * 256
_STEP[ord("[")] = _STEP[ord("{")] = 1
_STEP[ord("]")] = _STEP[ord("}")] = -1


T = TypeVar("T")


def required_body(data: T | None, what_to_send: str) -> T:
    """The parsed JSON body of a route whose body is optional in its signature (`JSONBody[X | None]`):
    a missing (or null) body is a 400 with `what_to_send` ("send a JSON object like ..."), not
    Litestar's terse one."""
    if data is None:
        raise InvalidInput(what_to_send)
    return data


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


def multipart_detail(exc: HTTPException, part_limit: int) -> str | None:
    """What to fix, for Litestar's refusals of a multipart form ("Request Entity Too Large" and
    "Invalid multipart/form-data" say neither which limit nor what to send); None for anything else.
    Litestar raises them from the `multipart` parser's error, so that error is the one to read."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, ParserLimitReached):
        return (
            f"the multipart form goes past a limit ({cause}): send at most {part_limit} parts, "
            "each with at most 8 header lines of 4 KiB"
        )
    if isinstance(cause, MultipartError) or "multipart/form-data" in exc.detail:
        reason = str(cause) if cause is not None else exc.detail
        return (
            f"the body is not valid multipart/form-data ({reason}): send parts separated by the "
            "boundary that the Content-Type names, each with a Content-Disposition header"
        )
    return None
