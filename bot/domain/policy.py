"""Who may do what, and when: the rules the dialogs, the CLI and the reminders share.

Pure functions of domain data. A rule that says no returns a ``Refusal`` whose reason is
the Swedish sentence a person reads; a rule that says yes returns None. Nothing here
raises to say no.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey
from bot.domain.periods import Term
from bot.domain.swedish import format_date

# A strategist may answer any term this close to today (in years), open or not.
STRATEGIST_YEARS = 1

NOT_YOURS = (
    "Det här kontrollmomentet är tilldelat någon annan. Du kan bara svara på dina egna "
    "kontrollmoment."
)
CARD_USED = "Kortet har redan använts. Öppna kontrollmomentet från listan igen."
SUMMARY_FOR_STRATEGISTS = (
    "Det är kvalitetsstrategerna som skriver sammanställningen till Excel. Be dem om den, "
    "eller skriv **status** för att se dina egna kontrollmoment."
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule said no; ``reason`` says why, in Swedish."""

    reason: str


@dataclass(frozen=True, slots=True)
class Target:
    """One control in one term: what a card's buttons point at."""

    control: ControlKey
    term: Term

    def is_for(self, assignment: Assignment) -> bool:
        """Whether the assignment is this control in this term."""
        return assignment.control.key == self.control and assignment.term == self.term


def target_of(assignment: Assignment) -> Target:
    """The target an assignment stands for."""
    return Target(assignment.control.key, assignment.term)


def term_open(control: Control, term: Term, today: date) -> Refusal | None:
    """Whether the ansvarig may answer this control in this term today (DESIGN §6)."""
    if not control.due_in(term.year, term.period):
        return Refusal(f"Kontrollmomentet ska inte följas upp för {term.label.lower()}.")
    if today < term.opens:
        return Refusal(f"{term.label} öppnar för svar den {format_date(term.opens)}.")
    closes = term.closes_for(control)
    if today > closes:
        return Refusal(
            f"{term.label} är stängd för svar sedan {format_date(closes)}. "
            "Kontakta kvalitetsstrategen om svaret behöver ändras."
        )
    return None


def may_answer(user: User, control: Control, term: Term, today: date) -> Refusal | None:
    """Whether this user may answer this control in this term today: the ansvarig while
    the term is open, a strategist any control in any term near today."""
    if not user.may_answer_as_owner(control) and not user.strategist:
        return Refusal(NOT_YOURS)
    if not user.strategist:
        return term_open(control, term, today)
    if not control.due_in(term.year, term.period):
        return Refusal(f"Kontrollmomentet ska inte följas upp för {term.label.lower()}.")
    if abs(term.year - today.year) > STRATEGIST_YEARS:
        return Refusal(f"{term.label} ligger för långt från i dag för att besvaras.")
    return None


@dataclass(frozen=True, slots=True)
class AlreadySaved:
    """The card was submitted before for the same control and term: its answer stands."""

    answer: Answer


@dataclass(frozen=True, slots=True)
class UsedElsewhere:
    """The card's nonce was saved for another control or term: the card is stale."""

    reason: str = CARD_USED


def card_reuse(stored: Answer | None, target: Target) -> AlreadySaved | UsedElsewhere | None:
    """The double-submit rule: a card's nonce becomes its answer's Svar-ID, so a card
    submitted again (a double click, an old client) gives the answer it already saved,
    and a nonce saved for something else is refused. None: the card is unused."""
    if stored is None:
        return None
    if stored.control_key == target.control and (stored.year, stored.period) == (
        target.term.year,
        target.term.period,
    ):
        return AlreadySaved(stored)
    return UsedElsewhere()


def may_view(user: User, control: Control, answer: Answer | None = None) -> Refusal | None:
    """Whether this user may see a control's answers and their history: its ansvarig, a
    strategist, or whoever gave the answer (at any time, open term or not)."""
    if user.strategist or user.may_answer_as_owner(control):
        return None
    if answer is not None and user.owns(answer.answered_by):
        return None
    return Refusal(NOT_YOURS)


NO_ANSWER = "-"  # the version of a slot nobody has answered yet


def version_of(answer: Answer | None) -> str:
    """The version of a slot's newest answer that an answer card is opened against: its
    Svar-ID, or for a row typed into Excel by hand without one, when it was answered."""
    if answer is None:
        return NO_ANSWER
    if answer.answer_id:
        return answer.answer_id
    when = answer.when
    return f"excel:{when.isoformat()}" if when else f"excel:{answer.outcome}"[:200]


def overwrites_newer(base: str | None, current: Answer | None) -> Answer | None:
    """The no-silent-overwrite rule: a card opened against one version of the answer may
    not replace another (someone else's save, another device, an older card). The newer
    answer, when the card's version is not the current one; None when it may save. A
    card that carries no version (made before cards carried one) is not checked."""
    if base is None or base == version_of(current):
        return None
    return current if current is not None else None


def answerable(assignment: Assignment) -> bool:
    """Whether an assignment still waits for its first answer and may be given one."""
    return assignment.can_answer and assignment.state is AnswerState.UNANSWERED


def next_assignment(assignments: Sequence[Assignment], after: Target) -> Assignment | None:
    """The next control to answer after ``after``: the first answerable one following it
    in the list (wrapping round to the start), never ``after`` itself."""
    start = next((i + 1 for i, a in enumerate(assignments) if after.is_for(a)), 0)
    for assignment in [*assignments[start:], *assignments[:start]]:
        if answerable(assignment) and not after.is_for(assignment):
            return assignment
    return None


def sees_everything(user: User) -> bool:
    """Whether the user sees every nämnd's status, not only their own controls."""
    return user.strategist


def may_write_summaries(user: User) -> Refusal | None:
    """Only strategists write the summary sheet into the workbooks."""
    return None if user.strategist else Refusal(SUMMARY_FOR_STRATEGISTS)
