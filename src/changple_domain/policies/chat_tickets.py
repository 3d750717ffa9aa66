"""Chat tickets: how the chat agent proves who is chatting. The frontend, holding the user's
session, asks core for a ticket naming the user and the chat session's nonce; the agent forwards it
with each message, and core binds the message to the ticket's user. A ticket lives a few minutes,
is signed with HMAC-SHA256 under a key only core holds, and can be read by nobody else: the agent
cannot make one, change one, or move one to another session.

Wire form: `<payload>.<signature>`, both unpadded base64url; the payload is compact JSON
`{"u": user_id, "n": nonce, "e": expiry as Unix seconds}`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, ValidationError

from changple_domain.errors import Forbidden
from changple_domain.model._time import UtcDatetime
from changple_domain.model.chat import check_nonce

MAX_TICKET_CHARS = 512  # a real ticket is about 100; anything longer is refused unread
REFUSED = "the chat ticket is not valid for this session (expired, altered, or for another chat): get a new one"


class ChatTicket(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: int
    nonce: str
    expires_at: UtcDatetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue_ticket(user_id: int, nonce: str, *, now: datetime, ttl: timedelta, key: bytes) -> tuple[str, ChatTicket]:
    """A signed ticket for `user_id` chatting in session `nonce`, valid for `ttl` from `now`."""
    ticket = ChatTicket(user_id=user_id, nonce=check_nonce(nonce), expires_at=now + ttl)
    body = {"u": user_id, "n": ticket.nonce, "e": int(ticket.expires_at.timestamp())}
    payload = _b64(json.dumps(body, separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_signature(payload, key)}", ticket


def open_ticket(token: str, *, nonce: str, now: datetime, key: bytes) -> ChatTicket:
    """The ticket `token` carries, if core signed it, it is for session `nonce`, and it has not
    expired; anything else is Forbidden with one sentence (which check failed is not said)."""
    payload, dot, signature = token.partition(".")
    if (
        len(token) > MAX_TICKET_CHARS
        or not token.isascii()
        or not dot
        or not hmac.compare_digest(signature, _signature(payload, key))
    ):
        raise Forbidden(REFUSED)
    try:
        body = json.loads(_unb64(payload))
        ticket = ChatTicket(user_id=body["u"], nonce=body["n"], expires_at=datetime.fromtimestamp(body["e"], UTC))
    except (ValueError, KeyError, TypeError, binascii.Error, ValidationError, OverflowError):
        raise Forbidden(REFUSED) from None
    if ticket.nonce != nonce or ticket.expires_at <= now:
        raise Forbidden(REFUSED)
    return ticket
