"""Migrations reach head on both databases, twice without harm, and agree with the mapped tables
(the autogenerate check CI relies on: a model change without a migration fails here)."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Column, MetaData, String, inspect, text
from sqlalchemy.exc import IntegrityError

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
    assert current_revision(fresh_database_url) == head_revision() == "0009_legacy_blocks"
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


def _authors(url: str) -> list[tuple[object, ...]]:
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text("SELECT * FROM allowed_authors ORDER BY id"))]
    finally:
        engine.dispose()


def test_free_text_groups_become_choices_and_keep_their_text(fresh_database_url: str) -> None:
    url = fresh_database_url
    upgrade_database(url, "0007_legacy_import")
    engine = create_engine_for(url)
    try:
        with engine.begin() as connection:
            for name, group in [("a", "창플"), ("b", "팀비즈니스"), ("c", "기타"), ("d", ""), ("e", "운영진")]:
                insert = "INSERT INTO allowed_authors (name, group_name, active) VALUES (:name, :group, true)"
                connection.execute(text(insert), {"name": name, "group": group})
            connection.execute(text(insert), {"name": "newest, deleted", "group": ""})
            connection.execute(text("DELETE FROM allowed_authors WHERE id = 6"))
        upgrade_database(url)
        rows = [row[1:] for row in _authors(url)]  # without the ids
        assert rows == [
            ("a", "창플", True, None),
            ("b", "팀비즈니스", True, None),
            ("c", "기타", True, None),
            ("d", "기타", True, ""),
            ("e", "기타", True, "운영진"),
        ]
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text("INSERT INTO allowed_authors (name, group_name, active) VALUES ('f', '1기', true)"))
        with engine.begin() as connection:  # ids go on past the deleted newest one, on SQLite too
            connection.execute(
                text("INSERT INTO allowed_authors (name, group_name, active) VALUES ('g', '기타', true)")
            )
        assert [row[0] for row in _authors(url)][-1] > 6
        with migration_connection(url) as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0007_legacy_import")
        assert [row[1:3] for row in _authors(url)] == [
            ("a", "창플"),
            ("b", "팀비즈니스"),
            ("c", "기타"),
            ("d", ""),
            ("e", "운영진"),
            ("g", "기타"),
        ]
    finally:
        engine.dispose()
