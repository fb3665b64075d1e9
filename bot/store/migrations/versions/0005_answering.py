"""Answering you can trust: drafts kept on "Tillbaka", and underlag attached to answers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add drafts and evidence."""
    op.create_table(
        "drafts",
        sa.Column("person", sa.Text, primary_key=True),
        sa.Column("plan_key", sa.Text, primary_key=True),
        sa.Column("control_id", sa.Text, primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("period", sa.Text, primary_key=True),
        sa.Column("draft", sa.Text, nullable=False),
        sa.Column("saved_at", sa.Text, nullable=False),
    )
    op.create_table(
        "evidence",
        sa.Column("evidence_id", sa.Text, primary_key=True),
        sa.Column("plan_key", sa.Text, nullable=False),
        sa.Column("control_id", sa.Text, nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("added_by", sa.Text, nullable=False),
        sa.Column("added_at", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("size", sa.Integer),
    )
    op.create_index("evidence_slot", "evidence", ["plan_key", "control_id", "year", "period"])


def downgrade() -> None:
    """Drop them."""
    op.drop_table("evidence")
    op.drop_table("drafts")
