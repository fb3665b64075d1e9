"""The use cases of answering: list, open, submit, next → typed results.

No cards and no SDK: the dialogs turn each result into a card, the CLI and the reminders
call the same methods. The rules themselves (who may answer, whether a term is open, the
double-submit check, the next control) are ``bot.domain.policy``'s; this module finds the
data they need and records what they allow.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from bot.domain.assignments import Assignment, Known, assignments_among
from bot.domain.clock import Clock
from bot.domain.drafts import Draft
from bot.domain.followup import Earlier
from bot.domain.identity import User
from bot.domain.model import (
    Action,
    Answer,
    Control,
    ControlKey,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
)
from bot.domain.periods import Term, latest_term
from bot.domain.policy import (
    AlreadySaved,
    Refusal,
    Target,
    UsedElsewhere,
    card_reuse,
    may_answer,
    may_view,
    next_assignment,
    overwrites_newer,
    target_of,
    version_of,
)
from bot.store.drafts import Drafts
from bot.store.journal import Appended

logger = logging.getLogger(__name__)

GONE = (
    "Kontrollmomentet finns inte längre i planen. Det kan ha tagits bort eller fått ett nytt "
    "ID – öppna listan igen."
)
NOT_SAVED = "Svaret är inte sparat. Rätta det som är markerat."


class PlanCatalog(Protocol):
    """The plans and what is known about their answers (``bot.plans.PlanBook``)."""

    async def plans(self) -> list[Plan]:
        """Every plan that can be read now."""
        ...

    async def find(self, plan_key: str, control_id: str) -> tuple[Plan, Control] | None:
        """The plan and control for these ids, if both exist now."""
        ...

    async def known(self, plans: Iterable[Plan], keys: Iterable[ControlKey]) -> Known:
        """The newest answer per slot for these controls, and which are pending."""
        ...

    async def owned(self, user: User, plans: Iterable[Plan]) -> list[tuple[Plan, Control]]:
        """The controls of these plans the user may answer as ansvarig, in plan order."""
        ...


class AnswerLog(Protocol):
    """The answer journal, as far as answering needs it."""

    async def get(self, answer_id: str) -> Answer | None:
        """The answer with this Svar-ID, if stored."""
        ...

    async def append(self, answer: Answer) -> bool:
        """Store an answer; False if its Svar-ID is already stored."""
        ...

    async def append_unless_newer(
        self, answer: Answer, seen: Answer | None, *, draft_of: str | None = None
    ) -> Appended:
        """Store an answer unless its Svar-ID is stored or the slot has an answer newer than
        ``seen`` (checked and stored in one transaction), forgetting ``draft_of``'s draft of
        the slot in the same transaction."""
        ...

    async def is_pending(self, answer_id: str) -> bool:
        """Whether the answer still waits to be written to its workbook."""
        ...

    async def written_at(self, answer_id: str) -> datetime | None:
        """When the answer was written to its workbook; None while it waits."""
        ...

    async def writer_state(self, plan_key: str) -> WriterFailure | None:
        """Why writing the workbook last failed, if it did."""
        ...

    async def history(self, key: ControlKey, year: int, period: Period) -> list[Answer]:
        """Every version answered for one slot, oldest first."""
        ...


class WriterFailure(Protocol):
    """What the journal records when writing a workbook fails."""

    @property
    def last_error(self) -> str:
        """Why, in Swedish (what blocks the write)."""
        ...


class DraftKeeper(Protocol):
    """Where half-written answers are kept (``bot.store.drafts.Drafts``)."""

    async def put(self, person: str, key: ControlKey, term: Term, draft: Draft) -> None:
        """Keep (or replace) a person's draft."""
        ...

    async def get(self, person: str, key: ControlKey, term: Term) -> Draft | None:
        """The person's draft, if kept."""
        ...

    async def delete(self, person: str, key: ControlKey, term: Term) -> None:
        """Forget the person's draft."""
        ...


class _NoDrafts:
    """Keeps nothing (for callers that never go back from a card, such as the CLI)."""

    async def put(self, person: str, key: ControlKey, term: Term, draft: Draft) -> None:
        return None

    async def get(self, person: str, key: ControlKey, term: Term) -> Draft | None:
        return None

    async def delete(self, person: str, key: ControlKey, term: Term) -> None:
        return None


@dataclass(frozen=True, slots=True)
class ValidAnswer:
    """A submission that passed every rule, ready to become an Answer."""

    outcome: OutcomeOption
    checked: int | None
    deviations: int | None
    observations: str
    analysis: str
    action: Action | None
    continuation: str = ""  # at helår: what becomes of the kontrollmoment


class AnswerForm(Protocol):
    """What the answer card submitted, parsed at the edge; its rules depend on the plan."""

    def validate(
        self, scale: OutcomeScale, period: Period, today: date
    ) -> ValidAnswer | Mapping[str, str]:
        """The valid answer, or Swedish error messages keyed by input id."""
        ...


@dataclass(frozen=True, slots=True)
class Submission:
    """A press of "Spara svar": the control and term, the card's nonce, and the version of
    the answer the card was opened against (None: a card from before cards carried one)."""

    target: Target
    nonce: str
    base: str | None = None


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listed:
    """The user's controls to answer now, in the order they are shown."""

    assignments: tuple[Assignment, ...]
    today: date


@dataclass(frozen=True, slots=True)
class Opened:
    """An answer card to show: the assignment, the bedömningar offered, a fresh nonce, the
    version of the answer it is opened against, and the person's draft if one was kept."""

    assignment: Assignment
    options: tuple[OutcomeOption, ...]
    nonce: str
    today: date
    base: str
    draft: Draft | None = None
    earlier: tuple[Earlier, ...] = ()  # this year's earlier answers, with their åtgärder


@dataclass(frozen=True, slots=True)
class Invalid:
    """The submission broke a rule: nothing is saved, the card comes back with errors."""

    assignment: Assignment
    options: tuple[OutcomeOption, ...]
    nonce: str
    today: date
    errors: Mapping[str, str]
    base: str | None = None
    earlier: tuple[Earlier, ...] = ()


@dataclass(frozen=True, slots=True)
class Conflict:
    """Someone saved a newer answer since the card was opened: nothing is saved; the card
    comes back with the newer answer shown and the choice to replace it anyway."""

    assignment: Assignment
    options: tuple[OutcomeOption, ...]
    nonce: str
    today: date
    newer: Answer
    base: str  # the newer answer's version: "Ersätt ändå" replaces exactly that one


@dataclass(frozen=True, slots=True)
class Saved:
    """The answer is journalled (now or by an earlier press of the same card), and where
    it stands now: written to the workbook (when), waiting (and why), or replaced."""

    assignment: Assignment
    answer: Answer
    pending: bool  # not yet written to the workbook
    has_next: bool  # another control waits for an answer
    written_at: datetime | None = None
    waiting: str = ""  # what blocks the write, when the last attempt failed
    newer: Answer | None = None  # a newer answer for the same control and term


@dataclass(frozen=True, slots=True)
class History:
    """Every version of the answer to a control in a term, oldest first."""

    assignment: Assignment
    versions: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class Stale:
    """The card was already used for another control or term."""

    reason: str


@dataclass(frozen=True, slots=True)
class AllDone:
    """Nothing is left to answer."""


def new_nonce() -> str:
    """A fresh per-card id; it becomes the Svar-ID of the answer saved from that card."""
    return secrets.token_hex(16)


# This year's earlier answers to a control, with their åtgärder (``bot.actions``).
EarlierLookup = Callable[[Plan, Control, Term], Awaitable[tuple[Earlier, ...]]]


class Answers:
    """Answering kontrollmoment: the use cases over the plans, the journal and the clock."""

    def __init__(
        self,
        plans: PlanCatalog,
        journal: AnswerLog,
        clock: Clock,
        *,
        notify: Callable[[], None] = lambda: None,
        drafts: DraftKeeper | None = None,
        on_open: Callable[[User, Target], Awaitable[None]] | None = None,
        evidence: Callable[[ControlKey, Term], Awaitable[tuple[str, ...]]] | None = None,
        earlier: EarlierLookup | None = None,
    ) -> None:
        self._plans = plans
        self._journal = journal
        self._clock = clock
        self._drafts = drafts or _NoDrafts()
        # The SQL drafts live in the journal's database: a saved answer's draft is
        # forgotten in the transaction that journals it.
        self._drafts_in_journal = isinstance(drafts, Drafts)
        self._earlier = earlier
        self._on_open = on_open  # the card a person has open: where their files belong
        self._evidence = evidence  # the underlag attached, whose links go into the answer
        self._notify = notify  # wakes the writer when something new is journalled

    async def my_assignments(
        self, user: User, period: Period | None = None, year: int | None = None
    ) -> Listed:
        """The user's controls in the open terms (or the next term, when none is open); with
        a period, the user's controls in that term (this year's, or the one asked for)."""
        today = self._clock.today()
        if period is None:
            return Listed(tuple(await self._mine(user, today)), today)
        return Listed(tuple(await self._in_term(user, latest_term(period, today, year))), today)

    async def _in_term(self, user: User, wanted: Term) -> list[Assignment]:
        plans = await self._plans.plans()
        mine = [
            (plan, c)
            for plan, c in await self._plans.owned(user, plans)
            if c.due_in(wanted.year, wanted.period)
        ]
        known = await self._plans.known(plans, [c.key for _, c in mine])
        today = self._clock.today()
        found = []
        for plan, control in mine:
            term = Term(wanted.year, wanted.period, control.calendar)
            answer, state = known.lookup(control.key, term)
            allowed = may_answer(user, control, term, today) is None
            due = term.due_for(control)
            found.append(Assignment(control, plan.name, term, due, state, answer, allowed))
        found.sort(key=lambda a: (a.due, a.control.plan_key, a.control.row))
        return found

    async def open(self, user: User, target: Target) -> Opened | Refusal:
        """The answer card for a control in a term, if the user may answer it now."""
        today = self._clock.today()
        found = await self._assignment_known(user, target, today)
        if isinstance(found, Refusal):
            return found
        assignment, plan, known = found
        options = plan.scale.for_period(target.term.period)
        # Where the person's files go and their draft are independent: written and read
        # side by side (on SQLite the read need not wait for the write's commit).
        _, draft = await asyncio.gather(
            self._focus(user, target), self._drafts.get(user.email, target.control, target.term)
        )
        # A restored draft keeps the version it was written against, so an answer saved
        # by someone else in between is still noticed.
        base = draft.base if draft and draft.base else version_of(assignment.answer)
        earlier = await self._earlier_of(plan, assignment, known)
        return Opened(assignment, options, new_nonce(), today, base, draft, earlier)

    async def back(
        self, user: User, target: Target, values: Mapping[str, str], base: str | None
    ) -> Listed:
        """Leave an answer card for the list, keeping what was typed as a draft (for the
        person's own controls only: nothing is kept for a card they may not answer)."""
        today = self._clock.today()
        draft = Draft(dict(values), base, self._clock.now())
        found = await self._assignment(user, target, today)
        if not isinstance(found, Refusal):
            if draft.empty:
                await self._drafts.delete(user.email, target.control, target.term)
            else:
                await self._drafts.put(user.email, target.control, target.term, draft)
        return await self.my_assignments(user)

    async def submit(
        self, user: User, submission: Submission, inputs: AnswerForm
    ) -> Saved | Invalid | Conflict | Refusal | Stale:
        """Check, validate and journal one answer; the same card twice saves it once."""
        today = self._clock.today()
        target = submission.target
        # The underlag's links are read beside the answers rather than after them: two
        # independent reads, so the save waits for one round trip to the store, not two.
        found, links = await asyncio.gather(
            self._answering(user, target, today), self._links(target)
        )
        if isinstance(found, Refusal):
            return found
        assignment, plan, mine = found
        result = inputs.validate(plan.scale, target.term.period, today)
        if not isinstance(result, ValidAnswer):
            # A card saved already gives its receipt, whatever it sends now.
            reused = await self._reused(user, assignment, submission, today, mine)
            if reused is not None:
                return reused
            options = plan.scale.for_period(target.term.period)
            errors = {"_form": NOT_SAVED, **result}
            earlier = await self._earlier_of(plan, assignment, mine.known)
            return Invalid(
                assignment, options, submission.nonce, today, errors, submission.base, earlier
            )
        newer = overwrites_newer(submission.base, assignment.answer)
        if newer is not None:
            # The answer this card saved itself (pressed twice) is no conflict.
            reused = await self._reused(user, assignment, submission, today, mine, newer)
            if reused is not None:
                return reused
            options = plan.scale.for_period(target.term.period)
            return Conflict(assignment, options, submission.nonce, today, newer, version_of(newer))
        answer = _answer(submission, assignment, user, result, self._clock)
        if links is not None:
            answer = replace(answer, evidence=links)
        if submission.base is None:  # a card from before cards carried a version
            appended = Appended(saved=await self._journal.append(answer))
            if appended.saved:
                await self._drafts.delete(user.email, target.control, target.term)
        else:
            # The person's draft goes in the same transaction as the answer: one commit.
            draft_of = user.email if self._drafts_in_journal else None
            appended = await self._journal.append_unless_newer(
                answer, assignment.answer, draft_of=draft_of
            )
            if appended.saved and not self._drafts_in_journal:
                await self._drafts.delete(user.email, target.control, target.term)
        if appended.newer is not None:  # saved by someone else since this turn looked
            options = plan.scale.for_period(target.term.period)
            newer = appended.newer
            return Conflict(assignment, options, submission.nonce, today, newer, version_of(newer))
        if appended.saved:
            self._notify()
            logger.info("Answer %s journalled for %s", answer.answer_id, answer.plan_key)
            return await self._saved(user, assignment, answer, today, mine=mine, fresh=appended)
        # The card was saved already (pressed twice, or the same card submitted at the
        # same moment): what was stored wins.
        stored = appended.stored or await self._journal.get(submission.nonce)
        match card_reuse(stored, target):
            case AlreadySaved(saved):
                return await self._saved(user, assignment, saved, today, mine=mine)
            case UsedElsewhere(reason):
                return Stale(reason)
            case None:  # appended by nobody, yet refused: a store that lost it
                return Stale(UsedElsewhere().reason)

    async def _focus(self, user: User, target: Target) -> None:
        if self._on_open is not None:
            await self._on_open(user, target)

    async def _links(self, target: Target) -> tuple[str, ...] | None:
        """The links of the underlag attached to the target (None: none are kept)."""
        if self._evidence is None:
            return None
        return await self._evidence(target.control, target.term)

    async def _reused(
        self,
        user: User,
        assignment: Assignment,
        submission: Submission,
        today: date,
        mine: Mine,
        current: Answer | None = None,
    ) -> Saved | Stale | None:
        """The receipt when the card was saved already, Stale when its nonce was saved for
        something else, None when the card is unused (the double-submit rule)."""
        stored = (
            current
            if current is not None and current.answer_id == submission.nonce
            else await self._journal.get(submission.nonce)
        )
        match card_reuse(stored, submission.target):
            case AlreadySaved(answer):
                return await self._saved(user, assignment, answer, today, mine=mine)
            case UsedElsewhere(reason):
                return Stale(reason)
            case None:
                return None

    async def receipt(self, user: User, target: Target, answer_id: str) -> Saved | Refusal | Stale:
        """The receipt of a saved answer as it stands now (Teams asks again whenever the
        receipt is shown): written to Excel or not, and whether a newer answer replaced it."""
        today = self._clock.today()
        found = await self._assignment(user, target, today, view_only=True)
        if isinstance(found, Refusal):
            return found
        assignment, _ = found
        match card_reuse(await self._journal.get(answer_id), target):
            case AlreadySaved(answer):
                refusal = may_view(user, assignment.control, answer)
                if refusal is not None:
                    return refusal
                return await self._saved(user, assignment, answer, today)
            case UsedElsewhere(reason):
                return Stale(reason)
            case None:
                return Stale(UsedElsewhere().reason)

    async def history(self, user: User, target: Target) -> History | Refusal:
        """Every version of the answer to a control in a term, from the journal."""
        found = await self._assignment(user, target, self._clock.today(), view_only=True)
        if isinstance(found, Refusal):
            return found
        assignment, _ = found
        refusal = may_view(user, assignment.control)
        if refusal is not None:
            return refusal
        versions = await self._journal.history(target.control, target.term.year, target.term.period)
        return History(assignment, tuple(versions))

    async def next_after(self, user: User, target: Target) -> Opened | AllDone | Refusal:
        """The answer card of the next control waiting for an answer after ``target``."""
        mine = await self._mine(user, self._clock.today())
        following = next_assignment(mine, target)
        if following is None:
            return AllDone()
        return await self.open(user, target_of(following))

    async def _mine(self, user: User, today: date) -> list[Assignment]:
        plans = await self._plans.plans()
        mine = await self._plans.owned(user, plans)
        known = await self._plans.known(plans, [c.key for _, c in mine])
        return assignments_among(user, mine, known, today)

    async def _earlier_of(
        self, plan: Plan, assignment: Assignment, known: Known | None = None
    ) -> tuple[Earlier, ...]:
        """The control's earlier answers this year, with their åtgärder; none to look up
        when what the turn read has no answer to an earlier period (``known``)."""
        if self._earlier is None:
            return ()
        if known is not None and not _answered_before(known, assignment):
            return ()
        return await self._earlier(plan, assignment.control, assignment.term)

    async def _answering(
        self, user: User, target: Target, today: date
    ) -> tuple[Assignment, Plan, Mine] | Refusal:
        """``_assignment`` to answer it, with the user's own controls' answers read in the
        same query of the journal (the receipt's "next" button needs them)."""
        found = await self._plans.find(target.control.plan_key, target.control.control_id)
        if found is None:
            return Refusal(GONE)
        plan, control = found
        term = Term(target.term.year, target.term.period, control.calendar)
        refusal = may_answer(user, control, term, today)
        if refusal is not None:
            return refusal
        plans = await self._plans.plans()
        owned = await self._plans.owned(user, plans)
        keys = [c.key for _, c in owned]
        if control.key not in keys:  # a strategist answering someone else's control
            keys.append(control.key)
        known = await self._plans.known(plans, keys)
        answer, state = known.lookup(control.key, term)
        assignment = Assignment(
            control, plan.name, term, term.due_for(control), state, answer, can_answer=True
        )
        return assignment, plan, Mine(user, owned, known, today)

    async def _assignment(
        self, user: User, target: Target, today: date, *, view_only: bool = False
    ) -> tuple[Assignment, Plan] | Refusal:
        """The assignment a card points at, after every permission check (to answer it;
        ``view_only``: to see its answers, whether or not the term is open)."""
        found = await self._assignment_known(user, target, today, view_only=view_only)
        if isinstance(found, Refusal):
            return found
        assignment, plan, _ = found
        return assignment, plan

    async def _assignment_known(
        self, user: User, target: Target, today: date, *, view_only: bool = False
    ) -> tuple[Assignment, Plan, Known] | Refusal:
        """``_assignment``, with what is known of the control's answers."""
        found = await self._plans.find(target.control.plan_key, target.control.control_id)
        if found is None:
            return Refusal(GONE)
        plan, control = found
        # The card carries the year and period; the workbook's calendar gives the dates.
        term = Term(target.term.year, target.term.period, control.calendar)
        if not view_only:
            refusal = may_answer(user, control, term, today)
            if refusal is not None:
                return refusal
        known = await self._plans.known([plan], [control.key])
        answer, state = known.lookup(control.key, term)
        assignment = Assignment(
            control, plan.name, term, term.due_for(control), state, answer, can_answer=True
        )
        return assignment, plan, known

    async def _saved(
        self,
        user: User,
        assignment: Assignment,
        answer: Answer,
        today: date,
        *,
        mine: Mine | None = None,
        fresh: Appended | None = None,
    ) -> Saved:
        """Where a saved answer stands; ``fresh``: saved by this turn (so it waits for the
        writer, and how the writer last fared was read in the same transaction)."""
        if fresh is not None:
            pending, written_at = True, None
            waiting = fresh.failure.last_error if fresh.failure else ""
        else:
            pending = await self._journal.is_pending(answer.answer_id)
            written_at = None if pending else await self._journal.written_at(answer.answer_id)
            waiting = ""
            if pending:
                failure = await self._journal.writer_state(answer.plan_key)
                waiting = failure.last_error if failure else ""
        after = target_of(assignment)
        # The others' states are what the turn read before saving: the next control is
        # never the one just answered, so this answer's own state does not matter.
        assignments = mine.assignments() if mine is not None else await self._mine(user, today)
        has_next = next_assignment(assignments, after) is not None
        current = assignment.answer  # may be from before this answer was saved: compare times
        newer = (
            current
            if current is not None
            and current.answer_id != answer.answer_id
            and current.when is not None
            and current.answered_at > answer.answered_at
            else None
        )
        return Saved(assignment, answer, pending, has_next, written_at, waiting, newer)


@dataclass(slots=True)
class Mine:
    """The user's controls and what was known of their answers when the turn read them;
    their assignments are worked out only when asked for (the receipt's "next" button)."""

    user: User
    owned: list[tuple[Plan, Control]]
    known: Known
    today: date
    _assignments: list[Assignment] | None = None

    def assignments(self) -> list[Assignment]:
        """The user's assignments, as ``Answers.my_assignments`` lists them."""
        if self._assignments is None:
            self._assignments = assignments_among(self.user, self.owned, self.known, self.today)
        return self._assignments


def _answered_before(known: Known, assignment: Assignment) -> bool:
    """Whether the control has an answer to a period before the assignment's, that year."""
    key, term = assignment.control.key, assignment.term
    return any(
        slot_key == key and year == term.year and Period(period).rank < term.period.rank
        for slot_key, year, period in known.latest
    )


def _answer(
    submission: Submission, assignment: Assignment, user: User, valid: ValidAnswer, clock: Clock
) -> Answer:
    term, control = submission.target.term, assignment.control
    return Answer(
        answer_id=submission.nonce,
        plan_key=control.plan_key,
        control_id=control.id,
        year=term.year,
        period=term.period,
        outcome=valid.outcome.label,
        answered_by=user.email,
        answered_at=clock.now(),
        checked=valid.checked,
        deviations=valid.deviations,
        observations=valid.observations,
        analysis=valid.analysis,
        action=valid.action,
        continuation=valid.continuation,
        days_late=assignment.days_overdue(clock.today()),
    )
