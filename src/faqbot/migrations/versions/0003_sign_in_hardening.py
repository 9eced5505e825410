"""Sign-in that holds: a session version per account, failure counters per account name and
client, and sign-in attempts stored with the client address instead of the typed name.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        # Raised at sign-out and at a password change: every session signed with an older
        # version ends.
        batch.add_column(sa.Column("session_version", sa.Integer, nullable=False, server_default="0"))
    # The name column held whatever was typed at sign-in (sometimes a password): it goes, with
    # the rows' names.
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_index("ix_login_attempts_name")
        batch.drop_column("name")
        batch.add_column(sa.Column("client", sa.String(64), nullable=False, server_default=""))
    op.create_table(
        "login_failures",
        # A keyed hash of the typed name and the client address: no name is readable here.
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("window_start", sa.DateTime, nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    with op.batch_alter_table("login_attempts") as batch:
        batch.drop_column("client")
        batch.add_column(sa.Column("name", sa.String(80), nullable=False, server_default=""))
        batch.create_index("ix_login_attempts_name", ["name"])
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
