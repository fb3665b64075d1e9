"""Keeping merged answers (``bot.domain.answer_slots.AnswerSlots``) up to date from what
changed: the journal's new entries and the workbook rows the writer patched.

A kept status (``bot.reports.compile``) and the åtgärder by owner (``bot.actions``) each
hold an ``AnswerSlots`` for one plan snapshot; before use they read the workbooks' row
snapshots (``PlanBook.version``) and the journal's entries since the last one taken, and
``catch_up`` applies them, or says that the holder must be built anew.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol, runtime_checkable

from bot.domain.answer_slots import AnswerSlots, Key
from bot.domain.model import Answer, Plan
from bot.store.journal import JournalDelta


class JournalReader(Protocol):
    """The journal as a kept view reads it (``bot.store.journal.Journal``)."""

    async def since(self, seq: int, plan_keys: Collection[str]) -> JournalDelta:
        """The answers to these workbooks stored after ``seq``, their count and waiting ids."""
        ...


@runtime_checkable
class RowVersions(Protocol):
    """Where the workbooks' answer rows come from (``bot.plans.PlanBook``)."""

    async def version(self, plans: Sequence[Plan]) -> tuple[tuple[object, ...], tuple[int, int]]:
        """Each workbook's answer rows now (None when unreadable) and the journal's version."""
        ...


def same_plans(these: Sequence[Plan], those: Sequence[Plan]) -> bool:
    """Whether both are the very same plan snapshots."""
    return len(these) == len(those) and all(a is b for a, b in zip(these, those, strict=True))


def fill(
    slots: AnswerSlots, plans: Sequence[Plan], rows: Sequence[object], delta: JournalDelta
) -> None:
    """Put every answer into new ``slots``: the rows, then the journal's entries."""
    for plan, plan_rows in zip(plans, rows, strict=True):
        slots.set_rows(plan.key, answer_rows(plan_rows))
    slots.add_journal(delta.entries)


def catch_up(
    slots: AnswerSlots, plans: Sequence[Plan], rows: Sequence[object], delta: JournalDelta
) -> set[Key] | None:
    """Apply the rows now and the journal's entries since ``slots.seq``; the slots touched,
    or None (``slots`` is then spoiled) when that cannot be done answer by answer."""
    if slots.count + len(delta.entries) != delta.count:
        return None  # an entry committed late below ``seq``, or entries were deleted
    touched: set[Key] = set()
    for plan, plan_rows in zip(plans, rows, strict=True):
        changed = slots.set_rows(plan.key, answer_rows(plan_rows))
        if changed is None:
            return None
        touched |= changed
    touched |= slots.add_journal(delta.entries)
    return touched


def answer_rows(rows: object) -> Sequence[Answer] | None:
    """A workbook's rows as ``PlanBook.version`` gives them (None when unreadable)."""
    return rows if isinstance(rows, Sequence) else None
