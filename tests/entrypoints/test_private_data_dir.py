"""`changple demo` under the usual umask 022 leaves nothing in its data folder that another account
on the machine could read: the database and its WAL, the vector index, batch state, keys, locks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_demo_writes_only_owner_only_files_and_folders(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHANGPLE_")} | {"COLUMNS": "160"}
    result = subprocess.run(
        [sys.executable, "-m", "changple_entrypoints", "demo", "--json", "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
        umask=0o022,
    )
    assert result.returncode == 0, result.stderr
    written = [data, *data.rglob("*")]
    names = {path.name for path in written}
    assert {"changple.db", "changple.db-wal", "vectors", "offline-batches", "locks"} <= names
    shared = [
        f"{oct(path.lstat().st_mode)} {path.relative_to(tmp_path)}" for path in written if path.lstat().st_mode & 0o077
    ]
    assert shared == []
