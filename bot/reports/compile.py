"""Compiling a term's status from the workbooks and the journal, and writing it back.

The compilation itself is ``bot.status.compile_status`` (pure); this module gathers its
inputs through the PlanBook — the workbooks' rows plus the answers the journal still holds
— for the chat and ``ikbot status`` alike, and writes the summary sheet into each
workbook that has something due in the term.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from bot.domain.followup import Slot, StatusUpdate, open_before
from bot.domain.model import Plan
from bot.domain.periods import Term
from bot.domain.status import SheetWritten, Summary, compile_status
from bot.plans import PlanBook
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
    summary = compile_status(plans, answers, term, today, namnd=namnd)
    earlier = open_before(plans, answers, updates or {}, term.year, term.period, today, namnd=namnd)
    summary = replace(summary, open_actions=earlier)
    slot = (term.year, term.period)
    pending = sum(1 for a in answers if a.answer_id in pending_ids and (a.year, a.period) == slot)
    return Compiled(summary, pending)


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
