"""Alembic's environment: migrate the connection ``bot.store.migrate`` hands over.

The caller has begun the transaction (and, on PostgreSQL, taken the migration lock), so
the whole upgrade commits or rolls back as one.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    # SQLite alters a table by copying it ("batch" mode); PostgreSQL alters in place.
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
