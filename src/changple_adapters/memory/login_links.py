"""The console's login links in the memory of the process that printed them: a restart forgets
every link. A lock makes spending a link atomic, so a link opens once even when two requests race."""

from __future__ import annotations

import secrets
import threading
from datetime import datetime, timedelta

from changple_domain.model.login_links import LINK_SECRET_BYTES, PendingLinks, check_redeemable, link_digest
from changple_domain.ports import LoginLinkStore


class MemoryLoginLinkStore(LoginLinkStore):
    """The pending links of one process. Safe to share between threads."""

    def __init__(self) -> None:
        self._links = PendingLinks()
        self._lock = threading.Lock()

    def issue(self, *, now: datetime, ttl: timedelta) -> str:
        secret = secrets.token_urlsafe(LINK_SECRET_BYTES)  # cryptographic: the link is a login
        with self._lock:
            self._links = self._links.issued(link_digest(secret), now=now, ttl=ttl)
        return secret

    def redeem(self, secret: str, *, now: datetime) -> None:
        with self._lock:
            self._links, expires = self._links.spent(link_digest(secret))
        check_redeemable(expires, now=now)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._links)
