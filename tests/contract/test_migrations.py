"""Migrations reach head on both databases, twice without harm, and agree with the mapped tables
(the autogenerate check CI relies on: a model change without a migration fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, MetaData, String, inspect

from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import (
    alembic_config,
    check_models_match,
    current_revision,
    head_revision,
    migration_connection,
    upgrade_database,
)
from changple_adapters.sql.schema_version import HEAD_REVISION, sqlite_store_is_current
from changple_adapters.sql.tables import Base
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.errors import ProviderUnavailable


def test_upgrade_reaches_head_and_is_idempotent(fresh_database_url: str) -> None:
    assert current_revision(fresh_database_url) is None
    upgrade_database(fresh_database_url)
    assert current_revision(fresh_database_url) == head_revision() == "0007_legacy_import"
    upgrade_database(fresh_database_url)
    assert current_revision(fresh_database_url) == head_revision()
    engine = create_engine_for(fresh_database_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert tables == {table.name for table in Base.metadata.sorted_tables} | {"alembic_version"}


def test_the_quick_schema_check_knows_the_newest_migration(tmp_path: Path) -> None:
    """Commands skip Alembic when the embedded store records HEAD_REVISION: it must be the real head,
    and anything short of a current store must send the caller to migrate."""
    assert head_revision() == HEAD_REVISION
    store = tmp_path / "changple.db"
    assert not sqlite_store_is_current(store)  # no file yet
    store.write_bytes(b"not a database at all")
    assert not sqlite_store_is_current(store)
    store.unlink()
    url = f"sqlite:///{store}"
    upgrade_database(url, "0005_content_and_chat")
    assert not sqlite_store_is_current(store)  # an older schema
    upgrade_database(url)
    assert sqlite_store_is_current(store)


def test_models_match_the_migrations(fresh_database_url: str) -> None:
    upgrade_database(fresh_database_url)
    assert check_models_match(fresh_database_url) == []


def test_the_check_sees_a_model_change(fresh_database_url: str) -> None:
    upgrade_database(fresh_database_url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["posts"].append_column(Column("language", String(8), nullable=True))
    differences = check_models_match(fresh_database_url, changed)
    assert [(d[0], d[3].name) for d in differences] == [("add_column", "language")]


def test_downgrade_to_base_and_back(fresh_database_url: str) -> None:
    url = fresh_database_url
    upgrade_database(url)
    with migration_connection(url) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current_revision(url) is None
    upgrade_database(url)
    assert check_models_match(url) == []


def test_the_mapped_tables_keep_the_column_order_the_migrations_made(fresh_database_url: str) -> None:
    """The autogenerate check ignores column order; this keeps `create_all` (tests, fresh stores)
    building the same tables as the migrations, column for column."""
    upgrade_database(fresh_database_url)
    engine = create_engine_for(fresh_database_url)
    try:
        migrated = inspect(engine)
        for table in Base.metadata.sorted_tables:
            assert [c.name for c in table.columns] == [c["name"] for c in migrated.get_columns(table.name)], table.name
    finally:
        engine.dispose()


def test_an_unreachable_database_is_a_provider_error() -> None:
    url = "postgresql://postgres@127.0.0.1:1/nothing"
    with pytest.raises(ProviderUnavailable):
        upgrade_database(url)
    engine = create_engine_for(url)
    try:
        with pytest.raises(ProviderUnavailable), SqlUnitOfWork(create_session_factory(engine)) as uow:
            uow.posts.count()
    finally:
        engine.dispose()
