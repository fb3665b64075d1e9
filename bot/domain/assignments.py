"""Which kontrollmoment a person should answer now, and where each one stands."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey, Plan, answered_at, newest_per_slot
from bot.domain.periods import Term, current_term, open_terms


class AnswerState(enum.StrEnum):
    """Where one control stands for one term."""

    UNANSWERED = "unanswered"
    PENDING = "pending"  # accepted and journalled, not yet in the workbook
    ANSWERED = "answered"

    @property
    def label(self) -> str:
        """Swedish, as shown in the list card."""
        return _STATE_LABELS[self]


_STATE_LABELS = {
    AnswerState.UNANSWERED: "Obesvarad",
    AnswerState.PENDING: "Väntar på att skrivas till Excel",
    AnswerState.ANSWERED: "Besvarad",
}


@dataclass(frozen=True, slots=True)
class Assignment:
    """One control to answer in one term, as the list and answer cards show it."""

    control: Control
    plan_name: str
    term: Term
    due: date
    state: AnswerState
    answer: Answer | None
    can_answer: bool

    def days_overdue(self, today: date) -> int:
        """Days past the deadline (0 when not late)."""
        return max(0, (today - self.due).days)


@dataclass(frozen=True, slots=True)
class Known:
    """What is known about answers: the newest per slot, and which of those are pending."""

    latest: Mapping[tuple[ControlKey, int, str], Answer]
    pending_ids: frozenset[str]

    def lookup(self, key: ControlKey, term: Term) -> tuple[Answer | None, AnswerState]:
        """The newest answer for a control in a term, and its state."""
        answer = self.latest.get((key, term.year, term.period.value))
        if answer is None:
            return None, AnswerState.UNANSWERED
        if answer.answer_id in self.pending_ids:
            return answer, AnswerState.PENDING
        return answer, AnswerState.ANSWERED


def index_answers(answers: Iterable[Answer], pending_ids: Iterable[str] = ()) -> Known:
    """Index answers (from the workbook and the journal) by control and term; newest wins."""
    latest = newest_per_slot(
        answers, lambda a: (a.control_key, a.year, a.period.value), answered_at
    )
    return Known(latest, frozenset(pending_ids))


def assignments_for(
    user: User, plans: Iterable[Plan], known: Known, today: date
) -> list[Assignment]:
    """The user's controls in the open terms, ordered by deadline, plan and row; for a
    strategist also the controls that "saknar ansvarig" (their ansvarig resolves to
    nobody), so that someone can answer them.

    When none of the user's controls is open, the controls of the term that opens next are
    listed instead, answerable only by a strategist (who may answer at any time).
    """
    mine = [(plan, c) for plan in plans for c in plan.controls if user.may_answer_as_owner(c)]
    return assignments_among(user, mine, known, today)


def assignments_among(
    user: User, mine: Iterable[tuple[Plan, Control]], known: Known, today: date
) -> list[Assignment]:
    """``assignments_for`` over the controls already found to be the user's to answer
    (``user.may_answer_as_owner``), e.g. through a plan's index."""
    mine = list(mine)
    result: list[Assignment] = []
    for plan, control in mine:
        for term in open_terms(control, today):
            answer, state = known.lookup(control.key, term)
            result.append(
                Assignment(control, plan.name, term, term.due_for(control), state, answer, True)
            )
    if not result:
        for plan, control in mine:
            upcoming = current_term(today, control.calendar)
            if control.due_in(upcoming.year, upcoming.period):
                answer, state = known.lookup(control.key, upcoming)
                result.append(
                    Assignment(
                        control,
                        plan.name,
                        upcoming,
                        upcoming.due_for(control),
                        state,
                        answer,
                        user.strategist,
                    )
                )
    result.sort(key=lambda a: (a.due, a.control.plan_key, a.control.row, a.term))
    return result
