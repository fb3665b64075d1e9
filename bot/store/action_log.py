"""The åtgärd log: every status set on an åtgärd, durably, before anyone is told it is saved.

Like the answer journal it keeps every version; the workbook's Åtgärder sheet gets the
newest per slot. An update is "pending" until the writer has put its row into the sheet.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update
from sqlalchemy.exc import SQLAlchemyError

from bot.domain.followup import ActionStatus, Slot, StatusUpdate
from bot.domain.model import Action, ControlKey, Period
from bot.store.database import Database
from bot.store.dialects import in_list, insert, list_param
from bot.store.schema import action_updates

_T = action_updates


def _from_row(row: Row[Any]) -> StatusUpdate:
    action = json.loads(row.action)
    return StatusUpdate(
        update_id=row.update_id,
        plan_key=row.plan_key,
        control_id=row.control_id,
        year=int(row.year),
        period=Period(row.period),
        status=ActionStatus(row.status),
        comment=row.comment,
        updated_by=row.updated_by,
        updated_at=datetime.fromisoformat(row.updated_at),
        action=Action(
            action["text"],
            action["owner"],
            date.fromisoformat(action["due"]) if action.get("due") else None,
        ),
    )


def _to_row(u: StatusUpdate) -> dict[str, Any]:
    action = {
        "text": u.action.text,
        "owner": u.action.owner,
        "due": u.action.due.isoformat() if u.action.due else None,
    }
    return {
        "update_id": u.update_id,
        "plan_key": u.plan_key,
        "control_id": u.control_id,
        "year": u.year,
        "period": u.period.value,
        "status": u.status.value,
        "comment": u.comment,
        "updated_by": u.updated_by,
        "updated_at": u.updated_at.isoformat(),
        "action": json.dumps(action, ensure_ascii=False),
        "written_at": None,
    }


class ActionLog:
    """Durable, append-only store of åtgärd status updates, over the SQL layer."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._append = insert(db.dialect, _T).on_conflict_do_nothing(
            index_elements=[_T.c.update_id]
        )

    async def available(self) -> bool:
        """Whether the store has the log: one the bot has not upgraded since åtgärder were
        followed (read as it is by ``ikbot status``) has no statuses to give."""
        try:
            await self._db.fetchone(select(_T.c.seq).limit(1))
        except SQLAlchemyError:
            return False
        return True

    async def append(self, status: StatusUpdate) -> bool:
        """Store an update; False (and nothing changed) if its id is already stored."""
        return await self._db.execute(self._append, _to_row(status)) == 1

    async def get(self, update_id: str) -> StatusUpdate | None:
        """The update with this id, if stored."""
        row = await self._db.fetchone(select(_T).where(_T.c.update_id == update_id))
        return _from_row(row) if row else None

    async def latest(self, plan_keys: Collection[str]) -> dict[Slot, StatusUpdate]:
        """The newest update per åtgärd in these workbooks (later entries win ties)."""
        if not plan_keys:
            return {}
        dialect = self._db.dialect
        statement = select(_T).where(in_list(dialect, _T.c.plan_key, "plans")).order_by(_T.c.seq)
        rows = await self._db.fetchall(statement, {"plans": list_param(dialect, sorted(plan_keys))})
        return newest(_from_row(r) for r in rows)

    async def history(self, slot: Slot) -> list[StatusUpdate]:
        """Every update of one åtgärd, oldest first."""
        key, year, period = slot
        rows = await self._db.fetchall(
            select(_T)
            .where(
                _T.c.plan_key == key.plan_key,
                _T.c.control_id == key.control_id,
                _T.c.year == year,
                _T.c.period == period.value,
            )
            .order_by(_T.c.seq)
        )
        return [_from_row(r) for r in rows]

    async def pending_plans(self) -> list[str]:
        """The workbooks that have updates waiting to be written."""
        rows = await self._db.fetchall(
            select(_T.c.plan_key).where(_T.c.written_at.is_(None)).distinct()
        )
        return sorted(r.plan_key for r in rows)

    async def pending(self, plan_key: str, limit: int) -> list[StatusUpdate]:
        """The oldest updates waiting to be written into one workbook."""
        rows = await self._db.fetchall(
            select(_T)
            .where(_T.c.plan_key == plan_key, _T.c.written_at.is_(None))
            .order_by(_T.c.seq)
            .limit(limit)
        )
        return [_from_row(r) for r in rows]

    async def mark_written(self, update_ids: Sequence[str], when: datetime) -> None:
        """Record that these updates are in their workbook's Åtgärder sheet."""
        if not update_ids:
            return
        dialect = self._db.dialect

        def mark(conn: Connection) -> None:
            conn.execute(
                update(_T)
                .where(in_list(dialect, _T.c.update_id, "ids"))
                .where(_T.c.written_at.is_(None))
                .values(written_at=when.isoformat()),
                {"ids": list_param(dialect, list(update_ids))},
            )

        await self._db.run(mark, write=True)


def newest(updates: Iterable[StatusUpdate]) -> dict[Slot, StatusUpdate]:
    """The newest update per slot (by time; later items win ties)."""
    found: dict[Slot, StatusUpdate] = {}
    for u in updates:
        current = found.get(u.slot)
        if current is None or u.updated_at >= current.updated_at:
            found[u.slot] = u
    return found


def slot_of(key: ControlKey, year: int, period: Period) -> Slot:
    """A slot from its parts."""
    return (key, year, period)
