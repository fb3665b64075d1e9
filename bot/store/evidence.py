"""Underlag (evidence) attached to a control in a term: what, where, by whom, when."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select

from bot.domain.model import ControlKey
from bot.domain.periods import Term
from bot.store.database import Database
from bot.store.prepared import Prepared
from bot.store.schema import evidence, stamp


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One file or link attached to a control in a term."""

    name: str
    kind: str  # "file" or "link"
    location: str  # a URL (SharePoint, or file: beside a local workbook), or the link
    added_by: str
    added_at: datetime
    size: int | None = None


# Built once, values as parameters: building a statement costs more than running it.
_FOR_SLOT = Prepared(
    select(evidence)
    .where(
        evidence.c.plan_key == bindparam("plan"),
        evidence.c.control_id == bindparam("control"),
        evidence.c.year == bindparam("year"),
        evidence.c.period == bindparam("period"),
    )
    .order_by(evidence.c.added_at, evidence.c.evidence_id)
)


class EvidenceStore:
    """The evidence table."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, key: ControlKey, term: Term, item: EvidenceItem) -> None:
        """Record one attached file or link."""
        await self._db.execute(
            insert(evidence).values(
                evidence_id=secrets.token_hex(16),
                plan_key=key.plan_key,
                control_id=key.control_id,
                year=term.year,
                period=term.period.value,
                added_by=item.added_by,
                added_at=stamp(item.added_at),
                name=item.name,
                kind=item.kind,
                location=item.location,
                size=item.size,
            )
        )

    async def for_slot(self, key: ControlKey, term: Term) -> list[EvidenceItem]:
        """Everything attached to a control in a term, oldest first."""
        slot = {
            "plan": key.plan_key,
            "control": key.control_id,
            "year": term.year,
            "period": term.period.value,
        }
        rows = await self._db.run(lambda conn: _FOR_SLOT.rows(conn, slot))
        return [
            EvidenceItem(
                r.name,
                r.kind,
                r.location,
                r.added_by,
                datetime.fromisoformat(r.added_at),
                r.size,
            )
            for r in rows
        ]
