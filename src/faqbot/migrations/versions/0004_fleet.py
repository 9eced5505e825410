"""Several servers: the published index generation (with its history) and reindex progress.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "index_publications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("generation", sa.String(60), nullable=False),
        sa.Column("content_version", sa.String(40), nullable=False),
        sa.Column("items", sa.Integer, nullable=True),
        sa.Column("passages", sa.Integer, nullable=True),
        sa.Column("user", sa.String(80), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("server", sa.String(120), nullable=False),
        sa.Column("hit_at_1", sa.Float, nullable=True),
        sa.Column("forced_reason", sa.Text, nullable=True),
    )
    op.create_table(
        "reindex_progress",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("phase", sa.String(60), nullable=False),
        sa.Column("done", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("reindex_progress")
    op.drop_table("index_publications")
