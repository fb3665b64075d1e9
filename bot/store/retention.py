"""Personal data kept no longer than needed: purge old history, forget a person.

The workbook is the kommun's record of the answers; the store's copies of them (the
journal history) and its conversation data are removed after the kommun's retention. A
pending answer, not yet in its workbook, is never removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, or_, select

from bot.store.database import Database
from bot.store.schema import (
    answers,
    conversation_references,
    conversation_state,
    reminder_outbox,
)


@dataclass(frozen=True, slots=True)
class Purged:
    """How many rows ``purge`` removed, and how many old answers it kept (pending)."""

    answers: int
    conversations: int
    references: int
    kept_pending: int


async def purge(db: Database, before_year: int) -> Purged:
    """Remove written answers of periods before ``before_year`` and conversation data last
    touched before that year began."""
    cutoff = f"{before_year:04d}-01-01"
    old_answers = answers.c.year < before_year

    def unit(conn: Connection) -> Purged:
        removed = conn.execute(
            delete(answers).where(old_answers, answers.c.written_at.is_not(None))
        )
        kept = conn.scalar(select(func.count()).select_from(answers).where(old_answers))
        states = conn.execute(
            delete(conversation_state).where(conversation_state.c.updated_at < cutoff)
        )
        refs = conn.execute(
            delete(conversation_references).where(conversation_references.c.updated_at < cutoff)
        )
        # Reminders of those periods (settled ones: a waiting reminder is kept).
        conn.execute(
            delete(reminder_outbox).where(
                reminder_outbox.c.year < before_year, reminder_outbox.c.done_at.is_not(None)
            )
        )
        return Purged(removed.rowcount, states.rowcount, refs.rowcount, int(kept or 0))

    return await db.run(unit, write=True)


@dataclass(frozen=True, slots=True)
class Forgotten:
    """The user ids ``forget`` found, and how many rows it removed."""

    user_ids: tuple[str, ...]
    conversations: int
    references: int


async def forget(db: Database, who: str) -> Forgotten:
    """Remove a person's conversation state and references, by Entra object id, Teams user
    id or e-mail address (found through the references that recorded it)."""
    who = who.strip()
    refs = conversation_references
    state = conversation_state

    def unit(conn: Connection) -> Forgotten:
        ids = {who}
        if "@" in who:
            found = conn.execute(
                select(refs.c.user_id).where(refs.c.email == who.casefold()).distinct()
            )
            ids = {row.user_id for row in found}
        if not ids:
            return Forgotten((), 0, 0)
        # The reminders addressed to them (by the e-mail addresses the references knew).
        emails = {who.casefold()} if "@" in who else set()
        found_emails = conn.execute(
            select(refs.c.email).where(refs.c.user_id.in_(sorted(ids)), refs.c.email.is_not(None))
        )
        emails |= {row.email for row in found_emails}
        if emails:
            conn.execute(delete(reminder_outbox).where(reminder_outbox.c.recipient.in_(emails)))
        # State is keyed "conversation|user" (the user's object id, or the Teams id).
        keys = [state.c.key.endswith(f"|{user}", autoescape=True) for user in ids]
        states = conn.execute(delete(state).where(or_(*keys)))
        removed = conn.execute(delete(refs).where(refs.c.user_id.in_(sorted(ids))))
        return Forgotten(tuple(sorted(ids)), states.rowcount, removed.rowcount)

    return await db.run(unit, write=True)
