"""The SQL store: database and dialects, schema migrations, the answer journal, conversation
state and references, leases, and retention (SQLAlchemy Core; SQLite or PostgreSQL)."""
