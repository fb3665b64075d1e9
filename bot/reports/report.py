"""The report use case: build the follow-up report of a term, render it as .docx and save
it where the workbooks live (``rapport helår``, the status card's button, ``ikbot report``).
Strategists only: the report covers every kontrollmoment of the nämnd."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from bot.actions import StatusLog
from bot.domain.clock import Clock
from bot.domain.identity import User
from bot.domain.namnder import NoPlanForYear, UnknownNamnd, check_namnd, check_year
from bot.domain.periods import Term
from bot.domain.policy import Refusal, may_write_summaries
from bot.plans import PlanBook
from bot.reports.document import Report, build_report
from bot.reports.status import StatusQuery
from graph.protocol import ReportSaved, ReportShelf, WorkbookError
from graph.report_files import report_file_name

Names = Callable[[], Awaitable[Mapping[str, str]]]
REPORTS_FOR_STRATEGISTS = "Rapporten till nämnden skapas av kvalitetsstrategerna."


@dataclass(frozen=True, slots=True)
class ReportMade:
    """A report written and saved."""

    saved: ReportSaved
    title: str
    recipient: str
    term: Term
    controls: int  # kontrollmoment in chapter 3
    namnd: str | None


@dataclass(frozen=True, slots=True)
class ReportFailed:
    """The report was built but could not be saved (Swedish, user-safe)."""

    reason: str


@dataclass(frozen=True, slots=True)
class NoPlans:
    """No plan could be read at all."""


ReportResult = ReportMade | ReportFailed | Refusal | UnknownNamnd | NoPlanForYear | NoPlans


class Reports:
    """Builds, renders and saves follow-up reports."""

    def __init__(
        self,
        book: PlanBook,
        clock: Clock,
        shelf: ReportShelf,
        names: Names | None = None,
        *,
        actions: StatusLog | None = None,
    ) -> None:
        self._book = book
        self._clock = clock
        self._shelf = shelf
        self._names = names
        self._actions = actions  # the åtgärd log: the status owners set on their åtgärder

    def term(self, query: StatusQuery) -> Term:
        """The term a query means (as ``status`` reads it)."""
        from bot.domain.periods import requested_term

        return requested_term(query.period, query.year, self._clock.today())

    async def build(
        self, query: StatusQuery, author: str
    ) -> Report | UnknownNamnd | NoPlanForYear | NoPlans:
        """The report as data, or why there is none."""
        plans = await self._book.plans()
        if not plans:
            return NoPlans()
        unknown = check_namnd(plans, query.namnd)
        if unknown is not None:
            return unknown
        term = self.term(query)
        no_plan = check_year(plans, term.year)
        if no_plan is not None:
            return no_plan
        answers, _pending = await self._book.answers_to(plans)
        names = dict(await self._names()) if self._names is not None else {}
        updates = await self._actions.latest([p.key for p in plans]) if self._actions else {}
        return build_report(
            plans,
            answers,
            term,
            self._clock.today(),
            author=author,
            namnd=query.namnd,
            names=names,
            updates=updates,
        )

    async def write(self, user: User, query: StatusQuery) -> ReportResult:
        """Build the report, render it and save it (a new file or a new version)."""
        refusal = may_write_summaries(user)
        if refusal is not None:
            return Refusal(REPORTS_FOR_STRATEGISTS)
        report = await self.build(query, user.name or user.email)
        if not isinstance(report, Report):
            return report
        # Rendering a thousand controls takes a noticeable moment: off the event loop.
        content = await asyncio.to_thread(_render, report)
        name = report_file_name(f"{report.title} – {report.recipient}")
        try:
            saved = await self._shelf.save_report(name, content)
        except WorkbookError as error:
            return ReportFailed(str(error))
        return ReportMade(
            saved, report.title, report.recipient, report.term, report.controls, query.namnd
        )


def _render(report: Report) -> bytes:
    """The report as .docx bytes (runs in a worker thread)."""
    # python-docx and lxml (some 60 ms of imports) load with the first report, not at
    # every start of the bot.
    from bot.reports.word import render_report

    return render_report(report)
