"""Drafts: what a person had typed on an answer card when they went back to the list."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Connection, and_, bindparam, delete, select

from bot.domain.drafts import Draft
from bot.domain.model import Answer, ControlKey
from bot.domain.periods import Term
from bot.store.database import Database
from bot.store.dialects import insert
from bot.store.prepared import Prepared
from bot.store.schema import drafts, stamp


def _slot(person: str, key: ControlKey, term: Term) -> dict[str, object]:
    return {
        "person": person.strip().casefold(),
        "plan_key": key.plan_key,
        "control_id": key.control_id,
        "year": term.year,
        "period": term.period.value,
    }


# A draft's slot: whose, which control, which term (the table's unique key).
SLOT_COLUMNS = ("person", "plan_key", "control_id", "year", "period")
# Built once, values as parameters: building a statement costs more than running it.
_WHERE = and_(*(drafts.c[name] == bindparam(name) for name in SLOT_COLUMNS))
_GET = Prepared(select(drafts).where(_WHERE))
_DELETE = Prepared(delete(drafts).where(_WHERE))


class Drafts:
    """One draft per person, control and term; saving again replaces it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, person: str, key: ControlKey, term: Term, draft: Draft) -> None:
        """Keep (or replace) a person's draft for a control in a term."""
        when = draft.saved_at
        assert when is not None, "a stored draft has a time"
        document = json.dumps(
            {"values": dict(draft.values), "base": draft.base}, ensure_ascii=False
        )
        statement = insert(self._db.dialect, drafts).values(
            **_slot(person, key, term), draft=document, saved_at=stamp(when)
        )
        statement = statement.on_conflict_do_update(
            index_elements=[drafts.c[name] for name in SLOT_COLUMNS],
            set_={"draft": statement.excluded.draft, "saved_at": statement.excluded.saved_at},
        )
        await self._db.execute(statement)

    async def get(self, person: str, key: ControlKey, term: Term) -> Draft | None:
        """The person's draft for a control in a term, if one is kept."""
        slot = _slot(person, key, term)
        row = await self._db.run(lambda conn: _GET.first(conn, slot))
        if row is None:
            return None
        data = json.loads(row.draft)
        values = {str(k): str(v) for k, v in dict(data.get("values") or {}).items()}
        base = data.get("base")
        return Draft(
            values, base if isinstance(base, str) else None, datetime.fromisoformat(row.saved_at)
        )

    async def delete(self, person: str, key: ControlKey, term: Term) -> None:
        """Forget the draft (the answer was saved from it)."""
        slot = _slot(person, key, term)
        await self._db.run(lambda conn: _DELETE.run(conn, slot), write=True)


def forget_draft(conn: Connection, person: str, answer: Answer) -> None:
    """Forget the person's draft of the slot an answer was saved for, inside the unit of
    work that saves the answer (``Journal.append_unless_newer``)."""
    _DELETE.run(conn, _slot(person, answer.control_key, Term(answer.year, answer.period)))
