"""Where due items come from: a small protocol, and its first source, the kontrollmoment.

The sweep asks every ``DueSource`` for what is due today and, just before sending, which
of the items it is about to send are still not done (answering stops reminders at once).
Another kind of item (an åtgärd to close) is another source with its own ``kind``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Protocol

from bot.domain.assignments import AnswerState, Known
from bot.domain.due import CONTROL, DueItem
from bot.domain.model import Control, ControlKey, Plan
from bot.domain.periods import Term, open_terms
from bot.domain.schedule import DEFAULT_RULES, ReminderRules


class DueSource(Protocol):
    """A source of due items of one kind."""

    kind: str

    async def due(self, today: date) -> list[DueItem]:
        """Everything of this kind that is open and not done today (one item per person
        and thing: a control with two ansvariga gives two items)."""
        ...

    async def still_due(self, items: Sequence[DueItem], today: date) -> list[DueItem]:
        """Those of ``items`` that are still not done now (asked just before sending)."""
        ...


class PlanReader(Protocol):
    """The plans and their answers (``bot.plans.PlanBook``)."""

    async def plans(self) -> list[Plan]:
        """Every plan that can be read now."""
        ...

    async def known(self, plans: Iterable[Plan], keys: Iterable[ControlKey]) -> Known:
        """The newest answer per slot for these controls, and which are pending."""
        ...


RulesFor = Callable[[Plan], ReminderRules]


def plan_rules(plan: Plan, rules: ReminderRules) -> ReminderRules:
    """The schedule for one workbook: the configured rules with its Påminnelser table's
    changes."""
    return plan.reminders.apply(rules)


class ControlSource:
    """Kontrollmoment whose term is open and that their ansvarig has not answered."""

    kind = CONTROL

    def __init__(self, plans: PlanReader, rules_for: RulesFor | None = None) -> None:
        self._plans = plans
        self._rules_for = rules_for or (lambda _plan: DEFAULT_RULES)

    async def due(self, today: date) -> list[DueItem]:
        """Every unanswered control in an open term, one item per ansvarig address."""
        plans = await self._plans.plans()
        slots = [
            (plan, control, term)
            for plan in plans
            for control in plan.controls
            if control.has_owner
            for term in open_terms(control, today)
        ]
        known = await self._plans.known(plans, {c.key for _, c, _ in slots})
        items: list[DueItem] = []
        for plan, control, term in slots:
            _answer, state = known.lookup(control.key, term)
            if state is AnswerState.UNANSWERED:
                items.extend(self._items(plan, control, term))
        return items

    async def still_due(self, items: Sequence[DueItem], today: date) -> list[DueItem]:
        """The items whose control still exists, is still this person's, is still open
        and still has no answer (a journalled answer counts, written or not)."""
        mine = [i for i in items if i.kind == CONTROL]
        if not mine:
            return []
        plans = {p.key: p for p in await self._plans.plans()}
        keys = {ControlKey(i.plan, i.key) for i in mine}
        known = await self._plans.known(plans.values(), keys)
        left: list[DueItem] = []
        for item in mine:
            plan = plans.get(item.plan)
            control = plan.control(item.key) if plan else None
            if plan is None or control is None or item.recipient not in control.owners:
                continue
            term = Term(item.year, item.period).for_control(control)
            if not term.is_open_for(control, today):
                continue
            if known.lookup(control.key, term)[1] is AnswerState.UNANSWERED:
                left.append(item)
        return left

    def _items(self, plan: Plan, control: Control, term: Term) -> list[DueItem]:
        rules = self._rules_for(plan)
        return [
            DueItem(
                kind=CONTROL,
                recipient=owner,
                plan=plan.key,
                key=control.id,
                year=term.year,
                period=term.period,
                opens=term.opens_for(control),
                deadline=term.due_for(control),
                label=control.description,
                plan_name=plan.label,
                namnd=control.namnd or plan.label,
                rules=rules,
            )
            for owner in sorted(control.owners)
        ]
