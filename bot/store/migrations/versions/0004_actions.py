"""The åtgärd log: the status of every åtgärd (Ej påbörjad / Pågår / Klar) as journalled.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add action_updates."""
    op.create_table(
        "action_updates",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("update_id", sa.Text, nullable=False, unique=True),
        sa.Column("plan_key", sa.Text, nullable=False),
        sa.Column("control_id", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("written_at", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "action_updates_slot", "action_updates", ["plan_key", "control_id", "year", "period"]
    )
    pending = sa.text("written_at IS NULL")
    op.create_index(
        "action_updates_pending",
        "action_updates",
        ["plan_key", "seq"],
        sqlite_where=pending,
        postgresql_where=pending,
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("action_updates")
