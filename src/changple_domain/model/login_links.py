"""One-time login links for the console of an embedded install, like a notebook server's token
URL: the serving process prints a link, the person who started it opens it once.

Only a SHA-256 of each link's secret is kept (256 random bits need no slow hash), with its expiry,
in the memory of the process that printed it: a copy of the database never holds a live login,
and a restart forgets every link it printed. A link opens once, even when two requests race."""

from __future__ import annotations

import hashlib
import secrets
import threading
from datetime import datetime, timedelta

from changple_domain.errors import InvalidInput, Unauthorized

MAX_PENDING = 20  # links printed and not yet used; the oldest is forgotten first


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class LoginLinks:
    """The pending links of one process. Safe to share between threads."""

    def __init__(self) -> None:
        self._pending: dict[str, datetime] = {}  # digest -> expiry
        self._lock = threading.Lock()

    def issue(self, *, now: datetime, ttl: timedelta) -> str:
        """A new link secret, valid for `ttl` from `now`; it is shown once and never stored."""
        if ttl <= timedelta(0):
            raise InvalidInput("a login link must live for some time")
        secret = secrets.token_urlsafe(32)
        with self._lock:
            self._pending = {d: at for d, at in self._pending.items() if at > now}
            while len(self._pending) >= MAX_PENDING:
                del self._pending[min(self._pending, key=self._pending.__getitem__)]
            self._pending[_digest(secret)] = now + ttl
        return secret

    def redeem(self, secret: str, *, now: datetime) -> None:
        """Spend the link; Unauthorized when it is unknown, already used or expired. Spent either
        way: an expired link cannot be tried again later."""
        with self._lock:
            expires = self._pending.pop(_digest(secret), None)
        if expires is None:
            raise Unauthorized(
                "this login link is not valid: it was used already, or it belongs to an earlier start of "
                "the server; restart `changple serve` (or `changple demo --serve`) for a new one"
            )
        if now >= expires:
            raise Unauthorized("this login link has expired: restart the server for a new one")

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)
