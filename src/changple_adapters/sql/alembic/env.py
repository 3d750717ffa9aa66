"""Alembic environment, shipped inside the package so an installed wheel can migrate its database.

The database comes from, in order: a connection handed over by `changple_adapters.sql.migrations`,
`alembic -x url=...`, `CHANGPLE_DATABASE_URL`, then the default SQLite file.
"""

from __future__ import annotations

import os
from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from changple_adapters.sql.engine import DEFAULT_DATABASE_URL
from changple_adapters.sql.migrations import configure_context_options, migration_connection
from changple_adapters.sql.tables import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    return str(
        context.get_x_argument(as_dictionary=True).get("url")
        or os.environ.get("CHANGPLE_DATABASE_URL")
        or DEFAULT_DATABASE_URL
    )


def _run(connection: Connection) -> None:
    options: dict[str, Any] = configure_context_options(connection.dialect.name)
    context.configure(connection=connection, target_metadata=Base.metadata, **options)
    with context.begin_transaction():
        context.run_migrations()


def run_offline() -> None:
    """`alembic upgrade --sql`: render the SQL for the URL's dialect without connecting."""
    url = _url()
    dialect = "sqlite" if url.startswith("sqlite") else "postgresql"
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True, **configure_context_options(dialect))
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with migration_connection(_url()) as connection:
        _run(connection)


if context.is_offline_mode():
    run_offline()
else:
    run_online()
