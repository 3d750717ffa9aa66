"""One-time login links for the console of an embedded install, like a notebook server's token
URL: the serving process prints a link, the person who started it opens it once.

Only a SHA-256 of each link's secret is kept (256 random bits need no slow hash), with its expiry:
a copy of the database never holds a live login. These are the rules; where the pending links live
(small files in the data directory, shared by every process of the install; process memory with
memory storage) is the LoginLinkStore port's adapter, which also keeps two racing requests from
both spending one link."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from changple_domain.errors import InvalidInput, Unauthorized

MAX_PENDING = 20  # links printed and not yet used; the oldest is forgotten first
LINK_SECRET_BYTES = 32  # random bytes in a link's secret


def link_digest(secret: str) -> str:
    """What is kept of a link: its secret's SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


class PendingLinks(BaseModel):
    """The links printed and not yet spent, by digest, with their expiry."""

    model_config = ConfigDict(frozen=True)

    expiries: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self.expiries)

    def issued(self, digest: str, *, now: datetime, ttl: timedelta) -> PendingLinks:
        """These links and one more, valid for `ttl` from `now`; expired links are forgotten, and
        the oldest ones too while there are MAX_PENDING."""
        if ttl <= timedelta(0):
            raise InvalidInput("a login link must live for some time")
        kept = {d: at for d, at in self.expiries.items() if at > now}
        while len(kept) >= MAX_PENDING:
            del kept[min(kept, key=kept.__getitem__)]
        kept[digest] = now + ttl
        return PendingLinks(expiries=kept)

    def spent(self, digest: str) -> tuple[PendingLinks, datetime | None]:
        """These links without `digest`, and its expiry (None when it was not pending)."""
        kept = dict(self.expiries)
        expires = kept.pop(digest, None)
        return PendingLinks(expiries=kept), expires


def check_redeemable(expires: datetime | None, *, now: datetime) -> None:
    """Unauthorized when the spent link was unknown, already used or expired. A link is spent
    either way: an expired link cannot be tried again later."""
    if expires is None:
        raise Unauthorized(
            "this login link is not valid: it was used already, or it was never issued here; "
            "`changple console-link` prints a new one"
        )
    if now >= expires:
        raise Unauthorized("this login link has expired: `changple console-link` prints a new one")
