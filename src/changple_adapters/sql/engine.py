"""Engines and sessions for SQLite (the default) and PostgreSQL. Nothing here connects until asked."""

from __future__ import annotations

import json
import threading
import weakref
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from changple_adapters.private_paths import private_directory, private_file, tighten_if_present

DEFAULT_DATABASE_URL = "sqlite:///./.changple/changple.db"


def normalize_url(url: str | URL) -> URL:
    """`postgresql://` and `postgres://` mean psycopg 3 here, the only Postgres driver we ship."""
    if isinstance(url, str) and url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


# Connections kept open to a server database. Every request handled in a thread holds one for its
# unit of work; with fewer kept than requests in flight, SQLAlchemy opens an "overflow" connection
# for each extra one and closes it on return, so under steady load every request paid for a new
# Postgres backend (bench/http_load.py: ingest at 160 requests/s, p99 350 ms). Callers past the
# pool wait for a connection instead.
POOL_SIZE = 20


def create_engine_for(url: str | URL, *, echo: bool = False, pool_size: int = POOL_SIZE) -> Engine:
    """An engine configured for its backend: SQLite gets WAL, foreign keys and real transactions."""
    parsed = normalize_url(url)
    # hide_parameters: an error's text (which reaches logs) names the statement, never the row's values.
    json_codec: dict[str, Any] = {
        "json_serializer": _json_text,
        "json_deserializer": orjson.loads,
        "hide_parameters": True,
    }
    if parsed.get_backend_name() != "sqlite":
        pool = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": 30}
        return create_engine(parsed, pool_pre_ping=True, echo=echo, **pool, **json_codec)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or "mode=memory" in str(parsed.query)
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}, **json_codec}
    if in_memory:
        # Every pooled connection to :memory: would otherwise see its own empty database.
        kwargs["poolclass"] = StaticPool
    engine = create_engine(parsed, echo=echo, **kwargs)
    if not in_memory and not database.startswith("file:"):
        database_file = Path(database).expanduser()
        event.listen(engine, "do_connect", lambda *_: _make_private_database(database_file))
    event.listen(engine, "connect", _on_sqlite_connect)
    begin = _SqliteBegin()
    event.listen(engine, "begin", begin.begin)
    event.listen(engine, "commit", begin.end)
    event.listen(engine, "rollback", begin.end)
    return engine


def _make_private_database(path: Path) -> None:
    """Before SQLite opens the file: its folder made (0700) if missing, the file made 0600 if
    missing, and an older store's files tightened. SQLite gives the -wal and -shm it creates the
    database file's mode, so all three stay owner-only."""
    if not path.parent.exists():
        private_directory(path.parent)
    private_file(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten_if_present(path.with_name(path.name + suffix))


def _json_text(value: Any) -> str:
    """JSON columns are written and read by orjson (every post row holds four of them); what orjson
    refuses (an integer beyond 64 bits, a non-string key) falls back to the standard library."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False)


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions for one unit of work each."""
    return sessionmaker(engine, expire_on_commit=True, autoflush=True)


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module's own transaction handling skips BEGIN before SELECT and SAVEPOINT;
    # switch it off and emit BEGIN ourselves (see _on_sqlite_begin) so savepoints and rollbacks hold.
    dbapi_connection.isolation_level = None
    # SQLite's lower() folds ASCII only; Python's folds every script, as Postgres' ILIKE does.
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class _SqliteBegin:
    """BEGIN for one SQLite engine. IMMEDIATE takes the one write lock at the start, waiting up to
    the busy timeout for it: a deferred BEGIN that read first and wrote after another writer had
    committed fails at once with "database is locked" (its snapshot is stale, so SQLite cannot let
    it wait), which is how the embedded worker failed while requests wrote. A transaction a thread
    opens while it already holds one on this engine (a reader nested in a writer) stays deferred:
    it reads the last committed state instead of waiting for a lock its own thread holds."""

    def __init__(self) -> None:
        self._open = threading.local()

    def _held(self) -> weakref.WeakSet[Any]:
        held: weakref.WeakSet[Any] | None = getattr(self._open, "connections", None)
        if held is None:
            held = self._open.connections = weakref.WeakSet()
        return held

    def begin(self, connection: Any) -> None:
        held = self._held()
        connection.exec_driver_sql("BEGIN" if len(held) else "BEGIN IMMEDIATE")
        held.add(connection)

    def end(self, connection: Any) -> None:
        self._held().discard(connection)


def _lower(value: str | None) -> str | None:
    return None if value is None else value.lower()
