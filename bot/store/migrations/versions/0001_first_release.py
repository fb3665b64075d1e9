"""The schema of the first release: the answer journal, writer state, conversation state.

A SQLite file written by that release (before the store had migrations) has exactly these
tables and is adopted by stamping this revision (``bot.store.migrate``).

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the first release's tables."""
    op.create_table(
        "answers",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("answer_id", sa.Text, nullable=False, unique=True),
        sa.Column("plan_key", sa.Text, nullable=False),
        sa.Column("control_id", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("answered_by", sa.Text, nullable=False),
        sa.Column("answered_at", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("written_at", sa.Text),
        sqlite_autoincrement=True,
    )
    op.create_index("answers_slot", "answers", ["plan_key", "control_id", "year", "period"])
    pending = sa.text("written_at IS NULL")
    op.create_index(
        "answers_pending",
        "answers",
        ["plan_key", "seq"],
        sqlite_where=pending,
        postgresql_where=pending,
    )
    op.create_table(
        "writer_state",
        sa.Column("plan_key", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("retry_at", sa.Text, nullable=False),
        sa.Column("last_error", sa.Text, nullable=False),
    )
    op.create_table(
        "conversation_state",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Text, nullable=False),
    )


def downgrade() -> None:
    """Drop everything."""
    op.drop_table("conversation_state")
    op.drop_table("writer_state")
    op.drop_table("answers")
