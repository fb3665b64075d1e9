"""The plans of every workbook in the source, and what is known about their answers."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from bot.domain.assignments import Known, index_answers
from bot.domain.model import Answer, Control, ControlKey, Plan
from bot.domain.status import Summary
from bot.store.journal import Journal
from graph.protocol import Workbook, WorkbookError, WorkbookSource

logger = logging.getLogger(__name__)


class PlanBook:
    """Reads plans through the workbook protocol; backends cache, so a turn costs a stat."""

    def __init__(self, source: WorkbookSource, journal: Journal) -> None:
        self._source = source
        self._journal = journal
        self._warned: set[tuple[str, str]] = set()

    async def plans(self) -> list[Plan]:
        """Every plan that can be read now; unreadable workbooks are logged and left out."""
        workbooks = await self._source.workbooks()
        results = await asyncio.gather(*(w.read_plan() for w in workbooks), return_exceptions=True)
        plans: list[Plan] = []
        for workbook, result in zip(workbooks, results, strict=True):
            if isinstance(result, Plan):
                plans.append(result)
            elif isinstance(result, WorkbookError):
                self._warn_once(workbook, result)
            elif isinstance(result, BaseException):
                raise result
        return plans

    def _warn_once(self, workbook: Workbook, error: WorkbookError) -> None:
        # A broken workbook would otherwise log on every turn of every user.
        marker = (workbook.key, str(error))
        if marker not in self._warned:
            self._warned.add(marker)
            logger.warning("Cannot read plan %s: %s", workbook.name, error)

    def workbook_name(self, plan_key: str) -> str:
        """The file name of a plan's workbook, for messages."""
        return self._source.workbook(plan_key).name

    async def write_summary(self, plan_key: str, summary: Summary, *, pending: int = 0) -> str:
        """Write the summary sheet into a plan's workbook; return the sheet's name."""
        return await self._source.workbook(plan_key).write_summary(summary, pending=pending)

    async def find(self, plan_key: str, control_id: str) -> tuple[Plan, Control] | None:
        """The plan and control for these ids, if both exist now."""
        for plan in await self.plans():
            if plan.key == plan_key:
                control = plan.control(control_id)
                return (plan, control) if control is not None else None
        return None

    async def answers(
        self, plans: Iterable[Plan], keys: Iterable[ControlKey]
    ) -> tuple[list[Answer], set[str]]:
        """Every answer to these controls — the workbooks' rows, then the journal's (so they
        win a tie with their own copy in the workbook) — and the ids still pending."""
        by_plan: dict[str, set[str]] = {}
        for key in keys:
            by_plan.setdefault(key.plan_key, set()).add(key.control_id)
        return await self._answers(plans, by_plan)

    async def answers_to(self, plans: Iterable[Plan]) -> tuple[list[Answer], set[str]]:
        """Every answer to every control of these plans, as ``answers`` gives them."""
        plans = list(plans)
        return await self._answers(plans, {p.key: {c.id for c in p.controls} for p in plans})

    async def _answers(
        self, plans: Iterable[Plan], by_plan: dict[str, set[str]]
    ) -> tuple[list[Answer], set[str]]:
        from_workbooks: list[Answer] = []
        for plan in plans:
            ids = by_plan.get(plan.key)
            if not ids:
                continue
            try:
                rows = await self._source.workbook(plan.key).read_answers()
            except WorkbookError as error:
                self._warn_once(self._source.workbook(plan.key), error)
                continue
            from_workbooks.extend(a for a in rows if a.control_id in ids)
        journalled, pending = await self._journal.for_ids(by_plan)
        return [*from_workbooks, *journalled], pending

    async def known(self, plans: Iterable[Plan], keys: Iterable[ControlKey]) -> Known:
        """Answers to these controls from the workbooks and the journal, newest per slot."""
        answers, pending = await self.answers(plans, keys)
        return index_answers(answers, pending)
