"""`FileStorage` in a directory: the embedded default for uploaded content and its images.

A save writes a `.tmp-` file beside the target, fsyncs it and renames it over the target, so a reader
sees the old file or the new one, never half of one. Every path is checked to stay inside the root
after resolving links: a link planted in the root cannot make us read, write or delete outside it.
The key rules (`check_key`, `check_folder`, in storage_keys.py) are the in-memory fake's too; list("") and
delete_prefix("") are refused on purpose, so no bug can wipe the whole storage."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, suppress
from pathlib import Path
from typing import BinaryIO

from changple_adapters.private_paths import PRIVATE_FILE_MODE, private_directory
from changple_adapters.storage_keys import TEMP_PREFIX, check_folder, check_key, read_stream
from changple_domain.errors import InvalidInput, NotFound
from changple_domain.ports import FileStorage


class LocalFileStorage(FileStorage):
    def __init__(self, root: Path) -> None:
        self._root = Path(root)  # made on the first save

    def save(self, key: str, data: bytes | BinaryIO) -> int:
        target = self._path(key)
        if target.is_dir():
            raise InvalidInput(f"storage key {key!r} is a folder of other files; it cannot be a file too")
        fd, temp = self._temp_file(key, target.parent)
        try:
            written = 0
            with os.fdopen(fd, "wb") as file:
                for chunk in read_stream(data):
                    file.write(chunk)
                    written += len(chunk)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temp, target)
        except BaseException:
            with suppress(FileNotFoundError):
                temp.unlink()
            raise
        _fsync_directory(target.parent)  # the rename itself survives a crash
        return written

    def open(self, key: str) -> AbstractContextManager[BinaryIO]:
        try:
            return self._path(key).open("rb")  # opened now, so NotFound comes from open() itself
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise NotFound(f"no stored file at {key!r}") from None

    def read(self, key: str) -> bytes:
        with self.open(key) as file:
            return file.read()

    def size(self, key: str) -> int | None:
        path = self._path(key)
        return path.stat().st_size if path.is_file() else None

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_file() or path.is_symlink():
            path.unlink(missing_ok=True)
            self._prune(path.parent)

    def delete_prefix(self, prefix: str) -> int:
        folder = self._path(check_folder(prefix)[:-1], what="prefix")
        if folder.is_symlink():
            raise InvalidInput(f"storage prefix {prefix!r} is a link, not a folder; refused")
        if not folder.is_dir():
            return 0
        count = sum(1 for _ in self._files(folder))
        shutil.rmtree(folder)
        self._prune(folder.parent)
        return count

    def list(self, prefix: str) -> list[str]:
        folder = self._path(check_folder(prefix)[:-1], what="prefix")
        if folder.is_symlink() or not folder.is_dir():
            return []
        return sorted(self._files(folder))

    # --- paths ------------------------------------------------------------------------------------

    def _path(self, key: str, what: str = "key") -> Path:
        """The key's path, refused unless it (links resolved) is inside the root."""
        path = self._root / check_key(key, what=what)
        root = self._root.resolve()
        if not path.resolve().is_relative_to(root) or path.resolve() == root:
            raise InvalidInput(f"storage {what} {key!r} leads outside the storage folder (through a link); refused")
        return path

    def _temp_file(self, key: str, folder: Path) -> tuple[int, Path]:
        """A new `.tmp-` file in `folder` (made with its parents), open for writing. Retried because a
        concurrent delete may prune the empty folder between our mkdir and our open."""
        attempts = 3
        while True:
            attempts -= 1
            try:
                private_directory(folder)
                temp = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}"
                return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE), temp
            except (FileExistsError, NotADirectoryError):
                raise InvalidInput(f"storage key {key!r} is inside a stored file, not a folder") from None
            except FileNotFoundError:
                if not attempts:
                    raise

    def _files(self, folder: Path) -> Iterator[str]:
        """Keys of the regular files under `folder`, not following links and skipping writes in progress."""
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory, name)
                if not name.startswith(TEMP_PREFIX) and not path.is_symlink():
                    yield path.relative_to(self._root).as_posix()

    def _prune(self, folder: Path) -> None:
        """Remove empty folders up to the root, so a deleted folder's name can become a file's key."""
        root = self._root.resolve()
        while folder.resolve() != root and folder.resolve().is_relative_to(root):
            try:
                folder.rmdir()
            except OSError:
                return  # not empty (or already gone): stop
            folder = folder.parent


def _fsync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
