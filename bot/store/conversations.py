"""Conversation state that must survive a restart, stored as JSON in the SQL layer."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.database import Database
from bot.store.dialects import insert, lock_key
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
        async with self._db.write() as conn:
            # A lock rather than compare-and-swap: ``change`` may have effects (the turn's
            # replies), so it must not run twice.
            await lock_key(conn, self._db.dialect, f"conversation:{key}")
            stored = await _load(conn, key)
            before = stored or {}
            after = change(dict(before))  # a change made in place still counts
            if after != before:
                await self._save(conn, key, after, when, exists=stored is not None)
        return after

    async def load(self, key: str) -> dict[str, Any]:
        """The stored state, or an empty dict."""
        async with self._db.read() as conn:
            return await _load(conn, key) or {}

    async def save(self, key: str, state: dict[str, Any], when: datetime) -> None:
        """Replace the stored state."""
        async with self._db.write() as conn:
            await lock_key(conn, self._db.dialect, f"conversation:{key}")
            await self._save(conn, key, state, when, exists=await _load(conn, key) is not None)

    async def _save(
        self,
        conn: AsyncConnection,
        key: str,
        state: dict[str, Any],
        when: datetime,
        *,
        exists: bool,
    ) -> None:
        values = {"state": json.dumps(state, ensure_ascii=False), "updated_at": stamp(when)}
        if exists:
            table = conversation_state
            await conn.execute(update(table).where(table.c.key == key).values(**values))
        else:
            statement = insert(self._db.dialect, conversation_state).values(key=key, **values)
            await conn.execute(statement)


async def _load(conn: AsyncConnection, key: str) -> dict[str, Any] | None:
    """The stored state, or None when there is none (not even an empty one)."""
    row = (
        await conn.execute(
            select(conversation_state.c.state).where(conversation_state.c.key == key)
        )
    ).first()
    return None if row is None else dict(json.loads(row.state))
