"""The status use cases: a term's compiled status for a user, and the summary sheets.

The chat (``status helår``, the status card's buttons) and ``ikbot status`` both come
here: a strategist gets every nämnd, anyone else their own kontrollmoment, and only a
strategist writes the summary into the workbooks (``bot.domain.policy``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from types import MappingProxyType

from bot.actions import StatusLog
from bot.domain.clock import Clock
from bot.domain.followup import Slot, StatusUpdate
from bot.domain.identity import User
from bot.domain.model import Period, Plan
from bot.domain.namnder import NoPlanForYear, UnknownNamnd, check_namnd, check_year
from bot.domain.periods import Term, requested_term
from bot.domain.policy import Refusal, may_write_summaries, sees_everything
from bot.domain.status import SheetWritten, Summary
from bot.live_answers import JournalReader
from bot.plans import PlanBook
from bot.reports.compile import StatusCompiler, compile_term, write_summaries


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """What a status asks for: a period, a year and a nämnd, each optional."""

    period: Period | None = None
    year: int | None = None
    namnd: str | None = None


@dataclass(frozen=True, slots=True)
class StatusShown:
    """A compiled status, and how much of the picture it is."""

    summary: Summary
    pending: int  # answers in it that still wait to be written to Excel
    everything: bool  # every nämnd (a strategist); else the user's own kontrollmoment
    can_write: bool  # the user may write it to the workbooks
    plans: int  # how many plans could be read
    # People's names by e-mail (lower case), so cards name people rather than addresses.
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True)
class SummariesWritten:
    """What writing the summary sheets did, one result per workbook with something due."""

    results: tuple[SheetWritten, ...]
    term: Term
    namnd: str | None
    plans: int  # how many plans could be read


class StatusReports:
    """Compiles and writes statuses from the plans, the workbooks' answers and the journal."""

    def __init__(
        self,
        book: PlanBook,
        clock: Clock,
        names: Callable[[], Awaitable[Mapping[str, str]]] | None = None,
        actions: StatusLog | None = None,
        journal: JournalReader | None = None,
    ) -> None:
        self._book = book
        self._clock = clock
        self._names = names
        self._actions = actions  # the åtgärd log: the status of earlier periods' åtgärder
        # The strategist's view, kept while unchanged (and, with the journal, kept live).
        self._compiler = StatusCompiler(book, journal=journal)

    async def _updates(self, plans: list[Plan]) -> dict[Slot, StatusUpdate]:
        if self._actions is None:
            return {}
        return await self._actions.latest([p.key for p in plans])

    def term(self, query: StatusQuery, today: date | None = None) -> Term:
        """The term a query means (``status`` alone: the one being worked on)."""
        return requested_term(query.period, query.year, today or self._clock.today())

    async def show(
        self, user: User, query: StatusQuery
    ) -> StatusShown | UnknownNamnd | NoPlanForYear:
        """The status of the query's term: everything for a strategist, else the user's own;
        a nämnd no plan names, or a year no plan covers, is said rather than shown empty."""
        today = self._clock.today()
        plans = await self._book.plans()
        term = self.term(query, today)
        unknown = check_namnd(plans, query.namnd)
        if unknown is not None:
            return unknown
        no_plan = check_year(plans, term.year)
        if no_plan is not None:
            return no_plan
        everything = sees_everything(user)
        updates = await self._updates(plans)
        if everything:
            compiled = await self._compiler.compile(
                plans, term, today, namnd=query.namnd, updates=updates
            )
        else:  # a person's own controls: a small compilation, made anew each time
            shown = [_own(self._book, plan, user) for plan in plans]
            compiled = await compile_term(
                self._book, shown, term, today, namnd=query.namnd, updates=updates
            )
        names = await self._names() if self._names is not None else {}
        return StatusShown(
            compiled.summary,
            compiled.pending,
            everything=everything,
            can_write=may_write_summaries(user) is None,
            plans=len(plans),
            names=MappingProxyType(dict(names)),
        )

    async def write(self, user: User, query: StatusQuery) -> SummariesWritten | Refusal:
        """Write each workbook's summary of the term to its sheet (strategists only)."""
        refusal = may_write_summaries(user)
        if refusal is not None:
            return refusal
        today = self._clock.today()
        term = self.term(query, today)
        plans = await self._book.plans()
        updates = await self._updates(plans)
        results = await write_summaries(
            self._book, plans, term, today, namnd=query.namnd, updates=updates
        )
        return SummariesWritten(tuple(results), term, query.namnd, len(plans))


def _own(book: PlanBook, plan: Plan, user: User) -> Plan:
    owned = book.index(plan).answerable_by(user)
    return replace(plan, controls=tuple(c for c in owned if user.owns(c)))
