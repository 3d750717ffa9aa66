"""Content changes among the processes of one machine (embedded mode: the server, the worker and
the CLI share the data directory): a file replaced on every change."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Hashable
from pathlib import Path

from changple_adapters.private_paths import private_directory
from changple_domain.ports import ContentChanges


class FileContentChanges(ContentChanges):
    """Processes of one machine: a file replaced on every change, so its inode and mtime differ."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def current(self) -> Hashable | None:
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            return 0
        except OSError:
            return None
        return (stat.st_ino, stat.st_mtime_ns)

    def bump(self) -> None:
        private_directory(self._path.parent)
        scratch = self._path.with_name(f"{self._path.name}.{os.getpid()}.{threading.get_ident()}")
        scratch.write_text(str(time.time_ns()))
        os.replace(scratch, self._path)
