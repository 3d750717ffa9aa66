"""Every unit-of-work implementation behind one fixture: the same contract runs on the in-memory fake,
on SQLite and on PostgreSQL. Postgres gets one throwaway database per test session."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from changple_adapters.memory import MemoryStore, MemoryUnitOfWork
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import upgrade_database
from changple_adapters.sql.tables import Base
from changple_adapters.sql.token_cipher import TokenCipher, generate_key
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.ports import UnitOfWork
from tests.contract.vectors import KEY as VECTOR_KEY
from tests.emulators.pinecone import PineconeEmulator
from tests.services import require_service

DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

UowFactory = Callable[[], UnitOfWork]

BACKENDS = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class PostgresServer:
    """Creates uniquely named databases on the test server and drops them (and only them) at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = make_url(admin_url)
        conninfo = self.admin_url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            self._admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
        except psycopg.OperationalError as exc:
            first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            require_service("PostgreSQL", f"cannot connect to {self.admin_url!r}: {first_line}")
        self._created: list[str] = []

    def create_database(self) -> str:
        name = f"changple_test_{secrets.token_hex(6)}"
        self._admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self._created.append(name)
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self._created:
            self._admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self._admin.close()


# Provider tokens are encrypted at rest; the contract suites use one throwaway key.
TEST_CIPHER = TokenCipher([generate_key()])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer(os.environ.get("CHANGPLE_TEST_POSTGRES_URL", DEFAULT_ADMIN_URL))
    try:
        yield server
    finally:
        server.drop_all()


@pytest.fixture(scope="session")
def postgres_engine(postgres_server: PostgresServer) -> Iterator[Engine]:
    url = postgres_server.create_database()
    upgrade_database(url)
    engine = create_engine_for(url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database file, copied for every test (migrating each time costs more than copying)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "changple.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def _truncate(engine: Engine) -> None:
    names = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def _factory_for(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UowFactory]:
    if backend == "memory":
        store = MemoryStore()
        yield lambda: MemoryUnitOfWork(store)
        return
    if backend == "sqlite":
        path = tmp_path / "changple.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        engine = create_engine_for(f"sqlite:///{path}")
    else:
        engine = request.getfixturevalue("postgres_engine")
        _truncate(engine)
    sessions = create_session_factory(engine)
    try:
        yield lambda: SqlUnitOfWork(sessions, cipher=TEST_CIPHER)
    finally:
        if backend == "sqlite":
            engine.dispose()


@pytest.fixture(params=BACKENDS)
def uow_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[UowFactory]:
    """Makes units of work over one shared store, as separate workers would have."""
    yield from _factory_for(request.param, request, tmp_path)


@pytest.fixture(params=SQL_BACKENDS)
def sql_uow(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlUnitOfWork]:
    """A SQL unit of work on each SQL backend, for what only the SQL adapters promise."""
    for factory in _factory_for(request.param, request, tmp_path):
        made = factory()
        assert isinstance(made, SqlUnitOfWork)
        yield made


@pytest.fixture
def uow(uow_factory: UowFactory) -> UnitOfWork:
    return uow_factory()


@pytest.fixture(params=SQL_BACKENDS)
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, never migrated database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'dir' / 'changple.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture(scope="module")
def pinecone_server() -> Iterator[PineconeEmulator]:
    """One Pinecone emulator per test module (stopping a server costs half a second)."""
    server = PineconeEmulator(api_key=VECTOR_KEY)
    server.start()
    yield server
    server.stop()
