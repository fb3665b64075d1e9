"""The plans of every workbook in the source, and what is known about their answers.

A turn looks up only what it needs: each plan is indexed once per read of its workbook
(controls by ID and by ansvarig, ``bot.domain.plan_index``) and so are the workbook's
answer rows (by control), so ``mina kontroller``, an answer card or a receipt costs about
the same in a plan of 10,000 rows as in one of 100. The indices are rebuilt when the backend
hands out a new snapshot (the file's stamp or the drive item's eTag changed, or the bot
wrote to it); the journal's answers are read per control ID, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from bot.domain.assignments import Known, index_answers
from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey, Plan
from bot.domain.plan_index import AnswerIndex, PlanIndex
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
        self._plan_index: dict[str, PlanIndex] = {}
        self._answer_index: dict[str, AnswerIndex] = {}

    async def plans(self) -> list[Plan]:
        """Every plan that can be read now; unreadable workbooks are logged and left out."""
        workbooks = await self._source.workbooks()
        results = await asyncio.gather(*(w.read_plan() for w in workbooks), return_exceptions=True)
        if len(self._plan_index) > len(workbooks):  # forget workbooks no longer in the source
            there = {w.key for w in workbooks}
            for cache in (self._plan_index, self._answer_index):
                for key in [k for k in cache if k not in there]:
                    del cache[key]
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

    def index(self, plan: Plan) -> PlanIndex:
        """The plan's index (built on the first call for this read of the plan)."""
        cached = self._plan_index.get(plan.key)
        if cached is None or cached.plan is not plan:
            cached = self._plan_index[plan.key] = PlanIndex.of(plan)
        return cached

    async def warm(self, plan_key: str) -> None:
        """Read a workbook and index its plan and answer rows now (after the bot wrote to
        it), so the next turn finds them ready."""
        with contextlib.suppress(WorkbookError):  # the next turn reports it
            self.index(await self._source.workbook(plan_key).read_plan())
            await self._rows(plan_key)

    async def find(self, plan_key: str, control_id: str) -> tuple[Plan, Control] | None:
        """The plan and control for these ids, if both exist now."""
        for plan in await self.plans():
            if plan.key == plan_key:
                control = self.index(plan).control(control_id)
                return (plan, control) if control is not None else None
        return None

    async def owned(self, user: User, plans: Iterable[Plan]) -> list[tuple[Plan, Control]]:
        """The controls of these plans the user may answer as ansvarig (for a strategist
        also those that saknar ansvarig), in plan order."""
        return [(plan, c) for plan in plans for c in self.index(plan).answerable_by(user)]

    async def answers(
        self, plans: Iterable[Plan], keys: Iterable[ControlKey]
    ) -> tuple[list[Answer], set[str]]:
        """Every answer to these controls — the workbooks' rows, then the journal's (so they
        win a tie with their own copy in the workbook) — and the ids still pending."""
        return await self._answers(plans, _by_plan(keys))

    async def answers_to(self, plans: Iterable[Plan]) -> tuple[list[Answer], set[str]]:
        """Every answer to every control of these plans, as ``answers`` gives them."""
        plans = list(plans)
        by_plan = {p.key: {c.id for c in p.controls} for p in plans}
        return await self._answers(plans, by_plan, every=True)

    async def _answers(
        self,
        plans: Iterable[Plan],
        by_plan: dict[str, set[str]],
        *,
        every: bool = False,
        newest: bool = False,
    ) -> tuple[list[Answer], set[str]]:
        from_workbooks: list[Answer] = []
        for plan in plans:
            ids = by_plan.get(plan.key)
            if not ids:
                continue
            try:
                rows = await self._rows(plan.key)
            except WorkbookError as error:
                self._warn_once(self._source.workbook(plan.key), error)
                continue
            if every:  # every control: one pass over the rows, in their order
                from_workbooks.extend(a for a in rows.rows if a.control_id in ids)
            else:
                from_workbooks.extend(rows.for_controls(ids))
        # ``newest``: only the journal's newest per slot, which is all ``known`` needs.
        read = self._journal.newest_for_ids if newest else self._journal.for_ids
        journalled, pending = await read(by_plan)
        return [*from_workbooks, *journalled], pending

    async def version(self, plans: Iterable[Plan]) -> tuple[tuple[object, ...], tuple[int, int]]:
        """What the answers to these plans are read from now: each workbook's snapshot of
        answer rows (compare with ``is``; None when unreadable) and the journal's version.
        Taken before the answers are read, it can only be older than what is read after it."""
        rows: list[object] = []
        for plan in plans:
            try:
                rows.append((await self._rows(plan.key)).rows)
            except WorkbookError:
                rows.append(None)
        return tuple(rows), await self._journal.version()

    async def _rows(self, plan_key: str) -> AnswerIndex:
        """The workbook's answer rows by control, indexed once per snapshot."""
        snapshot = await self._source.workbook(plan_key).read_snapshot()
        cached = self._answer_index.get(plan_key)
        if cached is None or cached.rows is not snapshot.answers:
            cached = self._answer_index[plan_key] = AnswerIndex.of(snapshot.answers)
        return cached

    async def known(self, plans: Iterable[Plan], keys: Iterable[ControlKey]) -> Known:
        """Answers to these controls from the workbooks and the journal, newest per slot."""
        answers, pending = await self._answers(plans, _by_plan(keys), newest=True)
        return index_answers(answers, pending)


def _by_plan(keys: Iterable[ControlKey]) -> dict[str, set[str]]:
    """Control IDs grouped by workbook, as the journal is asked for them."""
    by_plan: dict[str, set[str]] = {}
    for key in keys:
        by_plan.setdefault(key.plan_key, set()).add(key.control_id)
    return by_plan
