"""The second source of due items: åtgärder that are not done, by their Klart senast.

An åtgärd is reminded of with the same rules as a kontrollmoment — some working days
before Klart senast, on the day, then weekly while it is late — but never "now it opens"
(it was the owner's own proposal) and without the strategists' overdue digest (the status
lists the late åtgärder instead). An åtgärd without a Klart senast gets no reminder. The
outbox key carries the period the åtgärd came from, and the stage its day, so two åtgärder
of one person with different dates are two reminders, each sent once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Protocol

from bot.domain.due import ACTION, DueItem
from bot.domain.followup import TrackedAction
from bot.domain.model import Control, Plan
from bot.reminders.sources import PlanReader, RulesFor

# Reminding starts at most this long before Klart senast (the "before" stage needs a start).
_WINDOW = timedelta(days=90)


class OpenAction(Protocol):
    """An open åtgärd as ``bot.actions.Actions.open_actions`` gives it."""

    @property
    def tracked(self) -> TrackedAction:
        """The åtgärd, its status and the answer slot it came from."""
        ...

    @property
    def control(self) -> Control:
        """The kontrollmoment the åtgärd belongs to."""
        ...

    @property
    def owners(self) -> frozenset[str]:
        """The addresses of whoever should finish it."""
        ...


class OpenActions(Protocol):
    """Where the open åtgärder come from (``bot.actions.Actions``)."""

    async def open_actions(self) -> Sequence[OpenAction]:
        """Every åtgärd that is not done."""
        ...


class ActionSource:
    """Åtgärder that are not Klar, one item per owner, due by their Klart senast."""

    kind = ACTION

    def __init__(self, plans: PlanReader, actions: OpenActions, rules_for: RulesFor) -> None:
        self._plans = plans
        self._actions = actions
        self._rules_for = rules_for

    async def due(self, today: date) -> list[DueItem]:
        """Every open, dated åtgärd, for each of its owners."""
        plans = {p.key: p for p in await self._plans.plans()}
        items: list[DueItem] = []
        for found in await self._actions.open_actions():
            plan = plans.get(found.tracked.plan_key)
            if plan is not None:
                items.extend(self._items(plan, found))
        return items

    async def still_due(self, items: Sequence[DueItem], today: date) -> list[DueItem]:
        """The items whose åtgärd is still open, still this person's and still dated so."""
        mine = [i for i in items if i.kind == ACTION]
        if not mine:
            return []
        current = {
            (i.plan, i.key, i.year, i.period, i.recipient, i.deadline)
            for i in await self.due(today)
        }
        return [
            i for i in mine if (i.plan, i.key, i.year, i.period, i.recipient, i.deadline) in current
        ]

    def _items(self, plan: Plan, found: OpenAction) -> Iterable[DueItem]:
        tracked = found.tracked
        due = tracked.action.due
        if due is None:
            return []
        rules = replace(self._rules_for(plan), on_open=False, digest_after=0)
        return [
            DueItem(
                kind=ACTION,
                recipient=owner.casefold(),
                plan=plan.key,
                key=tracked.control_id,
                year=tracked.year,
                period=tracked.period,
                opens=due - _WINDOW,
                deadline=due,
                label=tracked.action.text,
                plan_name=plan.label,
                namnd=found.control.namnd or plan.label,
                rules=rules,
            )
            for owner in sorted(found.owners)
        ]
