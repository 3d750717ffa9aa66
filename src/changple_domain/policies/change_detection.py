"""Change detection by content hash: an unchanged post must cost nothing downstream."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

# Bump when normalization changes on purpose. Stored hashes keep their version until a post is
# scraped again (or `pipeline reindex --all --summaries` is run), so the change is never silent.
HASH_VERSION = "v1"

_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def normalize_text(text: str) -> str:
    """Unicode NFC, no zero-width characters, single spaces, trimmed lines, at most one blank line.

    Korean text scraped twice can differ in composition (NFD vs NFC) and in invisible spacing;
    neither is a real edit, so neither may change the hash.
    """
    # Every post is normalized on each write and many reads, so each step is skipped (a C scan)
    # when it has nothing to do. Invisible characters go before NFC, or they would keep jamo apart.
    text = without_zero_width(text).replace("\xa0", " ")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # str.split() folds runs of Unicode white space (the same set as the regex \s) and trims the line.
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    if "\n\n\n" in text:
        text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def without_zero_width(text: str) -> str:
    """The text without zero-width spaces, joiners and byte-order marks (a C scan when it has none)."""
    if any(char in text for char in _ZERO_WIDTH_CHARS):
        return _ZERO_WIDTH.sub("", text)
    return text


def content_hash(title: str, content: str) -> str:
    """Stable SHA-256 of the normalized title and content, prefixed with the hash version."""
    payload = f"{HASH_VERSION}\x1f{normalize_text(title)}\x1f{normalize_text(content)}"
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()  # the same bytes for any valid text


def has_changed(recorded_hash: str | None, title: str, content: str) -> bool:
    """True when the content differs from what `recorded_hash` was computed from."""
    return recorded_hash != content_hash(title, content)


# What planning reads of one post, in this order: article id, content hash, summary hash, indexed
# hash, author, board, publication time (UTC, ISO), summary attempts and error, embedding attempts
# and error, the status kind ("" for none). Every store digests the same fields the same way.
PlanningFacts = tuple[int, str, str | None, str | None, str, str, str, int, str | None, int, str | None, str]


def planning_digest(rows: Iterable[PlanningFacts]) -> str:
    """SHA-256 over every post's planning facts, in article-id order (the caller's order)."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(
            "\x1f".join("" if value is None else str(value) for value in row).encode("utf-8", "surrogatepass")
        )
        digest.update(b"\x1e")
    return digest.hexdigest()
