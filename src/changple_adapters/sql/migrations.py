"""Schema migrations, run from code: the CLI, the containers and the tests call these, never a shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection

from changple_adapters.sql._support import is_unavailable, unavailable
from changple_adapters.sql.engine import create_engine_for
from changple_adapters.sql.tables import Base, UtcDateTime

SCRIPT_LOCATION = Path(__file__).with_name("alembic")
# Any fixed number: concurrent upgrades on Postgres (two workers starting at once) queue behind it.
_UPGRADE_LOCK = 0x6368616E67706C65  # "changple"


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Migrations name plain SQLAlchemy types, so they never import this package's decorators."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def configure_context_options(dialect: str) -> dict[str, Any]:
    """The options every migration context gets, online, offline and when comparing models."""
    return {
        "compare_type": True,
        "render_item": _render_item,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        "render_as_batch": dialect == "sqlite",
    }


def alembic_config() -> Config:
    """An Alembic configuration pointing at the migrations shipped inside this package."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextmanager
def _connected(url: str) -> Iterator[Connection]:
    """A connection on an engine of its own, disposed at the end; an unreachable database (while
    connecting or later) is ProviderUnavailable."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            yield connection
    except sa_exc.SQLAlchemyError as exc:
        if is_unavailable(exc):
            raise unavailable(exc) from exc
        raise
    finally:
        engine.dispose()


@contextmanager
def migration_connection(url: str) -> Iterator[Connection]:
    """A connection inside one transaction, ready for migrations.

    Postgres: an advisory lock queues concurrent upgrades (two workers starting at once).
    SQLite: foreign keys are off while migrating, because batch mode drops and recreates tables and a
    dropped parent would cascade-delete its children; the keys are checked before committing.
    """
    with _connected(url) as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # must happen outside a transaction, so on the driver connection before BEGIN
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
        try:
            with connection.begin():
                if connection.dialect.name == "postgresql":
                    connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _UPGRADE_LOCK})
                yield connection
                if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
                    raise RuntimeError(f"migration left rows with dangling foreign keys: {broken[:5]}")
        finally:
            if sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def upgrade_database(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`, in one transaction; running it twice is harmless."""
    with migration_connection(url) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(url: str) -> str | None:
    """The revision the database at `url` is at, or None before the first upgrade."""
    with _connected(url) as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_models_match(url: str, metadata: MetaData = Base.metadata) -> list[Any]:
    """Differences between the mapped tables and the migrated database; empty when they agree.

    This is the autogenerate check: a model change without a migration shows up here.
    """
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            options = configure_context_options(connection.dialect.name)
            context = MigrationContext.configure(connection, opts={**options, "target_metadata": metadata})
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()
