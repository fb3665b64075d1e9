"""Conversation state that must survive a restart, stored as JSON in the SQL layer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.sql import Database


class ConversationStore:
    """JSON documents keyed by conversation and user."""

    def __init__(self, db: Database) -> None:
        self._db = db

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
