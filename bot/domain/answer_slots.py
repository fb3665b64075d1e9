"""Every answer to a set of plans, merged from the workbooks' rows and the journal, kept
up to date change by change: which slots a change touched and each slot's newest answer.

The merge is the one ``bot.plans.PlanBook.answers_to`` gives a status: each workbook's
rows that answer one of its plan's controls, in row order and plan by plan, then the
journal's entries in the same plan order, oldest first. A slot's newest answer is the
latest ``answered_at``, the later in that order on a tie (as ``compile_status`` and
``open_before`` pick it). Pure: the caller reads the rows and the journal.
"""

from __future__ import annotations

import itertools
import operator
from collections import Counter
from collections.abc import Iterable, Sequence

from bot.domain.model import Answer, Period, Plan

Key = tuple[str, str, int, Period]  # a slot: (plan key, control ID, År, Period)
Order = tuple[int, int, int]  # where an answer stands in the merge: (source, plan, place)
_ROWS, _JOURNAL = 0, 1

# Beyond this many changed rows in one workbook a caller is better off compiling anew
# (a file read again from disk has every row new).
MAX_CHANGED_ROWS = 500


def key_of(answer: Answer) -> Key:
    """The slot an answer fills."""
    return (answer.plan_key, answer.control_id, answer.year, answer.period)


class AnswerSlots:
    """The merged answers of some plans, grouped by slot, with a term's answer ids counted
    (to count the term's answers still waiting to be written)."""

    def __init__(
        self, plans: Sequence[Plan], year: int | None = None, period: Period | None = None
    ) -> None:
        self._plan_at = {plan.key: i for i, plan in enumerate(plans)}
        self._ids = {plan.key: frozenset(c.id for c in plan.controls) for plan in plans}
        self._term = (year, period) if year is not None else None  # None: count none
        self._rows: dict[str, Sequence[Answer] | None] = {}
        self._slots: dict[Key, dict[Order, Answer]] = {}
        self._term_ids: Counter[str] = Counter()
        self.seq = 0  # the newest journal entry taken in
        self.count = 0  # how many journal entries of these plans were read (even unused)

    def set_rows(self, plan_key: str, rows: Sequence[Answer] | None) -> set[Key] | None:
        """Take a workbook's rows as they are now (None: unreadable); the slots that may
        have changed, or None when the change is too large or not a patch of the rows held
        (fewer rows, or the workbook became readable or unreadable): then build anew."""
        if plan_key not in self._plan_at:
            return set()
        if plan_key not in self._rows:  # the first rows of this plan
            self._rows[plan_key] = rows
            return self._place(plan_key, rows or (), range(len(rows or ())), set())
        old = self._rows[plan_key]
        if old is rows:
            return set()
        if old is None or rows is None or len(rows) < len(old):
            return None
        # Rows the writer did not touch are the same objects (graph.xlsx_answers).
        changed = list(itertools.compress(range(len(old)), map(operator.is_not, old, rows)))
        if len(changed) + len(rows) - len(old) > MAX_CHANGED_ROWS:
            return None
        touched: set[Key] = set()
        plan = self._plan_at[plan_key]
        allowed = self._ids[plan_key]
        for position in changed:
            answer = old[position]
            if answer.control_id in allowed:
                self._remove((_ROWS, plan, position), answer, touched)
        self._rows[plan_key] = rows
        return self._place(plan_key, rows, [*changed, *range(len(old), len(rows))], touched)

    def _place(
        self, plan_key: str, rows: Sequence[Answer], positions: Iterable[int], touched: set[Key]
    ) -> set[Key]:
        plan = self._plan_at[plan_key]
        allowed = self._ids[plan_key]
        for position in positions:
            answer = rows[position]
            if answer.control_id in allowed:
                self._add((_ROWS, plan, position), answer, touched)
        return touched

    def add_journal(self, entries: Iterable[tuple[int, Answer]]) -> set[Key]:
        """Take journal entries newer than ``seq`` (oldest first); the slots they touch."""
        touched: set[Key] = set()
        for seq, answer in entries:
            self.count += 1
            self.seq = max(self.seq, seq)
            plan = self._plan_at.get(answer.plan_key)
            if plan is not None and answer.control_id in self._ids[answer.plan_key]:
                self._add((_JOURNAL, plan, seq), answer, touched)
        return touched

    def _add(self, order: Order, answer: Answer, touched: set[Key]) -> None:
        key = key_of(answer)
        self._slots.setdefault(key, {})[order] = answer
        if (answer.year, answer.period) == self._term:
            self._term_ids[answer.answer_id] += 1
        touched.add(key)

    def _remove(self, order: Order, answer: Answer, touched: set[Key]) -> None:
        key = key_of(answer)
        held = self._slots.get(key)
        if held is None or held.pop(order, None) is None:
            return
        if not held:
            del self._slots[key]
        if (answer.year, answer.period) == self._term:
            self._term_ids[answer.answer_id] -= 1
            if not self._term_ids[answer.answer_id]:
                del self._term_ids[answer.answer_id]
        touched.add(key)

    def newest(self, key: Key) -> Answer | None:
        """The slot's newest answer (the later in the merge on a tie)."""
        held = self._slots.get(key)
        if not held:
            return None
        if len(held) == 1:
            return next(iter(held.values()))
        return max(held.items(), key=lambda item: (item[1].answered_at, item[0]))[1]

    def first(self, key: Key) -> Order:
        """Where the slot's first answer stands in the merge (the order slots are met in)."""
        return min(self._slots[key])

    def filled(self) -> Iterable[Key]:
        """Every slot with an answer."""
        return self._slots.keys()

    def pending(self, waiting: Iterable[str]) -> int:
        """How many of the term's merged answers have one of these (waiting) ids."""
        return sum(self._term_ids.get(answer_id, 0) for answer_id in waiting)
