"""The answer journal: every accepted answer, durably, before anyone is told it is saved.

The journal keeps every version (the history: who, when, what); the workbook gets the
newest per (ID, År, Period). An entry is "pending" until the writer has put it into its
workbook.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, func, select, text, update

from bot.domain.model import Action, Answer, ControlKey, Period, newest_per_slot
from bot.store.database import Database
from bot.store.dialects import in_list, insert, list_param
from bot.store.drafts import forget_draft
from bot.store.prepared import Prepared
from bot.store.schema import answers, writer_state

_COLUMNS = (
    answers.c.answer_id,
    answers.c.plan_key,
    answers.c.control_id,
    answers.c.year,
    answers.c.period,
    answers.c.answered_by,
    answers.c.answered_at,
    answers.c.payload,
    answers.c.written_at,
)


_SELECT: Select[Any] = select(*_COLUMNS)
_GET = Prepared(_SELECT.where(answers.c.answer_id == bindparam("id")))
_WRITTEN_AT = select(answers.c.written_at).where(answers.c.answer_id == bindparam("id"))
_WRITER_STATE = Prepared(select(writer_state).where(writer_state.c.plan_key == bindparam("plan")))


def answer_to_json(answer: Answer) -> str:
    """The journal's payload: the whole answer as JSON."""
    action = answer.action
    return json.dumps(
        {
            "outcome": answer.outcome,
            "checked": answer.checked,
            "deviations": answer.deviations,
            "observations": answer.observations,
            "analysis": answer.analysis,
            "continuation": answer.continuation,
            "action": None
            if action is None
            else {
                "text": action.text,
                "owner": action.owner,
                "due": action.due.isoformat() if action.due else None,
            },
            **({"evidence": list(answer.evidence)} if answer.evidence else {}),
            **({"days_late": answer.days_late} if answer.days_late else {}),
        },
        ensure_ascii=False,
    )


def _row_fields(row: Any) -> tuple[str, str, str, int, str, str, str, str]:
    """A journal row's stored answer, in ``_decode``'s order."""
    return (
        row.answer_id,
        row.plan_key,
        row.control_id,
        row.year,
        row.period,
        row.answered_by,
        row.answered_at,
        row.payload,
    )


def _answer_from_row(row: Any) -> Answer:
    return _decode(*_row_fields(row))


def _cached_answer(row: Any) -> Answer:
    """``_answer_from_row`` for a turn's reads: a journalled answer never changes (only its
    written_at, which is not part of it), so the same row read again is decoded once. The
    key is the whole stored answer, so a row that differs is never taken for another."""
    return _decode_cached(*_row_fields(row))


def _decode(
    answer_id: str,
    plan_key: str,
    control_id: str,
    year: int,
    period: str,
    answered_by: str,
    answered_at: str,
    payload: str,
) -> Answer:
    data = json.loads(payload)
    action = data.get("action")
    return Answer(
        answer_id=answer_id,
        plan_key=plan_key,
        control_id=control_id,
        year=int(year),
        period=Period(period),
        outcome=data["outcome"],
        answered_by=answered_by,
        answered_at=datetime.fromisoformat(answered_at),
        checked=data.get("checked"),
        deviations=data.get("deviations"),
        observations=data.get("observations", ""),
        analysis=data.get("analysis", ""),
        continuation=data.get("continuation", ""),
        action=None
        if action is None
        else Action(
            action["text"],
            action["owner"],
            date.fromisoformat(action["due"]) if action.get("due") else None,
        ),
        evidence=tuple(str(link) for link in data.get("evidence") or ()),
        days_late=int(data.get("days_late") or 0),
    )


# The answers turns read again and again (a person's own controls, a card opened and
# saved): a few thousand decoded answers, some MB at most.
_decode_cached = lru_cache(maxsize=4096)(_decode)


@dataclass(frozen=True, slots=True)
class JournalDelta:
    """What ``Journal.since`` read: the answers stored after a sequence number (with their
    numbers, oldest first), how many answers the workbooks have in all, and which of them
    still wait to be written."""

    entries: tuple[tuple[int, Answer], ...]
    count: int
    pending: frozenset[str]


_NEWEST = Prepared(
    _SELECT.where(answers.c.plan_key == bindparam("plan"))
    .where(answers.c.control_id == bindparam("control"))
    .where(answers.c.year == bindparam("year"))
    .where(answers.c.period == bindparam("period"))
    .order_by(answers.c.seq.desc())
    .limit(1)
)
# Two savers of one slot queue here on PostgreSQL (released at commit); a missing row
# cannot be locked with FOR UPDATE.
_LOCK = Prepared(text("SELECT pg_advisory_xact_lock(:key)"))


def _slot_lock(answer: Answer) -> int:
    slot = f"{answer.plan_key}\0{answer.control_id}\0{answer.year}\0{answer.period.value}"
    digest = hashlib.blake2b(slot.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _is_newer(stored: Answer, seen: Answer | None) -> bool:
    # The journal's newest answer is news to the saver unless it is what they saw, or
    # older than it (``seen`` may be a newer row typed into the workbook by hand).
    if seen is None:
        return True
    return stored.answer_id != seen.answer_id and stored.answered_at > seen.answered_at


def _row(answer: Answer) -> dict[str, object]:
    return {
        "answer_id": answer.answer_id,
        "plan_key": answer.plan_key,
        "control_id": answer.control_id,
        "year": answer.year,
        "period": answer.period.value,
        "answered_by": answer.answered_by,
        "answered_at": answer.answered_at.isoformat(),
        "payload": answer_to_json(answer),
        "written_at": None,
    }


@dataclass(frozen=True, slots=True)
class WriterState:
    """How writing a workbook has been failing: count, next attempt, last error."""

    plan_key: str
    failures: int
    retry_at: datetime
    last_error: str


@dataclass(frozen=True, slots=True)
class Appended:
    """What ``Journal.append_unless_newer`` did: saved, or not (the Svar-ID was already
    stored: ``stored``, or ``newer`` was stored for the slot since the saver looked). When
    saved, ``failure`` is how writing its workbook last went (None: no failure recorded)."""

    saved: bool
    newer: Answer | None = None
    stored: Answer | None = None
    failure: WriterState | None = None


class Journal:
    """Durable, append-only store of answers, over the SQL layer."""

    def __init__(self, db: Database) -> None:
        self._db = db
        dialect = db.dialect
        # Statements a turn runs are built once (values travel as parameters): building
        # and caching a Core statement costs more than SQLite takes to run it.
        self._append = Prepared(
            insert(dialect, answers).on_conflict_do_nothing(index_elements=[answers.c.answer_id])
        )
        self._for_ids = Prepared(
            _SELECT.where(answers.c.plan_key == bindparam("plan"))
            .where(in_list(dialect, answers.c.control_id, "ids"))
            .order_by(answers.c.seq)
        )
        # newest_for_ids reads the slots' versions without their payloads first, then only
        # the picked rows whole: a person's history grows with every answer saved again.
        self._slots_for_ids = Prepared(
            select(
                answers.c.answer_id,
                answers.c.control_id,
                answers.c.year,
                answers.c.period,
                answers.c.answered_at,
            )
            .where(answers.c.plan_key == bindparam("plan"))
            .where(in_list(dialect, answers.c.control_id, "ids"))
            .order_by(answers.c.seq)
        )
        self._by_answer_ids = Prepared(
            _SELECT.where(in_list(dialect, answers.c.answer_id, "answers"))
        )
        mine = in_list(dialect, answers.c.plan_key, "keys")
        self._since: tuple[Select[Any], Select[Any], Select[Any]] = (
            select(answers.c.seq, *_COLUMNS)
            .where(mine, answers.c.seq > bindparam("seq"))
            .order_by(answers.c.seq),
            select(func.count()).select_from(answers).where(mine),
            select(answers.c.answer_id).where(mine, answers.c.written_at.is_(None)),
        )
        self._version = select(
            select(func.max(answers.c.seq)).scalar_subquery().label("last"),
            select(func.count())
            .where(answers.c.written_at.is_(None))
            .scalar_subquery()
            .label("waiting"),
        )

    async def append(self, answer: Answer) -> bool:
        """Store an answer; False (and nothing changed) if its Svar-ID is already stored."""
        row = _row(answer)
        return await self._db.run(lambda conn: self._append.run(conn, row), write=True) == 1

    async def append_unless_newer(
        self, answer: Answer, seen: Answer | None, *, draft_of: str | None = None
    ) -> Appended:
        """Store an answer unless its Svar-ID is already stored, or an answer to the same
        slot newer than ``seen`` (what the saver was shown) was stored since: checked and
        inserted in one transaction, so of two cards saved at the same moment against the
        same version one is saved and the other hears of it. ``draft_of``: the person whose
        draft of the slot the answer was saved from; it is forgotten in the same
        transaction (one commit for both: the drafts share this database)."""
        slot = {
            "plan": answer.plan_key,
            "control": answer.control_id,
            "year": answer.year,
            "period": answer.period.value,
        }
        lock = _slot_lock(answer) if self._db.dialect == "postgresql" else None
        row_values = _row(answer)

        def unit(conn: Connection) -> Appended:
            if lock is not None:  # SQLite's write transaction already holds the database
                _LOCK.run(conn, {"key": lock})
            row = _NEWEST.first(conn, slot)
            if row is not None:
                newest = _cached_answer(row)
                if newest.answer_id == answer.answer_id:  # this card, saved already
                    return Appended(saved=False, stored=newest)
                if _is_newer(newest, seen):
                    # Unless the card's own answer is stored elsewhere (a stale card).
                    stored = _stored(conn, answer.answer_id)
                    return Appended(saved=False, newer=None if stored else newest, stored=stored)
            # The Svar-ID's uniqueness is the check that it is new: a second statement to
            # look it up first would cost every save what only a stale card needs.
            if self._append.run(conn, row_values) != 1:
                return Appended(saved=False, stored=_stored(conn, answer.answer_id))
            if draft_of is not None:
                forget_draft(conn, draft_of, answer)
            failure = _WRITER_STATE.first(conn, {"plan": answer.plan_key})
            return Appended(saved=True, failure=_writer_state(failure) if failure else None)

        return await self._db.run(unit, write=True)

    async def get(self, answer_id: str) -> Answer | None:
        """The answer with this Svar-ID, if stored."""
        return await self._db.run(lambda conn: _stored(conn, answer_id))

    async def is_pending(self, answer_id: str) -> bool:
        """Whether this answer still waits to be written to its workbook."""
        row = await self._db.fetchone(_WRITTEN_AT, {"id": answer_id})
        return row is not None and row.written_at is None

    async def written_at(self, answer_id: str) -> datetime | None:
        """When the answer was written to its workbook; None while it waits (or is unknown)."""
        row = await self._db.fetchone(_WRITTEN_AT, {"id": answer_id})
        return (
            None
            if row is None or row.written_at is None
            else datetime.fromisoformat(row.written_at)
        )

    async def for_controls(self, keys: Iterable[ControlKey]) -> tuple[list[Answer], set[str]]:
        """Every stored answer to these controls (oldest first within each workbook, so per
        slot), and the ids still pending."""
        by_plan: dict[str, list[str]] = {}
        for key in keys:
            by_plan.setdefault(key.plan_key, []).append(key.control_id)
        return await self.for_ids(by_plan)

    async def for_ids(
        self, by_plan: Mapping[str, Collection[str]]
    ) -> tuple[list[Answer], set[str]]:
        """``for_controls`` with the controls given as control ids per workbook."""
        dialect, statement = self._db.dialect, self._for_ids
        # One query per workbook for any number of controls (the ids travel as one list
        # parameter); the answers_slot index serves (plan_key, control_id).

        def read(conn: Connection) -> tuple[list[Answer], set[str]]:
            found: list[Answer] = []
            pending: set[str] = set()
            for plan_key, ids in by_plan.items():
                if not ids:
                    continue
                params = {"plan": plan_key, "ids": list_param(dialect, list(ids))}
                for row in statement.rows(conn, params):
                    found.append(_answer_from_row(row))
                    if row.written_at is None:
                        pending.add(row.answer_id)
            return found, pending

        return await self._db.run(read)

    async def since(self, seq: int, plan_keys: Collection[str]) -> JournalDelta:
        """The answers to these workbooks stored after sequence number ``seq``, with the
        count and the waiting ids a reader needs to notice an entry it could not see (one
        committed late with a lower number, or one deleted): then the count disagrees."""
        keys = list_param(self._db.dialect, sorted(plan_keys))
        entries, count, waiting = self._since

        def read(conn: Connection) -> JournalDelta:
            found = tuple(
                (int(row.seq), _answer_from_row(row))
                for row in conn.execute(entries, {"keys": keys, "seq": seq})
            )
            total = int(conn.scalar(count, {"keys": keys}) or 0)
            pending = frozenset(r.answer_id for r in conn.execute(waiting, {"keys": keys}))
            return JournalDelta(found, total, pending)

        return await self._db.run(read)

    async def newest_for_ids(
        self, by_plan: Mapping[str, Collection[str]]
    ) -> tuple[list[Answer], set[str]]:
        """``for_ids``, but per slot only the answer ``index_answers`` would pick among the
        journal's (the newest answered, the later stored on a tie), and which of those are
        pending: what a turn needs, at a cost that does not grow with the history (only
        the picked rows are decoded)."""
        dialect, slots, whole = self._db.dialect, self._slots_for_ids, self._by_answer_ids

        def read(conn: Connection) -> tuple[list[Answer], set[str]]:
            picked: list[str] = []
            for plan_key, ids in by_plan.items():
                if not ids:
                    continue
                params = {"plan": plan_key, "ids": list_param(dialect, list(ids))}
                newest = newest_per_slot(  # rows come oldest stored first
                    slots.rows(conn, params),
                    lambda row: (row.control_id, int(row.year), row.period),
                    lambda row: datetime.fromisoformat(row.answered_at),
                )
                picked.extend(row.answer_id for row in newest.values())
            if not picked:
                return [], set()
            order = {answer_id: place for place, answer_id in enumerate(picked)}
            rows = sorted(
                whole.rows(conn, {"answers": list_param(dialect, picked)}),
                key=lambda row: order[row.answer_id],
            )
            pending = {row.answer_id for row in rows if row.written_at is None}
            return [_cached_answer(row) for row in rows], pending

        return await self._db.run(read)

    async def history(self, key: ControlKey, year: int, period: Period) -> list[Answer]:
        """Every version answered for one slot, oldest first."""
        rows = await self._db.fetchall(
            _SELECT.where(
                answers.c.plan_key == key.plan_key,
                answers.c.control_id == key.control_id,
                answers.c.year == year,
                answers.c.period == period.value,
            ).order_by(answers.c.seq)
        )
        return [_answer_from_row(r) for r in rows]

    async def pending_plans(self) -> list[str]:
        """The workbooks that have answers waiting to be written."""
        rows = await self._db.fetchall(
            select(answers.c.plan_key)
            .where(answers.c.written_at.is_(None))
            .distinct()
            .order_by(answers.c.plan_key)
        )
        return [r.plan_key for r in rows]

    async def pending(self, plan_key: str, limit: int) -> list[Answer]:
        """The oldest answers waiting to be written into one workbook."""
        rows = await self._db.fetchall(
            _SELECT.where(answers.c.plan_key == plan_key, answers.c.written_at.is_(None))
            .order_by(answers.c.seq)
            .limit(limit)
        )
        return [_answer_from_row(r) for r in rows]

    async def count_pending(self) -> int:
        """How many answers wait to be written, over all workbooks."""
        row = await self._db.fetchone(
            select(func.count().label("n")).where(answers.c.written_at.is_(None))
        )
        return int(row.n) if row else 0

    async def version(self) -> tuple[int, int]:
        """(the newest sequence number, how many answers wait): changes whenever an answer
        is appended (by any instance) or written, so what was compiled from the journal can
        be kept until it does."""
        row = await self._db.fetchone(self._version)
        return (int(row.last or 0), int(row.waiting or 0)) if row else (0, 0)

    async def mark_written(self, plan_key: str, answer_ids: Sequence[str], when: datetime) -> None:
        """Record that these answers are in their workbook (or superseded there)."""
        dialect = self._db.dialect

        def mark(conn: Connection) -> None:
            conn.execute(
                update(answers)
                .where(in_list(dialect, answers.c.answer_id, "ids"))
                .where(answers.c.written_at.is_(None))
                .values(written_at=when.isoformat()),
                {"ids": list_param(dialect, list(answer_ids))},
            )
            conn.execute(delete(writer_state).where(writer_state.c.plan_key == plan_key))

        await self._db.run(mark, write=True)

    async def record_failure(self, plan_key: str, retry_at: datetime, error: str) -> int:
        """Count one more failed write for a workbook; return the number of failures."""
        statement = insert(self._db.dialect, writer_state).values(
            plan_key=plan_key,
            failures=1,
            retry_at=retry_at.astimezone(UTC).isoformat(),
            last_error=error[:500],
        )
        statement = statement.on_conflict_do_update(
            index_elements=[writer_state.c.plan_key],
            set_={
                "failures": writer_state.c.failures + 1,
                "retry_at": statement.excluded.retry_at,
                "last_error": statement.excluded.last_error,
            },
        )

        def record(conn: Connection) -> int:
            conn.execute(statement)
            failures = conn.scalar(
                select(writer_state.c.failures).where(writer_state.c.plan_key == plan_key)
            )
            return int(failures or 1)

        return await self._db.run(record, write=True)

    async def writer_state(self, plan_key: str) -> WriterState | None:
        """The failure record of a workbook, if its last write failed."""
        row = await self._db.run(lambda conn: _WRITER_STATE.first(conn, {"plan": plan_key}))
        return None if row is None else _writer_state(row)


def _writer_state(row: Any) -> WriterState:
    return WriterState(
        row.plan_key, int(row.failures), datetime.fromisoformat(row.retry_at), row.last_error
    )


def _stored(conn: Connection, answer_id: str) -> Answer | None:
    row = _GET.first(conn, {"id": answer_id})
    return _answer_from_row(row) if row else None
