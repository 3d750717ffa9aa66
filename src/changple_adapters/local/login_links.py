"""The console's one-time login links in the data directory, one small file per link, so every
process of an embedded install shares them: `changple serve` (any of its worker processes) takes
a link that `changple console-link` printed from another terminal, and a restart forgets nothing.

Each file is named by the link secret's SHA-256 and holds only the expiry (the secret itself is
never written). Spending a link renames its file to a name of this attempt's own first: a rename is
atomic, so of two requests (or processes) racing for one link exactly one gets it."""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from changple_adapters.private_paths import private_directory
from changple_domain.errors import InvalidInput
from changple_domain.model.login_links import LINK_SECRET_BYTES, MAX_PENDING, check_redeemable, link_digest
from changple_domain.ports import LoginLinkStore

SUFFIX = ".link"


class FileLoginLinkStore(LoginLinkStore):
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _folder(self) -> Path:
        return private_directory(self.directory)

    def issue(self, *, now: datetime, ttl: timedelta) -> str:
        if ttl <= timedelta(0):
            raise InvalidInput("a login link must live for some time")
        folder = self._folder()
        kept = self._forget_expired(now)
        for _, oldest in sorted(kept)[: max(len(kept) - MAX_PENDING + 1, 0)]:
            oldest.unlink(missing_ok=True)  # the oldest go first while MAX_PENDING are waiting
        secret = secrets.token_urlsafe(LINK_SECRET_BYTES)
        target = folder / f"{link_digest(secret)}{SUFFIX}"
        draft = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as written:
            written.write((now + ttl).isoformat())
        os.replace(draft, target)
        return secret

    def redeem(self, secret: str, *, now: datetime) -> None:
        path = self._folder() / f"{link_digest(secret)}{SUFFIX}"
        claimed = path.with_name(f".{path.name}.spent-{secrets.token_hex(8)}")
        try:
            os.rename(path, claimed)  # only one attempt can take the file
        except FileNotFoundError:
            check_redeemable(None, now=now)
            return
        try:
            expires = _expiry(claimed)
        finally:
            claimed.unlink(missing_ok=True)
        check_redeemable(expires, now=now)

    @property
    def pending(self) -> int:
        if not self.directory.is_dir():
            return 0
        return sum(1 for _ in self.directory.glob(f"*{SUFFIX}"))

    def _forget_expired(self, now: datetime) -> list[tuple[datetime, Path]]:
        """The links still waiting, by expiry; expired and unreadable ones are removed."""
        kept: list[tuple[datetime, Path]] = []
        for path in self.directory.glob(f"*{SUFFIX}"):
            expires = _expiry(path)
            if expires is None or expires <= now:
                path.unlink(missing_ok=True)
            else:
                kept.append((expires, path))
        return kept


def _expiry(path: Path) -> datetime | None:
    with contextlib.suppress(OSError, ValueError):
        return datetime.fromisoformat(path.read_text(encoding="utf-8").strip())
    return None
