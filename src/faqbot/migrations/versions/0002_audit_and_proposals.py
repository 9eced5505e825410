"""One audit trail for every reindex (trigger, reason, generation, content version), and
proposals for the staff question set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reindex_runs") as batch:
        batch.add_column(sa.Column("trigger", sa.String(20), nullable=False, server_default="konsole"))
        batch.add_column(sa.Column("reason", sa.Text, nullable=True))
        batch.add_column(sa.Column("generation", sa.String(60), nullable=True))
        batch.add_column(sa.Column("content_version", sa.String(40), nullable=True))
    op.create_table(
        "question_proposals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("proposed_at", sa.DateTime, nullable=False, index=True),
        sa.Column("user", sa.String(80), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("expect", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("decided_at", sa.DateTime, nullable=True),
        sa.Column("decided_by", sa.String(80), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("question_proposals")
    with op.batch_alter_table("reindex_runs") as batch:
        for column in ("content_version", "generation", "reason", "trigger"):
            batch.drop_column(column)
