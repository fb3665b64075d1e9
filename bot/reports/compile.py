"""Compiling a term's status from the workbooks and the journal, and writing it back.

The compilation itself is ``bot.status.compile_status`` (pure); this module gathers its
inputs through the PlanBook — the workbooks' rows plus the answers the journal still holds
— for the chat and ``ikbot status`` alike, and writes the summary sheet into each
workbook that has something due in the term.

Compiling 10,000 controls takes a tenth of a second or more of CPU: it runs in a worker
thread, so the event loop (everyone else's turns) is never held for that long, and
``StatusCompiler`` keeps the last results while their inputs are unchanged (the same plan
and answer snapshots, the same journal version), so a repeated status costs a lookup.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.followup import Slot, StatusUpdate, open_before
from bot.domain.model import Answer, Plan
from bot.domain.periods import Term
from bot.domain.status import SheetWritten, Summary, compile_status
from bot.domain.status_live import LiveStatus
from bot.live_answers import JournalReader, catch_up, fill, same_plans
from bot.plans import PlanBook
from bot.store.journal import JournalDelta
from graph.protocol import GraphThrottled, WorkbookError, WorkbookLocked

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Compiled:
    """A summary and how many of its answers still wait to be written to Excel."""

    summary: Summary
    pending: int


async def compile_term(
    book: PlanBook,
    plans: Sequence[Plan],
    term: Term,
    today: date,
    *,
    namnd: str | None = None,
    updates: Mapping[Slot, StatusUpdate] | None = None,
) -> Compiled:
    """The status of ``plans`` in ``term``, from the workbooks and the journal, with the
    åtgärder of earlier periods still open (``updates``: their status, from the åtgärd log)."""
    answers, pending_ids = await book.answers_to(plans)
    return await asyncio.to_thread(
        _compile, plans, answers, pending_ids, term, today, namnd, updates or {}
    )


def _compile(
    plans: Sequence[Plan],
    answers: Sequence[Answer],
    pending_ids: set[str],
    term: Term,
    today: date,
    namnd: str | None,
    updates: Mapping[Slot, StatusUpdate],
) -> Compiled:
    """The pure part of ``compile_term`` (in a worker thread: it reads only immutable data)."""
    summary = compile_status(plans, answers, term, today, namnd=namnd)
    earlier = open_before(plans, answers, updates, term.year, term.period, today, namnd=namnd)
    summary = replace(summary, open_actions=earlier)
    slot = (term.year, term.period)
    pending = sum(1 for a in answers if a.answer_id in pending_ids and (a.year, a.period) == slot)
    return Compiled(summary, pending)


@dataclass(frozen=True, eq=False)
class _Inputs:
    """What one compilation was made from; plans and answer rows compared by identity."""

    plans: tuple[Plan, ...]
    rows: tuple[object, ...]
    journal: tuple[int, int]
    asked: tuple[Term, date, str | None]
    updates: Mapping[Slot, StatusUpdate]

    def same(self, other: _Inputs) -> bool:
        """Whether both compile to the same status."""
        return (
            same_plans(self.plans, other.plans)
            and all(a is b for a, b in zip(self.rows, other.rows, strict=True))
            and self.journal == other.journal
            and self.asked == other.asked
            and self.updates == other.updates
        )


class StatusCompiler:
    """``compile_term`` that keeps its last few results while their inputs are unchanged,
    and with the journal at hand keeps each status live: after a few new answers (in the
    journal or in a workbook the bot wrote) it updates the controls they are about rather
    than compiling every control again."""

    def __init__(self, book: PlanBook, keep: int = 4, journal: JournalReader | None = None) -> None:
        self._book = book
        self._keep = keep
        self._journal = journal
        self._kept: list[tuple[_Inputs, Compiled]] = []
        self._live: dict[tuple[Term, date, str | None], LiveStatus] = {}
        self._lock = asyncio.Lock()  # one status brought up to date at a time

    async def compile(
        self,
        plans: Sequence[Plan],
        term: Term,
        today: date,
        *,
        namnd: str | None = None,
        updates: Mapping[Slot, StatusUpdate] | None = None,
    ) -> Compiled:
        """The status of ``plans`` in ``term``, as ``compile_term`` gives it."""
        updates = updates or {}
        # Taken before the answers are read: a result is never kept under inputs newer
        # than what it was compiled from.
        rows, journal = await self._book.version(plans)
        inputs = _Inputs(tuple(plans), rows, journal, (term, today, namnd), updates)
        for kept, compiled in self._kept:
            if kept.same(inputs):
                return compiled
        if self._journal is None:
            compiled = await compile_term(
                self._book, plans, term, today, namnd=namnd, updates=updates
            )
        else:
            async with self._lock:
                compiled = await self._brought_up(self._journal, inputs)
        self._kept = [(inputs, compiled), *self._kept[: self._keep - 1]]
        return compiled

    async def _brought_up(self, journal: JournalReader, inputs: _Inputs) -> Compiled:
        """The live status of ``inputs`` brought up to date, or built anew (in a worker
        thread) when there is none or the change is too large to apply."""
        plans, rows = inputs.plans, inputs.rows
        keys = [plan.key for plan in plans]
        live = self._live.pop(inputs.asked, None)  # put back once up to date
        if live is not None and same_plans(live.plans, plans):
            delta = await journal.since(live.answers.seq, keys)
            if _update(live, rows, delta, inputs.updates):
                self._live[inputs.asked] = live
                return Compiled(live.summary(), live.answers.pending(delta.pending))
        delta = await journal.since(0, keys)
        term, today, namnd = inputs.asked
        live = await asyncio.to_thread(
            _build, plans, rows, delta, term, today, namnd, inputs.updates
        )
        if len(self._live) >= self._keep:
            self._live.pop(next(iter(self._live)))
        self._live[inputs.asked] = live
        return Compiled(live.summary(), live.answers.pending(delta.pending))


def _update(
    live: LiveStatus,
    rows: Sequence[object],
    delta: JournalDelta,
    updates: Mapping[Slot, StatusUpdate],
) -> bool:
    """Apply what changed since ``live`` was last brought up to date; False (``live`` is
    then spoiled) when that cannot be done answer by answer."""
    touched = catch_up(live.answers, live.plans, rows, delta)
    if touched is None:
        return False
    live.touch(touched)
    if updates != live.updates:
        live.set_updates(updates)
    return True


def _build(
    plans: Sequence[Plan],
    rows: Sequence[object],
    delta: JournalDelta,
    term: Term,
    today: date,
    namnd: str | None,
    updates: Mapping[Slot, StatusUpdate],
) -> LiveStatus:
    """A live status compiled from every answer (in a worker thread: it reads only
    immutable data)."""
    live = LiveStatus(plans, term, today, namnd, updates)
    fill(live.answers, plans, rows, delta)
    live.start()
    return live


async def write_summaries(
    book: PlanBook,
    plans: Sequence[Plan],
    term: Term,
    today: date,
    *,
    namnd: str | None = None,
    updates: Mapping[Slot, StatusUpdate] | None = None,
) -> list[SheetWritten]:
    """Write each workbook's own summary of the term (its plan only, never another
    nämnd's) to its sheet; workbooks with nothing due in the term are left alone."""
    results: list[SheetWritten] = []
    for plan in plans:
        compiled = await compile_term(book, [plan], term, today, namnd=namnd, updates=updates)
        summary = compiled.summary
        if not summary.total.due and not summary.orphans:
            continue
        name = book.workbook_name(plan.key)
        try:
            sheet = await book.write_summary(plan.key, summary, pending=compiled.pending)
        except WorkbookError as error:
            logger.warning("Summary not written to %s: %s", name, error)
            results.append(SheetWritten(name, error=_why(name, error)))
        else:
            logger.info("Summary %s written to %s", sheet, name)
            results.append(SheetWritten(name, sheet=sheet))
    return results


def _why(name: str, error: WorkbookError) -> str:
    # The backends' messages speak of answers being written later; a summary is not queued.
    if isinstance(error, WorkbookLocked):
        return f"{name} är öppen eller låst just nu. Försök igen när den är stängd."
    if isinstance(error, GraphThrottled):
        return f"{name}: Microsoft Graph svarar inte just nu. Försök igen om en stund."
    return str(error)
