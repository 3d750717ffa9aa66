"""Secrets the embedded mode keeps in its data directory (the token key, the CSRF key): made on
first use, readable by their owner only, and shared by every process on the data directory.
Production passes them in the environment instead, so keys do not live beside the data."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from changple_adapters.private_paths import private_directory

_WAIT_FOR_WRITER_SECONDS = 2.0


def read_or_create_secret_file(path: Path, make: Callable[[], str]) -> str:
    """The file's text (stripped); made with `make()` and mode 0600 when missing. Two processes
    racing to make it end up with the same secret: the loser reads the winner's file."""
    if not path.exists():
        private_directory(path.parent)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first; read theirs below
        else:
            with os.fdopen(descriptor, "w") as file:
                file.write(make() + "\n")
    deadline = time.monotonic() + _WAIT_FOR_WRITER_SECONDS
    while True:
        text = path.read_text().strip()
        if text or time.monotonic() > deadline:
            return text
        time.sleep(0.01)  # the winner has created the file but not yet written it
