"""Initial schema: accounts, sign-in attempts, questions, eval and reindex history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, index=True),
        sa.Column("at", sa.DateTime, nullable=False, index=True),
        sa.Column("ok", sa.Boolean, nullable=False),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asked_at", sa.DateTime, nullable=False, index=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answered", sa.Boolean, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("answer_ids", sa.Text, nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=True),
        sa.Column("feedback_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("run_at", sa.DateTime, nullable=False, index=True),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("user", sa.String(80), nullable=True),
        sa.Column("content_version", sa.String(40), nullable=False),
        sa.Column("generation", sa.String(60), nullable=False),
        sa.Column("hit_at_1", sa.Float, nullable=False),
        sa.Column("hit_at_3", sa.Float, nullable=False),
        sa.Column("mrr", sa.Float, nullable=False),
        sa.Column("out_of_scope_declined", sa.Float, nullable=False),
        sa.Column("wrongly_declined", sa.Float, nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("report", sa.Text, nullable=False),
    )
    op.create_table(
        "reindex_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("started_at", sa.DateTime, nullable=False, index=True),
        sa.Column("finished_at", sa.DateTime, nullable=True),
        sa.Column("user", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("items", sa.Integer, nullable=True),
        sa.Column("passages", sa.Integer, nullable=True),
        sa.Column("seconds", sa.Float, nullable=True),
        sa.Column("hit_at_1_before", sa.Float, nullable=True),
        sa.Column("hit_at_1_after", sa.Float, nullable=True),
        sa.Column("forced_reason", sa.Text, nullable=True),
        sa.Column("message", sa.Text, nullable=True),
    )


def downgrade() -> None:
    for table in ("reindex_runs", "eval_runs", "questions", "login_attempts", "users"):
        op.drop_table(table)
