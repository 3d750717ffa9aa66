"""Index posts by publication time: the scraper's refresh pass fetches recent posts again.

Revision ID: 0002_posts_published_at
Revises: 0001_initial
Create Date: 2026-11-22 04:20:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002_posts_published_at"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_posts_published_at"), "posts", ["published_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_posts_published_at"), table_name="posts")
