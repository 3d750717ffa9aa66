"""What a changple2 import remembers: a mark per carried row (legacy id, changple key,
fingerprint), so a second import writes nothing, and the report of each import for the console.

Revision ID: 0007_legacy_import
Revises: 0006_ids_never_reused
Create Date: 2026-12-03 11:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_legacy_import"
down_revision: str | Sequence[str] | None = "0006_ids_never_reused"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "legacy_marks",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("legacy_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("target", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("entity", "legacy_id", name=op.f("pk_legacy_marks")),
    )
    op.create_table(
        "legacy_imports",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_imports")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("legacy_imports")
    op.drop_table("legacy_marks")
