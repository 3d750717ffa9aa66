"""Is an embedded SQLite store already at the newest schema? Answered with the standard library's
sqlite3, so a command on an up-to-date store does not load Alembic (about a tenth of a second) only
to learn there is nothing to do."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

# The newest migration in alembic/versions. tests/contract/test_migrations.py and check_migrations
# fail when it differs from Alembic's own head, so a new migration cannot forget it.
HEAD_REVISION = "0009_legacy_blocks"


def sqlite_store_is_current(path: Path) -> bool:
    """True only when the file exists and records HEAD_REVISION; anything else (no file, no table,
    an older or unknown revision, a locked or broken file) is False, and the caller migrates."""
    if not path.is_file():
        return False
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)) as connection:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.Error:
        return False
    return rows == [(HEAD_REVISION,)]
