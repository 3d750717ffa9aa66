"""What a changple2 import remembers of whole blocks of ids: the digest the monolith's rows had when
every row of the block was carried, so the next import skips a block whose digest still holds
instead of reading and fingerprinting each of its rows.

Revision ID: 0009_legacy_blocks
Revises: 0008_author_groups
Create Date: 2026-12-04 22:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_legacy_blocks"
down_revision: str | Sequence[str] | None = "0008_author_groups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legacy_blocks",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("block_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("block", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("entity", "block_size", "block", name=op.f("pk_legacy_blocks")),
    )


def downgrade() -> None:
    op.drop_table("legacy_blocks")
