"""Owner-only files and folders for what changple keeps on disk (the embedded database, uploads,
sessions, keys, the vector index, batch state, locks).

The data directory holds users' Naver tokens (sealed, but with the key beside them), sessions and
chat history, so nothing under it may be readable by another account on the machine. Two layers:

- every folder an adapter makes is 0700, and every file it makes itself is 0600, whatever the
  umask; a folder or file that already exists with group or other bits (a store made by an older
  version) is tightened when it is next opened;
- files a library makes for us (SQLite's -wal and -shm, LanceDB's fragments, session files) are
  covered by the folder's 0700, and by the owner-only umask the `changple` processes set
  (`restrict_umask`), so they are 0600 as well when changple itself runs.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

PRIVATE_DIRECTORY_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def restrict_umask() -> int:
    """Add owner-only to the process umask (files 0600, folders 0700 from here on), keeping any
    stricter bits the caller had; returns the previous umask. For changple's own processes only: a
    library must not change the umask of the program that imports it."""
    previous = os.umask(0o077)
    os.umask(previous | 0o077)
    return previous


def private_directory(path: Path) -> Path:
    """`path` as an owner-only folder: made (with missing parents, each 0700) when absent, stripped
    of group and other bits when present. Returns `path`."""
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=PRIVATE_DIRECTORY_MODE)
        _tighten(folder)
    _tighten(path)
    return path


def private_file(path: Path) -> Path:
    """`path` as an owner-only file: made empty with mode 0600 when absent (so a library that opens
    it later keeps that mode), stripped of group and other bits when present. Returns `path`."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        _tighten(path)
    else:
        os.close(descriptor)
    return path


def tighten_if_present(path: Path) -> None:
    """Strip group and other bits from `path` if it exists (a -wal left by an older version)."""
    with contextlib.suppress(FileNotFoundError):
        _tighten(path)


def _tighten(path: Path) -> None:
    mode = path.stat().st_mode
    if mode & _OTHERS:
        os.chmod(path, stat.S_IMODE(mode) & ~_OTHERS)
