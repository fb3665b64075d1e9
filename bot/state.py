"""Conversation state that must survive a restart, stored as JSON in the SQL layer."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.sql import Database


class ConversationStore:
    """JSON documents keyed by conversation and user."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # One lock per key while someone holds or waits for it (weak: no growth).
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def update(
        self, key: str, change: Callable[[dict[str, Any]], dict[str, Any]], when: datetime
    ) -> dict[str, Any]:
        """Load, change and save one key's state with no other update of the same key in
        between (Teams sends installationUpdate and conversationUpdate at the same moment:
        two interleaved turns would both see "not welcomed"). Returns the new state."""
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        async with lock:
            before = await self.load(key)
            after = change(before)
            if after != before:
                await self.save(key, after, when)
        return after

    async def load(self, key: str) -> dict[str, Any]:
        """The stored state, or an empty dict."""
        row = await self._db.fetchone("SELECT state FROM conversation_state WHERE key = ?", (key,))
        return json.loads(row[0]) if row else {}

    async def save(self, key: str, state: dict[str, Any], when: datetime) -> None:
        """Replace the stored state."""
        await self._db.execute(
            "INSERT INTO conversation_state (key, state, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
            "updated_at = excluded.updated_at",
            (key, json.dumps(state, ensure_ascii=False), when.isoformat()),
        )
