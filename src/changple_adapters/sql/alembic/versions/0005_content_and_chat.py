"""Content and chat: Notion columns, what signed-in readers viewed, and the chat agent's sessions
and messages. Deleting a user deletes their views and chat sessions and keeps their uploads
(uploaded_by becomes NULL); deleting a content or a session deletes its views or messages.

Revision ID: 0005_content_and_chat
Revises: 0004_accounts
Create Date: 2026-11-29 06:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_content_and_chat"
down_revision: str | Sequence[str] | None = "0004_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEY = sa.String(length=500)


def upgrade() -> None:
    op.create_table(
        "contents",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("is_preferred", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("plain_text", sa.Text(), nullable=False),
        sa.Column("html_key", _KEY, nullable=True),
        sa.Column("thumbnail_key", _KEY, nullable=True),
        sa.Column("file_keys", sa.JSON(), nullable=False),
        sa.Column("upload_key", _KEY, nullable=True),
        sa.Column("uploaded_thumbnail_key", _KEY, nullable=True),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("uploaded_by", _ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["users.id"], name=op.f("fk_contents_uploaded_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contents")),
    )
    op.create_index(op.f("ix_contents_state_created_at"), "contents", ["state", "created_at"])
    op.create_index(
        op.f("ix_contents_state_is_preferred_created_at"), "contents", ["state", "is_preferred", "created_at"]
    )
    op.create_index(op.f("ix_contents_state_updated_at"), "contents", ["state", "updated_at"])
    op.create_index(op.f("ix_contents_uploaded_by"), "contents", ["uploaded_by"])

    op.create_table(
        "content_views",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("content_id", _ID, nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"], ["contents.id"], name=op.f("fk_content_views_content_id_contents"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_content_views_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_views")),
    )
    op.create_index(
        op.f("ix_content_views_user_id_content_id_viewed_at"), "content_views", ["user_id", "content_id", "viewed_at"]
    )
    op.create_index(op.f("ix_content_views_user_id_viewed_at"), "content_views", ["user_id", "viewed_at"])
    op.create_index(op.f("ix_content_views_content_id"), "content_views", ["content_id"])

    op.create_table(
        "chat_sessions",
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("message_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_chat_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("nonce", name=op.f("pk_chat_sessions")),
    )
    op.create_index(op.f("ix_chat_sessions_user_id_last_message_at"), "chat_sessions", ["user_id", "last_message_at"])

    op.create_table(
        "chat_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("session_nonce", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("attached_content_ids", sa.JSON(), nullable=False),
        sa.Column("helpful_post_ids", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_nonce"],
            ["chat_sessions.nonce"],
            name=op.f("fk_chat_messages_session_nonce_chat_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_messages")),
    )
    op.create_index(op.f("ix_chat_messages_session_nonce_id"), "chat_messages", ["session_nonce", "id"])


def downgrade() -> None:
    # Children first; dropping a table drops its indexes with it.
    op.drop_table("chat_messages")
    op.drop_table("chat_sessions")
    op.drop_table("content_views")
    op.drop_table("contents")
