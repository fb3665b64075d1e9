"""Reminders: the outbox (each reminder sent exactly once) and dead conversation references.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add reminder_outbox, and the dead mark on conversation_references."""
    op.create_table(
        "reminder_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("recipient", sa.Text, nullable=False),
        sa.Column("plan_key", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("due_on", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("lease_until", sa.Text),
        sa.Column("sending_at", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent_at", sa.Text),
        sa.Column("done_at", sa.Text),
        sa.Column("outcome", sa.Text),
        sa.Column("last_error", sa.Text),
        sa.UniqueConstraint(
            "kind", "recipient", "plan_key", "year", "period", "stage", name="reminder_outbox_once"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "reminder_outbox_pending",
        "reminder_outbox",
        ["recipient", "id"],
        sqlite_where=sa.text("done_at IS NULL"),
        postgresql_where=sa.text("done_at IS NULL"),
    )
    with op.batch_alter_table("conversation_references") as batch:
        batch.add_column(sa.Column("dead_at", sa.Text))
        batch.add_column(sa.Column("dead_reason", sa.Text))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("conversation_references") as batch:
        batch.drop_column("dead_reason")
        batch.drop_column("dead_at")
    op.drop_index("reminder_outbox_pending", table_name="reminder_outbox")
    op.drop_table("reminder_outbox")
