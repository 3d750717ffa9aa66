"""Every request gets an id, and the id follows the work it starts. The id comes from the proxy's
`X-Request-ID` when that is a plain token, else it is made here; it is returned on the response,
put on every log record written while the request is handled (`logs.py`), and carried in the
Dramatiq messages the request enqueues, so the actor's log lines carry it too (`worker/broker.py`).
The HTTP side is `http/request_id_middleware.py`.

It lives in a context variable: each request (an asyncio task) and each worker thread sees its own."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

REQUEST_ID_HEADER = "x-request-id"
# What a proxy may hand us: letters, digits and - _ . : up to 128 (a UUID, a trace id). Anything
# else is replaced, so a header can never put arbitrary text into the logs.
_ACCEPTED = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current_request_id: ContextVar[str | None] = ContextVar("changple_request_id", default=None)


def new_request_id() -> str:
    return secrets.token_hex(8)


def accepted_request_id(given: str | None) -> str:
    """The proxy's id when it is a plain token, else a new one."""
    if given is not None and _ACCEPTED.fullmatch(given):
        return given
    return new_request_id()
