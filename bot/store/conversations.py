"""Conversation state that must survive a restart, stored as JSON in the SQL layer."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select

from bot.store.database import Database
from bot.store.dialects import insert, lock_key
from bot.store.prepared import Prepared
from bot.store.schema import conversation_state, stamp


class ConversationStore:
    """JSON documents keyed by conversation and user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def update(
        self, key: str, change: Callable[[dict[str, Any]], dict[str, Any]], when: datetime
    ) -> dict[str, Any]:
        """Load, change and save one key's state with no other update of the same key in
        between, in this instance or any other sharing the database (Teams sends
        installationUpdate and conversationUpdate at the same moment, possibly to two
        instances: two interleaved turns would both see "not welcomed"). ``change`` is
        called exactly once. Returns the new state."""
        dialect = self._db.dialect

        def unit(conn: Connection) -> dict[str, Any]:
            # A lock rather than compare-and-swap: ``change`` may have effects (the turn's
            # replies), so it must not run twice.
            lock_key(conn, dialect, f"conversation:{key}")
            stored = _load(conn, key)
            before = stored or {}
            after = change(dict(before))  # a change made in place still counts
            if after != before:
                _upsert(dialect).run(conn, _values(key, after, when))
            return after

        return await self._db.run(unit, write=True)

    async def load(self, key: str) -> dict[str, Any]:
        """The stored state, or an empty dict."""
        return await self._db.run(lambda conn: _load(conn, key) or {})

    async def save(
        self, key: str, state: dict[str, Any], when: datetime, *, durable: bool = True
    ) -> None:
        """Replace the stored state: one statement (an upsert), so nothing can come between
        a look and the write, on either engine, and no lock is needed. ``durable=False``:
        the state may be lost in a power cut (``Database.run``)."""
        values = _values(key, state, when)
        upsert = _upsert(self._db.dialect)
        await self._db.run(lambda conn: upsert.run(conn, values), write=True, durable=durable)


def _values(key: str, state: dict[str, Any], when: datetime) -> dict[str, Any]:
    """A state as the row's parameters."""
    return {"key": key, "state": json.dumps(state, ensure_ascii=False), "updated_at": stamp(when)}


def _load(conn: Connection, key: str) -> dict[str, Any] | None:
    """The stored state, or None when there is none (not even an empty one)."""
    row = conn.execute(_LOAD, {"key": key}).first()
    return None if row is None else dict(json.loads(row.state))


_table = conversation_state
_LOAD = select(_table.c.state).where(_table.c.key == bindparam("key"))


@functools.cache  # one statement per dialect, built when first needed
def _upsert(dialect: str) -> Prepared:
    statement = insert(dialect, _table)
    return Prepared(
        statement.on_conflict_do_update(
            index_elements=[_table.c.key],
            set_={"state": statement.excluded.state, "updated_at": statement.excluded.updated_at},
        )
    )
