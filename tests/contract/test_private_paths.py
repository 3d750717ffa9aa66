"""What the local adapters write is owner-only even when the program that uses them as a library
keeps the usual umask 022: folders 0700, the files they make 0600, and the SQLite database's -wal
and -shm with them. A store made by an older version is tightened when it is next opened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from changple_adapters.local.file_storage import LocalFileStorage
from changple_adapters.local.mutex import FileMutex
from changple_adapters.local.vector_index import LanceVectorIndex
from changple_adapters.private_paths import private_directory, restrict_umask
from changple_adapters.secret_file import read_or_create_secret_file
from changple_adapters.sql.engine import create_engine_for
from tests.contract.vectors import DIM, record, unit


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def shared_with_others(root: Path) -> list[str]:
    """Every path under `root` (itself included) that group or others may read, write or enter."""
    found = []
    for path in [root, *root.rglob("*")]:
        if stat.S_IMODE(path.lstat().st_mode) & 0o077:
            found.append(f"{oct(stat.S_IMODE(path.lstat().st_mode))} {path.relative_to(root.parent)}")
    return found


def test_a_new_sqlite_store_and_its_wal_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data" / "nested"
    engine = create_engine_for(f"sqlite:///{data / 'changple.db'}")
    assert not data.exists()  # nothing is made before the first connection
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
        connection.execute(text("INSERT INTO t VALUES ('a')"))
    with engine.connect() as connection:  # hold a connection so the -wal and -shm exist
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
        assert {p.name for p in data.iterdir()} >= {"changple.db", "changple.db-wal", "changple.db-shm"}
        assert shared_with_others(tmp_path / "data") == []
    engine.dispose()


def test_an_older_world_readable_store_is_tightened_when_opened(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = create_engine_for(f"sqlite:///{data / 'changple.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x TEXT)"))
    engine.dispose()
    for path in [data, *data.iterdir()]:  # as a store made before this change was left
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    (data / "changple.db-wal").touch(mode=0o644)
    os.chmod(data / "changple.db-wal", 0o644)

    engine = create_engine_for(f"sqlite:///{data / 'changple.db'}")
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        files = list(data.iterdir())
        assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in files), [
            (p.name, oct(p.stat().st_mode)) for p in files
        ]
    engine.dispose()
    private_directory(data)  # what `ready_container` does for the data folder itself
    assert shared_with_others(data) == []


def test_uploads_locks_keys_and_vectors_are_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    storage = LocalFileStorage(data / "files")
    storage.save("content/7/page.html", b"<p>hi</p>")
    storage.save("content/7/img-001.png", b"\x89PNG")
    with FileMutex(data / "locks").hold("pipeline", ttl_seconds=5) as held:
        assert held
    read_or_create_secret_file(data / "keys" / "csrf.key", lambda: "s" * 32)
    index = LanceVectorIndex(path=data / "vectors", dimensions=DIM)
    index.upsert([record("post-1#0", unit(0))])
    assert (data / "vectors").is_dir()
    assert stat.S_IMODE((data / "vectors").stat().st_mode) == 0o700
    # LanceDB writes its own files with the process umask; the 0700 folder keeps them private.
    assert [line for line in shared_with_others(data) if "/vectors/" not in line] == []


def test_restrict_umask_makes_every_later_file_owner_only(tmp_path: Path) -> None:
    previous = restrict_umask()
    try:
        assert previous == 0o022
        index = LanceVectorIndex(path=tmp_path / "vectors", dimensions=DIM)
        index.upsert([record("post-1#0", unit(0))])
        (tmp_path / "plain.txt").write_text("x")
        assert shared_with_others(tmp_path / "vectors") == []
        assert stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode) == 0o600
    finally:
        os.umask(previous)
