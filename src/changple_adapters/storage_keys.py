"""The rules every `FileStorage` keeps for its keys, shared by the local adapter and the in-memory
fake, so a test that passes on the fake does not fail on disk: safe relative paths only, folders
named with a trailing '/', and data read in bounded chunks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from changple_domain.errors import InvalidInput

CHUNK_BYTES = 1024 * 1024
MAX_KEY_CHARS = 512
TEMP_PREFIX = ".tmp-"  # writes in progress; list() skips them and keys may not use the name
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_RULES = (
    f"keys are relative '/'-separated paths of at most {MAX_KEY_CHARS} characters whose parts use only "
    f"A-Z a-z 0-9 . _ - (no empty part, no leading '/', not '.' or '..', not starting with {TEMP_PREFIX!r})"
)


def check_key(key: str, *, what: str = "key") -> str:
    """`key` if it is a safe relative path, else InvalidInput saying why and what is allowed."""
    if not isinstance(key, str) or not key:
        raise InvalidInput(f"storage {what} {key!r} is empty: {_RULES}")
    if len(key) > MAX_KEY_CHARS:
        raise InvalidInput(f"storage {what} {key[:40]!r}... is {len(key)} characters long: {_RULES}")
    for segment in key.split("/"):
        if not _SEGMENT.fullmatch(segment) or segment in (".", "..") or segment.startswith(TEMP_PREFIX):
            raise InvalidInput(f"storage {what} {key!r} has a bad part {segment!r}: {_RULES}")
    return key


def check_folder(prefix: str) -> str:
    """A folder prefix: a valid key plus a trailing '/'. The empty prefix is refused on purpose, so a
    bug can never list or wipe the whole storage; name the top folder instead (`content/`)."""
    if not isinstance(prefix, str) or not prefix.endswith("/"):
        raise InvalidInput(f"storage prefix {prefix!r} must name a folder ending in '/' (the empty prefix is refused)")
    check_key(prefix[:-1], what="prefix")
    return prefix


def read_stream(data: bytes | BinaryIO) -> Iterator[bytes]:
    """The data in chunks of at most CHUNK_BYTES, never reading a file object whole."""
    if isinstance(data, bytes | bytearray | memoryview):
        yield bytes(data)
        return
    while chunk := data.read(CHUNK_BYTES):
        yield chunk
