"""Migration 0006 on a store that was in use: every row of every table survives, with its indexes and
keys; no id handed out before the upgrade (not even a deleted newest one) is handed out after it;
each account gets a key of its own. Runs on SQLite and Postgres."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from changple_adapters.memory import FixedClock
from changple_adapters.sql.engine import create_engine_for, create_session_factory
from changple_adapters.sql.migrations import alembic_config, check_models_match, migration_connection, upgrade_database
from changple_adapters.sql.unit_of_work import SqlUnitOfWork
from changple_domain.model.users import OAuthTokens, SocialProfile
from changple_domain.use_cases.accounts import sign_in
from tests.contract.conftest import TEST_CIPHER

BEFORE = "0005_content_and_chat"
LATER_COLUMNS = ("account_key", "former_group")  # added since BEFORE: the snapshots leave them out
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
NUMBERED = ("allowed_authors", "brands", "users", "token_revocations", "contents", "content_views", "chat_messages")
# Children name their parents' first rows, so deleting a newest row cascades nowhere; users hold no
# provider tokens (a filler string is no ciphertext); authors are in a group (0008 checks it).
# A table's column that does not exist yet is left out.
FIXED: dict[str, dict[str, Any]] = {
    "allowed_authors": {"group_name": "기타", "former_group": None},
    "users": {"tokens_encrypted": None, "role": "social", "provider": "naver"},
    "batch_items": {"job_id": "v1"},
    "contents": {"uploaded_by": 1},
    "content_views": {"user_id": 1, "content_id": 1},
    "chat_sessions": {"user_id": 1},
    "chat_messages": {"session_nonce": "v1"},
}


def _value(column: sa.Column[Any], n: int) -> Any:
    if isinstance(column.type, sa.JSON):
        return {"n": n}
    kind = column.type.python_type
    if kind is str:
        return f"v{n}"
    if kind is bool:
        return n % 2 == 0
    if kind is datetime:
        return T0
    if kind is Decimal:
        return Decimal("1.234567")
    return n


def _add_rows(
    connection: sa.Connection, metadata: sa.MetaData, count: int, *, start: int = 1, only: tuple[str, ...] = ()
) -> None:
    """`count` rows in every table (or `only` these), each field filled by its type, as a process
    that knows no column newer than 0005 writes them: the store numbers the ids and fills what
    has a default."""
    for table in metadata.sorted_tables:
        if table.name == "alembic_version" or (only and table.name not in only):
            continue
        for n in range(start, start + count):
            chosen_by_store = {c.name for c in table.columns if c.name == "id" and c.type.python_type is int}
            row = {
                c.name: _value(c, n)
                for c in table.columns
                if c.name not in chosen_by_store and c.server_default is None
            }
            row.update({k: v for k, v in FIXED.get(table.name, {}).items() if k in table.columns})
            connection.execute(table.insert().values(**row))


def _snapshot(connection: sa.Connection, metadata: sa.MetaData) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        order = list(table.primary_key.columns) or list(table.columns)
        found = connection.execute(sa.select(table).order_by(*order)).mappings()
        rows[table.name] = [{k: v for k, v in row.items() if k not in LATER_COLUMNS} for row in found]
    return rows


def _shape(engine: sa.Engine) -> dict[str, Any]:
    inspector = sa.inspect(engine)
    return {
        name: (
            sorted((i["name"], tuple(i["column_names"]), bool(i["unique"])) for i in inspector.get_indexes(name)),
            sorted(
                (f["name"], tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
                for f in inspector.get_foreign_keys(name)
            ),
            sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)),
        )
        for name in inspector.get_table_names()
    }


def _reflect(engine: sa.Engine) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    return metadata


def _downgrade(url: str, revision: str) -> None:
    with migration_connection(url) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_0006_keeps_every_row_and_never_hands_out_an_old_id(fresh_database_url: str) -> None:
    url = fresh_database_url
    upgrade_database(url, BEFORE)
    engine = create_engine_for(url)
    try:
        old = _reflect(engine)
        with engine.begin() as connection:
            _add_rows(connection, old, count=3)
            for name in NUMBERED:  # the newest row of each goes, as a withdrawal would take it
                connection.execute(sa.text(f"DELETE FROM {name} WHERE id = 3"))
            before, shape = _snapshot(connection, old), _shape(engine)
        assert all(len(before[name]) == 2 for name in NUMBERED)

        upgrade_database(url)
        assert check_models_match(url) == []
        new = _reflect(engine)
        with engine.begin() as connection:
            after = _snapshot(connection, new)
            assert {name: after[name] for name in before} == before  # every row, every field
            keys = connection.execute(sa.text("SELECT account_key FROM users")).scalars().all()
        reshaped = _shape(engine)
        assert {name: reshaped[name] for name in shape} == shape  # every index and key, as it was
        assert len(keys) == 2
        assert len(set(keys)) == 2
        assert all(re.fullmatch(r"[0-9a-f]{32}", key) for key in keys)

        with engine.begin() as connection:
            _add_rows(connection, new, count=1, start=7, only=NUMBERED)
            for name in NUMBERED:
                top = connection.execute(sa.text(f"SELECT max(id) FROM {name}")).scalar_one()
                assert top > 3, name  # not the deleted newest id, nor any before it
            older_writer = connection.execute(sa.text("SELECT account_key FROM users WHERE social_id = 'v7'"))
            assert re.fullmatch(r"[0-9a-f]{32}", older_writer.scalar_one())  # a process not yet restarted

        # The adapters read what the migration kept, and a new sign-up gets a fresh id.
        uow = SqlUnitOfWork(create_session_factory(engine), cipher=TEST_CIPHER)
        with uow:
            kept = uow.users.get(1)
        assert kept is not None
        assert kept.account_key in keys
        tokens = OAuthTokens.received(access_token="a", refresh_token=None, token_type=None, expires_in=None, now=T0)
        newcomer = sign_in(SocialProfile(social_id="nv-new"), tokens, uow=uow, clock=FixedClock(T0)).user
        assert newcomer.id > 3
        with uow:  # and from now on the newest id stays spent, too
            uow.users.delete(newcomer.id)
            uow.commit()
        assert sign_in(SocialProfile(social_id="nv-later"), tokens, uow=uow, clock=FixedClock(T0)).user.id > newcomer.id

        # Down and up again: the rows stay through both.
        with engine.begin() as connection:
            upgraded = _snapshot(connection, _reflect(engine))
        _downgrade(url, BEFORE)
        with engine.begin() as connection:
            assert "account_key" not in {c["name"] for c in sa.inspect(connection).get_columns("users")}
            downgraded = _snapshot(connection, _reflect(engine))
            assert downgraded == {name: upgraded[name] for name in downgraded}
        upgrade_database(url)
        assert check_models_match(url) == []
    finally:
        engine.dispose()


def test_0006_makes_sqlite_count_on_and_a_new_store_starts_at_one(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    engine = create_engine_for(url)
    try:
        with engine.connect() as connection:
            made = dict(connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
        for name in NUMBERED:
            assert "AUTOINCREMENT" in made[name], name
        uow = SqlUnitOfWork(create_session_factory(engine), cipher=TEST_CIPHER)
        tokens = OAuthTokens.received(access_token="a", refresh_token=None, token_type=None, expires_in=None, now=T0)
        assert sign_in(SocialProfile(social_id="nv-1"), tokens, uow=uow, clock=FixedClock(T0)).user.id == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_numbers_every_table_from_a_sequence_that_never_cycles(postgres_engine: sa.Engine) -> None:
    """What makes 0006 a no-op for ids on Postgres: each id comes from a sequence, which never hands
    a number out twice (deleted rows and rolled-back inserts leave gaps, never repeats)."""
    with postgres_engine.connect() as connection:
        for name in NUMBERED:
            sequence = connection.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar_one()
            assert sequence is not None, name
            cycles = connection.execute(
                sa.text("SELECT seqcycle FROM pg_sequence WHERE seqrelid = CAST(:s AS regclass)"), {"s": sequence}
            ).scalar_one()
            assert cycles is False, name
