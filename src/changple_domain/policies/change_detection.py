"""Change detection by content hash: an unchanged post must cost nothing downstream."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# Bump when normalization changes on purpose. Stored hashes keep their version until a post is
# scraped again (or `pipeline reindex --all --summaries` is run), so the change is never silent.
HASH_VERSION = "v1"

_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def normalize_text(text: str) -> str:
    """Unicode NFC, no zero-width characters, single spaces, trimmed lines, at most one blank line.

    Korean text scraped twice can differ in composition (NFD vs NFC) and in invisible spacing;
    neither is a real edit, so neither may change the hash.
    """
    # Invisible characters go before NFC, or they would keep jamo apart until a second pass.
    text = _ZERO_WIDTH.sub("", text).replace("\xa0", " ")
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _HORIZONTAL_SPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def content_hash(title: str, content: str) -> str:
    """Stable SHA-256 of the normalized title and content, prefixed with the hash version."""
    payload = f"{HASH_VERSION}\x1f{normalize_text(title)}\x1f{normalize_text(content)}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def has_changed(recorded_hash: str | None, title: str, content: str) -> bool:
    """True when the content differs from what `recorded_hash` was computed from."""
    return recorded_hash != content_hash(title, content)
