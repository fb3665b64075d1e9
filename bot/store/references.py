"""Conversation references: how to reach a user first (reminders, follow-ups).

One row per user and conversation, holding the JSON the Agents SDK gives for a turn's
conversation (``Conversation.store_item_to_json()`` or a ConversationReference dump; the
store does not look inside), and the user's e-mail address when the bot knew it, so that
a person's data can be found by e-mail as well as by id.

Every turn offers its reference, and it is nearly always the one stored already. What this
instance wrote (or found current) in the last ``REMEMBERED_FOR`` is kept in memory, so such
a turn costs no statement at all. The cost of that: a reference another instance (or the
command line) marked dead or deleted in those minutes is only brought back by the sender's
first turn after them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from bot.store.database import Database
from bot.store.dialects import insert
from bot.store.schema import conversation_references as refs
from bot.store.schema import stamp

REMEMBERED_FOR = timedelta(minutes=10)
_KEEP_AT_MOST = 20_000  # (user, conversation) pairs held in memory; then it starts afresh


@dataclass(frozen=True, slots=True)
class StoredReference:
    """One stored reference."""

    user_id: str
    conversation_id: str
    email: str | None
    reference: dict[str, Any]
    updated_at: datetime
    dead_at: datetime | None = None  # Teams refused a message here (blocked, uninstalled)


class ConversationReferences:
    """Store, read and delete references per user (Entra object id)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        # (user id, conversation id) -> (reference JSON, e-mail, when it was last written or
        # found current by this instance).
        self._recent: dict[tuple[str, str], tuple[str, str | None, datetime]] = {}

    async def remember(
        self,
        user_id: str,
        conversation_id: str,
        reference: dict[str, Any],
        when: datetime,
        *,
        email: str | None = None,
    ) -> None:
        """Store (or replace) the reference of one user's conversation. Called on every
        turn, it writes only when something changed, or once a day (so that ``updated_at``
        says the conversation is in use)."""
        email = email.strip().casefold() if email else None
        text = json.dumps(reference, ensure_ascii=False, sort_keys=True)
        key = (user_id, conversation_id)
        recent = self._recent.get(key)
        if (
            recent is not None
            and recent[0] == text
            and (email is None or recent[1] == email)
            and timedelta(0) <= when - recent[2] < REMEMBERED_FOR
        ):
            return  # stored a moment ago, as it is now
        statement = insert(self._db.dialect, refs).values(
            user_id=user_id,
            conversation_id=conversation_id,
            email=email,
            reference=text,
            updated_at=stamp(when),
        )
        excluded = statement.excluded
        changed = [
            refs.c.reference != excluded.reference,
            refs.c.updated_at < stamp(when - timedelta(days=1)),
            # The user wrote again (reinstalled, unblocked): reachable again.
            refs.c.dead_at.is_not(None),
        ]
        if email:
            changed.append(or_(refs.c.email.is_(None), refs.c.email != excluded.email))
        statement = statement.on_conflict_do_update(
            index_elements=[refs.c.user_id, refs.c.conversation_id],
            # A turn that did not learn the e-mail address keeps the one known before.
            set_={
                "reference": excluded.reference,
                "updated_at": excluded.updated_at,
                "email": excluded.email if email else refs.c.email,
                "dead_at": None,
                "dead_reason": None,
            },
            where=or_(*changed),
        )
        await self._db.execute(statement)
        if len(self._recent) >= _KEEP_AT_MOST:
            self._recent.clear()
        known = email or (recent[1] if recent is not None else None)
        self._recent[key] = (text, known, when)

    async def for_user(self, user_id: str) -> list[StoredReference]:
        """A user's references, most recently used first."""
        rows = await self._db.fetchall(
            select(refs)
            .where(refs.c.user_id == user_id)
            .order_by(refs.c.updated_at.desc(), refs.c.conversation_id)
        )
        return [
            StoredReference(
                r.user_id,
                r.conversation_id,
                r.email,
                json.loads(r.reference),
                datetime.fromisoformat(r.updated_at),
                datetime.fromisoformat(r.dead_at) if r.dead_at else None,
            )
            for r in rows
        ]

    async def reachable(self, email: str) -> list[StoredReference]:
        """The references a person (by e-mail) can be written to first, most recently used
        first; those Teams refused are left out."""
        found: list[StoredReference] = []
        for user_id in await self.user_ids(email):
            found.extend(r for r in await self.for_user(user_id) if r.dead_at is None)
        return sorted(found, key=lambda r: r.updated_at, reverse=True)

    async def service_url(self) -> str | None:
        """The channel's serviceUrl of the most recently used conversation (Teams gives one
        per region; a chat the bot made by installing itself has none of its own)."""
        row = await self._db.fetchone(
            select(refs.c.reference).order_by(refs.c.updated_at.desc()).limit(1)
        )
        if row is None:
            return None
        url = json.loads(row.reference).get("serviceUrl")
        return str(url) if url else None

    async def mark_dead(
        self, user_id: str, conversation_id: str, reason: str, when: datetime
    ) -> int:
        """Teams refused a message in this conversation (403: blocked or uninstalled)."""
        self._recent.pop((user_id, conversation_id), None)  # the next turn revives it
        return await self._db.execute(
            update(refs)
            .where(refs.c.user_id == user_id, refs.c.conversation_id == conversation_id)
            .values(dead_at=stamp(when), dead_reason=reason[:200])
        )

    async def user_ids(self, email: str) -> list[str]:
        """The user ids a (case-insensitive) e-mail address was seen with."""
        rows = await self._db.fetchall(
            select(refs.c.user_id).where(refs.c.email == email.strip().casefold()).distinct()
        )
        return sorted(r.user_id for r in rows)

    async def names(self) -> dict[str, str]:
        """People's names by e-mail address, as Teams gave them with their last turn (the
        reference's ``user.name``), so reports name people rather than addresses."""
        rows = await self._db.fetchall(
            select(refs.c.email, refs.c.reference, refs.c.updated_at)
            .where(refs.c.email.is_not(None))
            .order_by(refs.c.updated_at)
        )
        found: dict[str, str] = {}
        for row in rows:  # oldest first: the newest name wins
            try:
                user = json.loads(row.reference).get("user") or {}
            except (ValueError, AttributeError):
                continue
            name = str(user.get("name") or "").strip() if isinstance(user, dict) else ""
            if name and row.email:
                found[row.email.strip().casefold()] = name
        return found

    async def forget(self, user_id: str, conversation_id: str | None = None) -> int:
        """Delete a user's references (one conversation, or all); return how many."""
        for key in [k for k in self._recent if k[0] == user_id]:
            if conversation_id is None or key[1] == conversation_id:
                del self._recent[key]
        statement = delete(refs).where(refs.c.user_id == user_id)
        if conversation_id is not None:
            statement = statement.where(refs.c.conversation_id == conversation_id)
        return await self._db.execute(statement)
