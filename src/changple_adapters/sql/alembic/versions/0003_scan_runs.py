"""Scan runs: one row per walk over the cafe, for the status API and the nightly key.

Revision ID: 0003_scan_runs
Revises: 0002_posts_published_at
Create Date: 2026-11-22 04:30:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_scan_runs"
down_revision: str | Sequence[str] | None = "0002_posts_published_at"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scan_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("phase", sa.String(length=32), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("last_article_id", sa.BigInteger(), nullable=True),
        sa.Column("stopped_because", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_runs")),
        sa.UniqueConstraint("key", name=op.f("uq_scan_runs_key")),
    )
    op.create_index(op.f("ix_scan_runs_started_at"), "scan_runs", ["started_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_scan_runs_started_at"), table_name="scan_runs")
    op.drop_table("scan_runs")
