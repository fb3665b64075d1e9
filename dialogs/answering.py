"""Performs the flow's effects: finds the controls, checks permissions, stores answers.

No Agents SDK here: the handlers turn activities into events and send what this returns.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from bot.domain.assignments import AnswerState, Assignment, assignments_for
from bot.domain.identity import User
from bot.domain.model import Answer, Control, Period, Plan
from bot.domain.periods import Term, requested_term
from bot.reports.compile import compile_term, write_summaries
from bot.services import Services
from cards.actions import SubmitAnswer
from cards.answer import answer_card, answer_values
from cards.common import format_date
from cards.listing import list_card
from cards.notice import notice_card
from cards.receipt import receipt_card
from cards.status import status_card
from cards.summary_written import summary_written_card
from cards.unanswered import unanswered_card
from cards.welcome import help_card, welcome_card
from dialogs.commands import StatusQuery
from dialogs.flow import (
    Effect,
    SaveAnswer,
    ShowAnswerCard,
    ShowHelpCard,
    ShowMyList,
    ShowNextAfter,
    ShowNotUnderstood,
    ShowStatusCard,
    ShowWelcome,
    Target,
    WriteSummarySheet,
)
from dialogs.form import ValidAnswer, raw_values, validate_answer

logger = logging.getLogger(__name__)

STRATEGISTS_ONLY = (
    "Den fullständiga sammanställningen är till för kvalitetsstrategerna. Här är status "
    "för dina egna kontrollmoment."
)
NOT_UNDERSTOOD = (
    "Jag förstod inte riktigt. Skriv **mina kontroller** för att se och besvara dina "
    "kontrollmoment, eller **hjälp** för att se vad jag kan."
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send back: a card, plain text (typed messages only), or a card with a line of
    text above it."""

    card: dict[str, Any] | None = None
    text: str | None = None


class Refused(Exception):
    """The user may not do this; the message says why, in Swedish."""


def new_nonce() -> str:
    """A fresh per-card id; it becomes the Svar-ID of the answer saved from that card."""
    return secrets.token_hex(16)


class Answering:
    """The bot's answers to what users ask for."""

    def __init__(self, services: Services) -> None:
        self._s = services

    async def perform(self, user: User, effect: Effect, inputs: Mapping[str, Any]) -> Reply:
        """Carry out one effect for a user; refusals become a notice card."""
        try:
            return await self._perform(user, effect, inputs)
        except Refused as refusal:
            return Reply(card=notice_card(str(refusal), title="Det gick inte", attention=True))

    async def _perform(self, user: User, effect: Effect, inputs: Mapping[str, Any]) -> Reply:
        if isinstance(effect, ShowWelcome):
            return Reply(card=welcome_card())
        if isinstance(effect, ShowHelpCard):
            return Reply(card=help_card(strategist=user.strategist))
        if isinstance(effect, ShowNotUnderstood):
            return Reply(text=NOT_UNDERSTOOD)
        if isinstance(effect, ShowMyList):
            return Reply(card=list_card(await self._my_assignments(user), self._today()))
        if isinstance(effect, ShowAnswerCard):
            assignment, plan = await self._assignment(user, effect.target)
            options = plan.scale.for_period(assignment.term.period)
            previous = answer_values(assignment.answer) if assignment.answer else None
            card = answer_card(assignment, options, new_nonce(), self._today(), values=previous)
            return Reply(card=card)
        if isinstance(effect, SaveAnswer):
            return Reply(card=await self._save(user, effect.action, inputs))
        if isinstance(effect, ShowNextAfter):
            return await self._next(user, effect.target)
        if isinstance(effect, ShowStatusCard):
            return await self._status(user, effect)
        if isinstance(effect, WriteSummarySheet):
            return await self._write_summaries(user, effect)
        raise AssertionError(f"unhandled effect {effect!r}")

    def _today(self) -> date:
        return self._s.clock.today()

    async def _my_assignments(self, user: User) -> list[Assignment]:
        plans = await self._s.plans.plans()
        mine = [c.key for p in plans for c in p.controls if user.may_answer_as_owner(c)]
        known = await self._s.plans.known(plans, mine)
        return assignments_for(user, plans, known, self._today())

    async def _assignment(self, user: User, target: Target) -> tuple[Assignment, Plan]:
        """The assignment a card action points at, after every permission check."""
        found = await self._s.plans.find(target.plan, target.control)
        if found is None:
            raise Refused(
                "Kontrollmomentet finns inte längre i planen. Det kan ha tagits bort eller "
                "fått ett nytt ID – öppna listan igen."
            )
        plan, control = found
        try:
            term = Term(int(target.year), Period(target.period), control.calendar)
        except ValueError:
            raise Refused("Perioden i kortet är ogiltig.") from None
        _check_may_answer(user, control, term, self._today())
        known = await self._s.plans.known([plan], [control.key])
        answer, state = known.lookup(control.key, term)
        assignment = Assignment(
            control, plan.name, term, term.due_for(control), state, answer, can_answer=True
        )
        return assignment, plan

    async def _save(self, user: User, action: SubmitAnswer, inputs: Mapping[str, Any]) -> dict:
        target = Target(action.plan, action.control, action.year, action.period.value)
        assignment, plan = await self._assignment(user, target)
        control, term = assignment.control, assignment.term
        existing = await self._s.journal.get(action.nonce)
        if existing is not None:
            # The same card submitted twice (a double click, an old client): one answer.
            if existing.control_key == control.key and existing.slot[1:] == (
                term.year,
                term.period,
            ):
                return await self._receipt(user, assignment, existing)
            raise Refused("Kortet har redan använts. Öppna kontrollmomentet från listan igen.")
        result = validate_answer(inputs, plan.scale, term.period, self._today())
        if not isinstance(result, ValidAnswer):
            options = plan.scale.for_period(term.period)
            errors = {"_form": "Svaret är inte sparat. Rätta det som är markerat.", **result}
            return answer_card(
                assignment,
                options,
                action.nonce,
                self._today(),
                values=raw_values(inputs),
                errors=errors,
            )
        answer = Answer(
            answer_id=action.nonce,
            plan_key=control.plan_key,
            control_id=control.id,
            year=term.year,
            period=term.period,
            outcome=result.outcome.label,
            answered_by=user.email,
            answered_at=self._s.clock.now(),
            checked=result.checked,
            deviations=result.deviations,
            observations=result.observations,
            analysis=result.analysis,
            action=result.action,
        )
        if not await self._s.journal.append(answer):
            # Lost a race with the same card submitted concurrently: show what was stored.
            stored = await self._s.journal.get(action.nonce)
            if stored is None or stored.control_key != control.key:
                raise Refused("Kortet har redan använts. Öppna kontrollmomentet igen.")
            answer = stored
        else:
            self._s.writer.notify()
            logger.info("Answer %s journalled for %s", answer.answer_id, control.plan_key)
        return await self._receipt(user, assignment, answer)

    async def _receipt(self, user: User, assignment: Assignment, answer: Answer) -> dict:
        pending = await self._s.journal.is_pending(answer.answer_id)
        remaining = [
            a
            for a in await self._my_assignments(user)
            if a.can_answer
            and a.state is AnswerState.UNANSWERED
            and (a.control.key, a.term) != (assignment.control.key, assignment.term)
        ]
        return receipt_card(assignment, answer, pending=pending, has_next=bool(remaining))

    def _term(self, query: StatusQuery) -> Term:
        return requested_term(query.period, query.year, self._today())

    async def _status(self, user: User, effect: ShowStatusCard) -> Reply:
        """The compiled status: everything for a strategist, one's own controls otherwise."""
        query, term = effect.query, self._term(effect.query)
        plans = await self._s.plans.plans()
        if not user.strategist:
            plans = [
                replace(p, controls=tuple(c for c in p.controls if user.owns(c)))
                for p in plans
            ]
        compiled = await compile_term(self._s.plans, plans, term, self._today(), namnd=query.namnd)
        summary, can_write = compiled.summary, user.strategist
        if effect.unanswered_only:
            return Reply(card=unanswered_card(summary, can_write=can_write))
        card = status_card(summary, full=effect.full, pending=compiled.pending, can_write=can_write)
        return Reply(card=card, text=None if user.strategist else STRATEGISTS_ONLY)

    async def _write_summaries(self, user: User, effect: WriteSummarySheet) -> Reply:
        """Each workbook's summary of the term written to its sheet (strategists only)."""
        if not user.strategist:
            raise Refused(
                "Det är kvalitetsstrategerna som skriver sammanställningen till Excel. Be "
                "dem om den, eller skriv **status** för att se dina egna kontrollmoment."
            )
        query, term = effect.query, self._term(effect.query)
        plans = await self._s.plans.plans()
        results = await write_summaries(
            self._s.plans, plans, term, self._today(), namnd=query.namnd
        )
        card = summary_written_card(results, year=term.year, period=term.period, namnd=query.namnd)
        return Reply(card=card)

    async def _next(self, user: User, after: Target) -> Reply:
        mine = await self._my_assignments(user)
        keys = [(a.control.plan_key, a.control.id, a.term.year, a.term.period.value) for a in mine]
        here = (after.plan, after.control, int(after.year), after.period)
        start = keys.index(here) + 1 if here in keys else 0
        ordered = mine[start:] + mine[:start]
        for assignment in ordered:
            key = (
                assignment.control.plan_key,
                assignment.control.id,
                assignment.term.year,
                assignment.term.period.value,
            )
            if key != here and assignment.can_answer and assignment.state is AnswerState.UNANSWERED:
                target = Target(*key)
                return await self._perform(user, ShowAnswerCard(target), {})
        return Reply(
            card=notice_card(
                "Alla dina kontrollmoment för perioden är besvarade. Tack!", title="Klart"
            )
        )


def _check_may_answer(user: User, control: Control, term: Term, today: date) -> None:
    """Raise Refused unless the user may answer this control in this term today."""
    if not user.owns(control) and not user.strategist:
        raise Refused(
            "Det här kontrollmomentet är tilldelat någon annan. Du kan bara svara på dina "
            "egna kontrollmoment."
        )
    if not control.due_in(term.year, term.period):
        raise Refused(f"Kontrollmomentet ska inte följas upp för {term.label.lower()}.")
    if user.strategist:
        if abs(term.year - today.year) > 1:
            raise Refused(f"{term.label} ligger för långt från i dag för att besvaras.")
        return
    if today < term.opens:
        raise Refused(f"{term.label} öppnar för svar den {format_date(term.opens)}.")
    if today > term.closes_for(control):
        raise Refused(
            f"{term.label} är stängd för svar sedan {format_date(term.closes_for(control))}. "
            "Kontakta kvalitetsstrategen om svaret behöver ändras."
        )
