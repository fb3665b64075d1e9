"""The reminder outbox: every reminder is a row, and each row is sent at most once.

A sweep adds the reminders that have come due (a row that exists is left alone: the
unique key is kind, recipient, plan, year, period and stage), then claims each
recipient's pending rows with a lease (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so that
two instances never claim the same row), marks them ``sending`` just before the message
goes out and ``sent`` after Teams' 2xx. A row whose lease ran out while it was being sent
(the instance died in between) is never sent again: it is closed as ``uncertain``, so a
crash can lose one reminder (the next stage follows) but never send one twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from bot.store.database import Database
from bot.store.dialects import insert
from bot.store.schema import reminder_outbox as outbox
from bot.store.schema import stamp

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5  # sweeps that may try a row whose sends failed before it is given up


@dataclass(frozen=True, slots=True)
class Entry:
    """A reminder to add (its unique key, the day its stage came, and what it is about)."""

    kind: str
    recipient: str
    plan_key: str
    year: int
    period: str
    stage: str
    due_on: date
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Row:
    """A reminder as stored."""

    id: int
    kind: str
    recipient: str
    plan_key: str
    year: int
    period: str
    stage: str
    due_on: date
    payload: dict[str, Any]
    attempts: int
    sent_at: datetime | None
    outcome: str | None


def _row(r: Any) -> Row:
    return Row(
        r.id,
        r.kind,
        r.recipient,
        r.plan_key,
        r.year,
        r.period,
        r.stage,
        date.fromisoformat(r.due_on),
        json.loads(r.payload),
        r.attempts,
        datetime.fromisoformat(r.sent_at) if r.sent_at else None,
        r.outcome,
    )


def _pending(now: datetime) -> Any:
    return and_(
        outbox.c.done_at.is_(None),
        outbox.c.sending_at.is_(None),
        or_(outbox.c.lease_until.is_(None), outbox.c.lease_until < stamp(now)),
    )


class Outbox:
    """Add, claim and close reminders for one owner (this instance)."""

    def __init__(self, db: Database, owner: str, *, lease: timedelta = LEASE) -> None:
        self._db = db
        self.owner = owner
        self.lease = lease

    async def add(self, entries: Sequence[Entry], now: datetime) -> int:
        """Store the reminders not stored before; return how many were new."""
        if not entries:
            return 0
        values = [
            {
                "kind": e.kind,
                "recipient": e.recipient,
                "plan_key": e.plan_key,
                "year": e.year,
                "period": e.period,
                "stage": e.stage,
                "due_on": e.due_on.isoformat(),
                "payload": json.dumps(e.payload, ensure_ascii=False, sort_keys=True),
                "created_at": stamp(now),
                "attempts": 0,
            }
            for e in entries
        ]
        statement = insert(self._db.dialect, outbox).on_conflict_do_nothing(
            index_elements=[
                outbox.c.kind,
                outbox.c.recipient,
                outbox.c.plan_key,
                outbox.c.year,
                outbox.c.period,
                outbox.c.stage,
            ]
        )

        def work(conn: Connection) -> int:
            added = 0
            for start in range(0, len(values), 500):
                added += conn.execute(statement, values[start : start + 500]).rowcount
            return added

        return await self._db.run(work, write=True)

    async def close_abandoned(self, now: datetime) -> int:
        """Close the rows an instance died while sending (never resent: ``uncertain``)."""
        return await self._db.execute(
            update(outbox)
            .where(
                outbox.c.done_at.is_(None),
                outbox.c.sending_at.is_not(None),
                outbox.c.lease_until < stamp(now),
            )
            .values(done_at=stamp(now), outcome="uncertain")
        )

    async def recipients(self, now: datetime, kinds: Sequence[str] | None = None) -> list[str]:
        """Everyone with a reminder waiting and free to claim."""
        query = select(outbox.c.recipient).where(_pending(now)).distinct()
        if kinds is not None:
            query = query.where(outbox.c.kind.in_(list(kinds)))
        rows = await self._db.fetchall(query.order_by(outbox.c.recipient))
        return [r.recipient for r in rows]

    async def claim(
        self, recipient: str, now: datetime, kinds: Sequence[str] | None = None
    ) -> list[Row]:
        """Take every waiting reminder of one recipient (see ``claim_many``)."""
        return (await self.claim_many([recipient], now, kinds))[recipient]

    async def claim_many(
        self, recipients: Sequence[str], now: datetime, kinds: Sequence[str] | None = None
    ) -> dict[str, list[Row]]:
        """Take every waiting reminder of these recipients, in one transaction, to send now
        (rows another instance holds are skipped): from here on a row is never claimed
        again; if this instance dies before it is sent, it is closed as ``uncertain``."""
        statements = []
        for recipient in recipients:
            chosen = select(outbox.c.id).where(outbox.c.recipient == recipient, _pending(now))
            if kinds is not None:
                chosen = chosen.where(outbox.c.kind.in_(list(kinds)))
            chosen = chosen.with_for_update(skip_locked=True)
            statements.append(
                (
                    recipient,
                    update(outbox)
                    .where(outbox.c.id.in_(chosen.scalar_subquery()))
                    .values(
                        owner=self.owner,
                        lease_until=stamp(now + self.lease),
                        sending_at=stamp(now),
                    )
                    .returning(*outbox.c),
                )
            )

        def work(conn: Connection) -> dict[str, list[Row]]:
            return {
                recipient: sorted((_row(r) for r in conn.execute(statement)), key=lambda r: r.id)
                for recipient, statement in statements
            }

        return await self._db.run(work, write=True)

    async def sending(self, ids: Sequence[int], now: datetime) -> int:
        """Mark claimed rows as being sent now (only those still this owner's)."""
        return await self._mine(ids, now, sending_at=stamp(now))

    async def sent(self, ids: Sequence[int], now: datetime) -> int:
        """Teams took the message: the rows are done."""
        return await self._mine(ids, now, sent_at=stamp(now), done_at=stamp(now), outcome="sent")

    async def close(self, ids: Sequence[int], now: datetime, outcome: str) -> int:
        """Nothing more to send for these rows (``answered``, ``unreachable``, ``failed``)."""
        return await self._mine(ids, now, done_at=stamp(now), outcome=outcome)

    async def release(self, ids: Sequence[int], now: datetime, error: str) -> int:
        """A send failed for a passing reason: free the rows for a later sweep, or give
        them up after ``MAX_ATTEMPTS``."""

        def work(conn: Connection) -> int:
            mine = and_(outbox.c.id.in_(list(ids)), outbox.c.owner == self.owner)
            conn.execute(
                update(outbox)
                .where(mine)
                .values(attempts=outbox.c.attempts + 1, sending_at=None, last_error=error[:500])
            )
            given_up = conn.execute(
                update(outbox)
                .where(mine, outbox.c.attempts >= MAX_ATTEMPTS, outbox.c.done_at.is_(None))
                .values(done_at=stamp(now), outcome="failed")
            ).rowcount
            conn.execute(update(outbox).where(mine).values(owner=None, lease_until=None))
            return given_up

        return await self._db.run(work, write=True)

    async def _mine(self, ids: Sequence[int], _now: datetime, **values: Any) -> int:
        if not ids:
            return 0
        return await self._db.execute(
            update(outbox)
            .where(outbox.c.id.in_(list(ids)), outbox.c.owner == self.owner)
            .values(**values)
        )

    async def rows(self, kind: str | None = None) -> list[Row]:
        """Every row (oldest first), for the dry run, tests and figures."""
        query = select(outbox).order_by(outbox.c.id)
        if kind is not None:
            query = query.where(outbox.c.kind == kind)
        return [_row(r) for r in await self._db.fetchall(query)]

    async def recipients_of(
        self, kind: str, plan_key: str, year: int, period: str, stage: str
    ) -> dict[str, str | None]:
        """Who has a row with this key but for the recipient, and its outcome (None: not
        done yet)."""
        rows = await self._db.fetchall(
            select(outbox.c.recipient, outbox.c.outcome).where(
                outbox.c.kind == kind,
                outbox.c.plan_key == plan_key,
                outbox.c.year == year,
                outbox.c.period == period,
                outbox.c.stage == stage,
            )
        )
        return {r.recipient: r.outcome for r in rows}

    async def sent_count(self) -> int:
        """How many rows were sent."""
        row = await self._db.fetchone(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_not(None))
        )
        return int(row[0]) if row else 0
