"""Alembic migrations of the store's schema (run by ``bot.store.migrate``, not by an ini file)."""
