"""The use cases of following åtgärder: mine, open one, set its status; what is open.

An åtgärd is the Action of the newest answer in a slot (the workbooks' rows and the
journal's, as ``PlanCatalog.known`` gives them); its status is the newest update in the
åtgärd log. No cards and no SDK: the dialogs turn each result into a card, and the
reminder sweep reads ``open_actions``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from bot.answers import PlanCatalog, new_nonce
from bot.domain.clock import Clock
from bot.domain.followup import (
    ActionStatus,
    Earlier,
    Slot,
    StatusUpdate,
    TrackedAction,
    action_owners,
    earlier_answers,
    track,
)
from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey, Period, Plan
from bot.domain.periods import Term
from bot.domain.plan_index import ActionEntry, ActionIndex
from bot.domain.policy import Refusal
from bot.live_answers import JournalReader, RowVersions, catch_up, fill, same_plans
from bot.store.journal import JournalDelta

logger = logging.getLogger(__name__)

GONE = "Åtgärden finns inte längre: svaret kan ha ändrats. Öppna ”mina åtgärder” igen."
NOT_YOURS = (
    "Åtgärden är inte din att följa upp: den har en annan åtgärdsansvarig. "
    "En kvalitetsstrateg kan uppdatera den."
)
CARD_USED = "Kortet har redan använts för en annan åtgärd. Öppna ”mina åtgärder” igen."
COMMENT_MAX = 2000
# What an .xlsx cannot hold and UTF-8 cannot carry: refused, never silently cleaned.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class StatusLog(Protocol):
    """The åtgärd log, as following åtgärder needs it (``bot.store.action_log``)."""

    async def append(self, status: StatusUpdate) -> bool:
        """Store an update; False if its id is already stored."""
        ...

    async def get(self, update_id: str) -> StatusUpdate | None:
        """The update with this id, if stored."""
        ...

    async def latest(self, plan_keys: Collection[str]) -> dict[Slot, StatusUpdate]:
        """The newest update per åtgärd in these workbooks."""
        ...


@dataclass(frozen=True, slots=True)
class OpenAction:
    """An åtgärd with where it came from and who owns it (``owners``: addresses)."""

    tracked: TrackedAction
    control: Control
    plan_name: str
    owners: frozenset[str]

    @property
    def slot(self) -> Slot:
        """The answer slot it came from."""
        return self.tracked.slot

    def days_overdue(self, today: date) -> int:
        """Days past Klart senast while still open."""
        return self.tracked.days_overdue(today)


@dataclass(frozen=True, slots=True)
class MyActions:
    """The user's open åtgärder (by Klart senast), and how many of theirs are done."""

    actions: tuple[OpenAction, ...]
    done: int
    today: date


@dataclass(frozen=True, slots=True)
class ActionOpened:
    """The card for one åtgärd: its state and a fresh nonce."""

    action: OpenAction
    nonce: str
    today: date


@dataclass(frozen=True, slots=True)
class ActionInvalid:
    """The status card broke a rule: nothing saved, the card comes back with errors."""

    action: OpenAction
    nonce: str
    today: date
    errors: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ActionSaved:
    """The status is journalled (now, or by an earlier press of the same card)."""

    action: OpenAction
    update: StatusUpdate
    today: date


@dataclass(frozen=True, slots=True)
class StatusForm:
    """What the status card submitted, parsed at the edge."""

    status: str
    comment: str

    def validate(self) -> tuple[ActionStatus, str] | dict[str, str]:
        """The status and comment, or Swedish errors keyed by input id."""
        errors: dict[str, str] = {}
        status = ActionStatus.__members__.get(self.status) or next(
            (s for s in ActionStatus if s.value == self.status), None
        )
        if status is None:
            errors["action_status"] = "Välj Ej påbörjad, Pågår eller Klar."
        bad = _UNSTORABLE.search(self.comment)
        if bad is not None:
            errors["action_comment"] = (
                f"Texten innehåller ett tecken som inte kan sparas (tecken nr {bad.start() + 1})."
                " Ta bort det och spara igen."
            )
        elif len(self.comment) > COMMENT_MAX:
            errors["action_comment"] = f"Högst {COMMENT_MAX} tecken (du skrev {len(self.comment)})."
        if errors or status is None:
            return errors
        return status, self.comment


class Actions:
    """Following åtgärder: the use cases over the plans, the åtgärd log and the clock."""

    def __init__(
        self,
        plans: PlanCatalog,
        log: StatusLog,
        clock: Clock,
        *,
        notify: Callable[[], None] = lambda: None,
        journal: JournalReader | None = None,
    ) -> None:
        self._plans = plans
        self._log = log
        self._clock = clock
        self._notify = notify  # wakes the writer when something new is journalled
        # With the journal (and a catalog that says which rows it holds), the åtgärder are
        # indexed by owner once per plan snapshot and then kept up to date answer by answer.
        self._journal = journal if isinstance(plans, RowVersions) else None
        self._index: ActionIndex | None = None
        self._lock = asyncio.Lock()

    async def mine(self, user: User) -> MyActions:
        """The åtgärder the user owns that are still open, the oldest Klart senast first."""
        index = await self._indexed()
        if index is not None:
            mine = [_open(entry) for entry in index.owned_by(user)]
        else:
            mine = [a for a in await self._all() if _owned_by(user, a)]
        open_ = [a for a in mine if a.tracked.is_open]
        open_.sort(key=_order)
        return MyActions(tuple(open_), len(mine) - len(open_), self._clock.today())

    async def open_actions(self) -> list[OpenAction]:
        """Every open åtgärd with its owners and Klart senast (for reminders and status)."""
        return sorted((a for a in await self._all() if a.tracked.is_open), key=_order)

    async def open(self, user: User, slot: Slot) -> ActionOpened | Refusal:
        """The status card of one åtgärd, if the user may update it."""
        found = await self._find(user, slot)
        if isinstance(found, Refusal):
            return found
        return ActionOpened(found, new_nonce(), self._clock.today())

    async def set_status(
        self, user: User, slot: Slot, nonce: str, form: StatusForm
    ) -> ActionSaved | ActionInvalid | Refusal:
        """Check and journal a status; the same card pressed twice saves it once."""
        today = self._clock.today()
        found = await self._find(user, slot)
        if isinstance(found, Refusal):
            return found
        stored = await self._log.get(nonce)
        if stored is not None:
            if stored.slot != slot:
                return Refusal(CARD_USED)
            return ActionSaved(_with(found, stored), stored, today)
        valid = form.validate()
        if isinstance(valid, dict):
            return ActionInvalid(found, nonce, today, valid)
        status, comment = valid
        key, year, period = slot
        update = StatusUpdate(
            nonce,
            key.plan_key,
            key.control_id,
            year,
            period,
            status,
            comment,
            user.email,
            self._clock.now(),
            found.tracked.action,
        )
        if await self._log.append(update):
            self._notify()
            logger.info("Åtgärd status %s journalled for %s", nonce, key.plan_key)
        stored = await self._log.get(nonce) or update
        return ActionSaved(_with(found, stored), stored, today)

    async def earlier(self, plan: Plan, control: Control, term: Term) -> tuple[Earlier, ...]:
        """The answers of the control's earlier periods in the term's year, with their
        åtgärder and status (shown on the answer card)."""
        known = await self._plans.known([plan], [control.key])
        latest: dict[Period, Answer] = {}
        for (key, year, period_value), answer in known.latest.items():
            if key == control.key and year == term.year:
                latest[Period(period_value)] = answer
        if not latest:
            return ()
        updates = await self._log.latest([plan.key])
        by_period = {
            period: u
            for (key, year, period), u in updates.items()
            if key == control.key and year == term.year
        }
        return earlier_answers(latest, by_period, term.period)

    async def _indexed(self) -> ActionIndex | None:
        """The åtgärder index brought up to date (None without the journal)."""
        if self._journal is None:
            return None
        plans = await self._plans.plans()
        assert isinstance(self._plans, RowVersions)
        keys = [plan.key for plan in plans]
        async with self._lock:
            rows, _ = await self._plans.version(plans)
            index, self._index = self._index, None  # put back once up to date
            updates = await self._log.latest(keys)
            if index is not None and same_plans(index.plans, plans):
                delta = await self._journal.since(index.answers.seq, keys)
                touched = catch_up(index.answers, plans, rows, delta)
                if touched is not None:
                    index.touch(touched)
                    if updates != index.updates:
                        index.set_updates(updates)
                    self._index = index
                    return index
            delta = await self._journal.since(0, keys)
            self._index = await asyncio.to_thread(_build, plans, rows, delta, updates)
            return self._index

    async def _all(self) -> list[OpenAction]:
        index = await self._indexed()
        if index is not None:
            return [_open(entry) for entry in index.by_slot.values()]
        plans = await self._plans.plans()
        keys = [c.key for p in plans for c in p.controls]
        known = await self._plans.known(plans, keys)
        updates = await self._log.latest([p.key for p in plans])
        by_key = {c.key: (p, c) for p in plans for c in p.controls}
        found: list[OpenAction] = []
        for (key, year, period_value), answer in known.latest.items():
            where = by_key.get(key)
            if where is None:
                continue
            slot = (key, year, Period(period_value))
            tracked = track(answer, updates.get(slot))
            if tracked is None:
                continue
            plan, control = where
            owners = action_owners(tracked.action, plan.owners, control)
            found.append(OpenAction(tracked, control, plan.label, owners))
        return found

    async def _find(self, user: User, slot: Slot) -> OpenAction | Refusal:
        key = slot[0]
        index = await self._indexed()
        if index is not None:
            entry = index.by_slot.get((key.plan_key, key.control_id, slot[1], slot[2]))
            found = [] if entry is None else [_open(entry)]
        else:
            found = await self._all()
        for action in found:
            if action.slot == slot and action.control.key == key:
                if _owned_by(user, action) or user.strategist:
                    return action
                return Refusal(NOT_YOURS)
        return Refusal(GONE)


def _build(
    plans: Sequence[Plan],
    rows: Sequence[object],
    delta: JournalDelta,
    updates: Mapping[Slot, StatusUpdate],
) -> ActionIndex:
    """The åtgärder index of a plan snapshot from every answer (in a worker thread)."""
    index = ActionIndex(plans, updates)
    fill(index.answers, plans, rows, delta)
    index.start()
    return index


def _open(entry: ActionEntry) -> OpenAction:
    return OpenAction(entry.tracked, entry.control, entry.plan_label, entry.owners)


def _owned_by(user: User, action: OpenAction) -> bool:
    return any(user.owns(address) for address in action.owners)


def _order(action: OpenAction) -> tuple[date, str, int, str, int, int]:
    t = action.tracked
    # The period last: two periods' åtgärder of one control come in the periods' order.
    key = (t.action.due or date.max, t.plan_key, action.control.row, t.control_id, t.year)
    return (*key, t.period.rank)


def _with(action: OpenAction, update: StatusUpdate) -> OpenAction:
    """The åtgärd as this update leaves it."""
    tracked = action.tracked
    changed = TrackedAction(
        tracked.plan_key,
        tracked.control_id,
        tracked.year,
        tracked.period,
        tracked.action,
        update.status,
        update.comment,
        update.updated_by,
        update.updated_at,
    )
    return OpenAction(changed, action.control, action.plan_name, action.owners)


def slot(plan_key: str, control_id: str, year: int, period: Period) -> Slot:
    """The slot an åtgärd card points at."""
    return (ControlKey(plan_key, control_id), year, period)
