"""The first schema: posts and their statuses, allowed authors, brands, batch jobs and pipeline runs.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22 02:26:11+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "allowed_authors",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("group_name", sa.String(length=100), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allowed_authors")),
        sa.UniqueConstraint("name", name=op.f("uq_allowed_authors_name")),
    )
    op.create_table(
        "batch_jobs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("provider_job_id", sa.String(length=255), nullable=True),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("request_count", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.BigInteger(), nullable=False),
        sa.Column("output_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completed_requests", sa.Integer(), nullable=False),
        sa.Column("failed_requests", sa.Integer(), nullable=False),
        sa.Column("estimated_cost_usd", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("standard_cost_usd", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_jobs")),
    )
    op.create_index(op.f("ix_batch_jobs_created_at"), "batch_jobs", ["created_at"])
    op.create_index(op.f("ix_batch_jobs_provider_job_id"), "batch_jobs", ["provider_job_id"])
    op.create_index(op.f("ix_batch_jobs_run_id"), "batch_jobs", ["run_id"])
    op.create_index(op.f("ix_batch_jobs_state"), "batch_jobs", ["state"])
    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("good_to_know", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint("name", name=op.f("uq_brands_name")),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("stages", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("standard_cost_usd", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pipeline_runs")),
        sa.UniqueConstraint("key", name=op.f("uq_pipeline_runs_key")),
    )
    op.create_index(op.f("ix_pipeline_runs_started_at"), "pipeline_runs", ["started_at"])
    op.create_table(
        "post_statuses",
        sa.Column("article_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_post_statuses")),
    )
    op.create_index(op.f("ix_post_statuses_kind_article_id"), "post_statuses", ["kind", "article_id"])
    op.create_table(
        "posts",
        sa.Column("article_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("board", sa.Text(), nullable=False),
        sa.Column("board_id", sa.BigInteger(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("image_urls", sa.JSON(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("possible_questions", sa.JSON(), nullable=False),
        sa.Column("brand_mentions", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("summary_hash", sa.String(length=64), nullable=True),
        sa.Column("indexed_hash", sa.String(length=64), nullable=True),
        sa.Column("indexed_chunks", sa.Integer(), nullable=False),
        sa.Column("summary_attempts", sa.Integer(), nullable=False),
        sa.Column("summary_error", sa.Text(), nullable=True),
        sa.Column("embedding_attempts", sa.Integer(), nullable=False),
        sa.Column("embedding_error", sa.Text(), nullable=True),
        sa.Column("scraped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("article_id", name=op.f("pk_posts")),
    )
    op.create_index(op.f("ix_posts_author"), "posts", ["author"])
    op.create_index(op.f("ix_posts_content_hash_article_id"), "posts", ["content_hash", "article_id"])
    op.create_index(op.f("ix_posts_indexed_hash"), "posts", ["indexed_hash"])
    op.create_table(
        "batch_items",
        sa.Column("job_id", sa.String(length=64), nullable=False),
        sa.Column("article_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["batch_jobs.id"], name=op.f("fk_batch_items_job_id_batch_jobs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("job_id", "article_id", name=op.f("pk_batch_items")),
    )
    op.create_index(op.f("ix_batch_items_article_id"), "batch_items", ["article_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_batch_items_article_id"), table_name="batch_items")
    op.drop_table("batch_items")
    op.drop_index(op.f("ix_posts_indexed_hash"), table_name="posts")
    op.drop_index(op.f("ix_posts_content_hash_article_id"), table_name="posts")
    op.drop_index(op.f("ix_posts_author"), table_name="posts")
    op.drop_table("posts")
    op.drop_index(op.f("ix_post_statuses_kind_article_id"), table_name="post_statuses")
    op.drop_table("post_statuses")
    op.drop_index(op.f("ix_pipeline_runs_started_at"), table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_table("brands")
    op.drop_index(op.f("ix_batch_jobs_state"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_run_id"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_provider_job_id"), table_name="batch_jobs")
    op.drop_index(op.f("ix_batch_jobs_created_at"), table_name="batch_jobs")
    op.drop_table("batch_jobs")
    op.drop_table("allowed_authors")
