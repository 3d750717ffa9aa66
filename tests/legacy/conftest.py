"""A changple2 database built by Django with every kind of row, and a changple store to import it
into, on SQLite and on Postgres (one throwaway database each, dropped at the end of the session)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.contract.conftest import PostgresServer, postgres_server  # noqa: F401 - the shared fixture
from tests.legacy.changple2 import Changple2, ChangpleStore, changple2_database, write_media

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def legacy(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Changple2]:
    """An empty, migrated changple2 database with its MEDIA_ROOT."""
    url = None
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    database = changple2_database(tmp_path / "changple2", postgres_url=url)
    write_media(database.media)
    return database


@pytest.fixture
def store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> ChangpleStore:
    """A changple store of the same backend, migrated."""
    url = None
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database()
    changple = ChangpleStore(tmp_path / "changple", database_url=url)
    code, _, err = changple.run("db", "upgrade")
    assert code == 0, err
    return changple
