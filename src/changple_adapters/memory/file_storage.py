"""`FileStorage` in a dict, for tests and other projects' tests. It keeps the local adapter's rules
(the same key checks, no file where a folder is, no half-written file after a failing stream) so a
test that passes here does not fail on disk."""

from __future__ import annotations

import io
import threading
from contextlib import AbstractContextManager
from typing import BinaryIO

from changple_adapters.storage_keys import check_folder, check_key, read_stream
from changple_domain.errors import InvalidInput, NotFound
from changple_domain.ports import FileStorage


class MemoryFileStorage(FileStorage):
    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._files: dict[str, bytes] = {}

    def save(self, key: str, data: bytes | BinaryIO) -> int:
        check_key(key)
        content = b"".join(read_stream(data))  # read before taking the lock: a failing stream stores nothing
        with self._guard:
            if any(stored.startswith(key + "/") for stored in self._files):
                raise InvalidInput(f"storage key {key!r} is a folder of other files; it cannot be a file too")
            parts = key.split("/")
            for depth in range(1, len(parts)):
                if "/".join(parts[:depth]) in self._files:
                    raise InvalidInput(f"storage key {key!r} is inside a stored file, not a folder")
            self._files[key] = content
        return len(content)

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        return io.BytesIO(self.read(key))

    def read(self, key: str) -> bytes:
        check_key(key)
        with self._guard:
            content = self._files.get(key)
        if content is None:
            raise NotFound(f"no stored file at {key!r}")
        return content

    def size(self, key: str) -> int | None:
        check_key(key)
        with self._guard:
            content = self._files.get(key)
        return None if content is None else len(content)

    def delete(self, key: str) -> None:
        check_key(key)
        with self._guard:
            self._files.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        check_folder(prefix)
        with self._guard:
            doomed = [key for key in self._files if key.startswith(prefix)]
            for key in doomed:
                del self._files[key]
        return len(doomed)

    def list(self, prefix: str) -> list[str]:
        check_folder(prefix)
        with self._guard:
            return sorted(key for key in self._files if key.startswith(prefix))
