"""The answer journal: every accepted answer, durably, before anyone is told it is saved.

The journal keeps every version (the history: who, when, what); the workbook gets the
newest per (ID, År, Period). An entry is "pending" until the writer has put it into its
workbook.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.domain.model import Action, Answer, ControlKey, Period
from bot.sql import Database, Row

_COLUMNS = (
    "answer_id, plan_key, control_id, year, period, answered_by, answered_at, payload, written_at"
)


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
            "action": None
            if action is None
            else {
                "text": action.text,
                "owner": action.owner,
                "due": action.due.isoformat() if action.due else None,
            },
        },
        ensure_ascii=False,
    )


def _answer_from_row(row: Row) -> Answer:
    answer_id, plan_key, control_id, year, period, answered_by, answered_at, payload, _ = row
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
        action=None
        if action is None
        else Action(
            action["text"],
            action["owner"],
            date.fromisoformat(action["due"]) if action.get("due") else None,
        ),
    )


@dataclass(frozen=True, slots=True)
class WriterState:
    """How writing a workbook has been failing: count, next attempt, last error."""

    plan_key: str
    failures: int
    retry_at: datetime
    last_error: str


class Journal:
    """Durable, append-only store of answers, over the SQL layer."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def append(self, answer: Answer) -> bool:
        """Store an answer; False (and nothing changed) if its Svar-ID is already stored."""
        changed = await self._db.execute(
            f"INSERT INTO answers ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) "
            "ON CONFLICT (answer_id) DO NOTHING",
            (
                answer.answer_id,
                answer.plan_key,
                answer.control_id,
                answer.year,
                answer.period.value,
                answer.answered_by,
                answer.answered_at.isoformat(),
                answer_to_json(answer),
            ),
        )
        return changed == 1

    async def get(self, answer_id: str) -> Answer | None:
        """The answer with this Svar-ID, if stored."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM answers WHERE answer_id = ?", (answer_id,)
        )
        return _answer_from_row(row) if row else None

    async def is_pending(self, answer_id: str) -> bool:
        """Whether this answer still waits to be written to its workbook."""
        row = await self._db.fetchone(
            "SELECT written_at IS NULL FROM answers WHERE answer_id = ?", (answer_id,)
        )
        return bool(row and row[0])

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
        answers: list[Answer] = []
        pending: set[str] = set()
        # One query per workbook for any number of controls: the ids travel as one JSON
        # parameter (no parameter limit to chunk around) and the answers_slot index serves
        # (plan_key, control_id).
        for plan_key, ids in by_plan.items():
            if not ids:
                continue
            for row in await self._db.fetchall(
                f"SELECT {_COLUMNS} FROM answers WHERE plan_key = ? AND control_id IN "
                "(SELECT value FROM json_each(?)) ORDER BY seq",
                (plan_key, json.dumps(list(ids))),
            ):
                answers.append(_answer_from_row(row))
                if row[-1] is None:
                    pending.add(row[0])
        return answers, pending

    async def history(self, key: ControlKey, year: int, period: Period) -> list[Answer]:
        """Every version answered for one slot, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM answers WHERE plan_key = ? AND control_id = ? "
            "AND year = ? AND period = ? ORDER BY seq",
            (key.plan_key, key.control_id, year, period.value),
        )
        return [_answer_from_row(r) for r in rows]

    async def pending_plans(self) -> list[str]:
        """The workbooks that have answers waiting to be written."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT plan_key FROM answers WHERE written_at IS NULL ORDER BY plan_key"
        )
        return [r[0] for r in rows]

    async def pending(self, plan_key: str, limit: int) -> list[Answer]:
        """The oldest answers waiting to be written into one workbook."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM answers WHERE plan_key = ? AND written_at IS NULL "
            "ORDER BY seq LIMIT ?",
            (plan_key, limit),
        )
        return [_answer_from_row(r) for r in rows]

    async def count_pending(self) -> int:
        """How many answers wait to be written, over all workbooks."""
        row = await self._db.fetchone("SELECT COUNT(*) FROM answers WHERE written_at IS NULL")
        return int(row[0]) if row else 0

    async def mark_written(self, plan_key: str, answer_ids: Sequence[str], when: datetime) -> None:
        """Record that these answers are in their workbook (or superseded there)."""
        async with self._db.transaction() as tx:
            await tx.executemany(
                "UPDATE answers SET written_at = ? WHERE answer_id = ? AND written_at IS NULL",
                [(when.isoformat(), answer_id) for answer_id in answer_ids],
            )
            await tx.execute("DELETE FROM writer_state WHERE plan_key = ?", (plan_key,))

    async def record_failure(self, plan_key: str, retry_at: datetime, error: str) -> int:
        """Count one more failed write for a workbook; return the number of failures."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO writer_state (plan_key, failures, retry_at, last_error) "
                "VALUES (?, 1, ?, ?) ON CONFLICT (plan_key) DO UPDATE SET "
                "failures = writer_state.failures + 1, retry_at = excluded.retry_at, "
                "last_error = excluded.last_error",
                (plan_key, retry_at.astimezone(UTC).isoformat(), error[:500]),
            )
        state = await self.writer_state(plan_key)
        return state.failures if state else 1

    async def writer_state(self, plan_key: str) -> WriterState | None:
        """The failure record of a workbook, if its last write failed."""
        row = await self._db.fetchone(
            "SELECT plan_key, failures, retry_at, last_error FROM writer_state WHERE plan_key = ?",
            (plan_key,),
        )
        if row is None:
            return None
        return WriterState(row[0], int(row[1]), datetime.fromisoformat(row[2]), row[3])
