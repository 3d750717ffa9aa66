"""Ids are never handed out twice, and every account gets a key of its own that its sessions carry.

SQLite gave a deleted newest row's id to the next insert (plain rowids): a withdrawn user's session
then opened the next new account. Every table that numbers its own rows is rebuilt with
AUTOINCREMENT, keeping every row, index and key. Ids handed out before and since deleted left no
trace, so on a store that holds anything each sequence resumes `SKIP_AHEAD` past the largest id
left. Postgres sequences never hand a number out twice: only the account key is added there.

Revision ID: 0006_ids_never_reused
Revises: 0005_content_and_chat
Create Date: 2026-12-02 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006_ids_never_reused"
down_revision: str | Sequence[str] | None = "0005_content_and_chat"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every table whose integer id the store chooses (the others are keyed by names, uuids or Naver's ids).
NUMBERED = ("allowed_authors", "brands", "users", "token_revocations", "contents", "content_views", "chat_messages")
SKIP_AHEAD = 10_000
_KEY = sa.String(length=64)


def _holds_anything(bind: sa.Connection) -> bool:
    """A store made just now (every table empty) starts its ids at 1; any other one skips ahead."""
    names = [n for n in sa.inspect(bind).get_table_names() if n != "alembic_version"]
    return any(bind.execute(sa.select(sa.exists().select_from(sa.table(name)))).scalar_one() for name in names)


def _resume_sequence(bind: sa.Connection, table: str, skip: int) -> None:
    top: sa.Select[Any] = sa.select(sa.func.coalesce(sa.func.max(sa.column("id")), 0)).select_from(sa.table(table))
    seq = int(bind.execute(top).scalar_one()) + skip
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = :table"), {"table": table})
    bind.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)"), {"table": table, "seq": seq})


def _account_key(random_hex: str) -> sa.Column[str]:
    """Each existing row gets a random key of its own, and so does a row written by a process
    older than this column (the adapters write the domain's key themselves)."""
    return sa.Column("account_key", _KEY, nullable=False, server_default=sa.text(random_hex))


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":  # a volatile default is computed for every existing row
        op.add_column("users", _account_key("replace(gen_random_uuid()::text, '-', '')"))
        return
    skip = SKIP_AHEAD if _holds_anything(bind) else 0
    for table in NUMBERED:
        # Batch mode copies the table into a new one (rows, indexes, foreign keys) and swaps it in.
        with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}) as batch:
            if table == "users":  # copied rows take the default, evaluated row by row
                batch.add_column(_account_key("lower(hex(randomblob(16)))"))
        _resume_sequence(bind, table, skip)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_column("users", "account_key")
        return
    for table in NUMBERED:
        with op.batch_alter_table(table, recreate="always") as batch:
            if table == "users":
                batch.drop_column("account_key")
    bind.execute(sa.text("DELETE FROM sqlite_sequence"))
