"""Indices over one plan snapshot, built once per read of a workbook so that a turn looks
up only the controls and answers it needs instead of scanning the whole plan.

``PlanIndex``: a plan's controls by ID and by ansvarig address. ``AnswerIndex``: a
workbook's answer rows by control ID, in row order (the newest-per-slot rule, which takes
the later row on a tie, still sees them in the same order). Both are pure and immutable;
``bot.plans.PlanBook`` keeps one of each per workbook and builds a new one only when the
backend hands it a new snapshot. ``ActionIndex``: the åtgärder by owner, built once per
plan snapshot and then updated slot by slot as new answers and statuses come in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot.domain.answer_slots import AnswerSlots, Key
from bot.domain.followup import Slot, StatusUpdate, TrackedAction, action_owners, track
from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey, Plan


@dataclass(frozen=True, slots=True)
class PlanIndex:
    """A plan's controls by ID (the first of an ID, as ``Plan.control``) and by address."""

    plan: Plan
    by_id: Mapping[str, Control]
    by_owner: Mapping[str, tuple[int, ...]]  # address -> positions in ``plan.controls``
    ownerless: tuple[int, ...]  # positions of the controls that "saknar ansvarig"

    @classmethod
    def of(cls, plan: Plan) -> PlanIndex:
        """Index a plan (one pass over its controls)."""
        by_id: dict[str, Control] = {}
        by_owner: dict[str, list[int]] = {}
        ownerless: list[int] = []
        for position, control in enumerate(plan.controls):
            by_id.setdefault(control.id, control)
            owners = control.owners
            if not owners:
                ownerless.append(position)
            for address in owners:
                by_owner.setdefault(address, []).append(position)
        return cls(
            plan,
            MappingProxyType(by_id),
            MappingProxyType({a: tuple(p) for a, p in by_owner.items()}),
            tuple(ownerless),
        )

    def control(self, control_id: str) -> Control | None:
        """The control with this ID, if the plan has it."""
        return self.by_id.get(control_id)

    def answerable_by(self, user: User) -> list[Control]:
        """The controls ``user.may_answer_as_owner`` allows, in plan order: those naming any
        of the user's addresses, and for a strategist those that saknar ansvarig."""
        positions: set[int] = set()
        for address in {user.email, *user.addresses}:
            positions.update(self.by_owner.get(address, ()))
        if user.strategist:
            positions.update(self.ownerless)
        controls = self.plan.controls
        return [controls[p] for p in sorted(positions)]


@dataclass(frozen=True, slots=True)
class AnswerIndex:
    """A workbook's answer rows grouped by control ID, each group in row order."""

    rows: Sequence[Answer]
    by_control: Mapping[str, tuple[Answer, ...]]

    @classmethod
    def of(cls, rows: Sequence[Answer]) -> AnswerIndex:
        """Group the rows (one pass)."""
        by_control: dict[str, list[Answer]] = {}
        for answer in rows:
            by_control.setdefault(answer.control_id, []).append(answer)
        grouped = {c: tuple(a) for c, a in by_control.items()}
        return cls(rows, MappingProxyType(grouped))

    def for_controls(self, ids: Iterable[str]) -> list[Answer]:
        """The rows answering these controls."""
        found: list[Answer] = []
        for control_id in ids:
            found.extend(self.by_control.get(control_id, ()))
        return found


@dataclass(frozen=True, slots=True)
class ActionEntry:
    """An åtgärd with its control, its plan's label and its owners' addresses."""

    tracked: TrackedAction
    control: Control
    plan_label: str
    owners: frozenset[str]


class ActionIndex:
    """Every åtgärd of some plans — the newest answer per slot with an åtgärd, with its
    newest status — by slot and by owner address, kept up to date slot by slot as the
    merged answers (``answers``) and the åtgärd log's updates change."""

    def __init__(self, plans: Sequence[Plan], updates: Mapping[Slot, StatusUpdate]) -> None:
        self.plans = tuple(plans)
        self.answers = AnswerSlots(plans)
        self.updates: Mapping[Slot, StatusUpdate] = dict(updates)
        # The last control of a key, as a scan building a dict of every control finds it.
        self._where = {c.key: (p, c) for p in plans for c in p.controls}
        self.by_slot: dict[Key, ActionEntry] = {}
        self._by_owner: dict[str, set[Key]] = {}

    def start(self) -> None:
        """Take in every answer ``answers`` holds."""
        self.touch(list(self.answers.filled()))

    def touch(self, keys: Iterable[Key]) -> None:
        """Bring these slots up to date with ``answers``."""
        for key in keys:
            old = self.by_slot.pop(key, None)
            if old is not None:
                for address in old.owners:
                    self._by_owner[address].discard(key)
            answer = self.answers.newest(key)
            if answer is None:
                continue
            plan_key, control_id, year, period = key
            control_key = ControlKey(plan_key, control_id)
            where = self._where.get(control_key)
            if where is None:
                continue
            tracked = track(answer, self.updates.get((control_key, year, period)))
            if tracked is None:
                continue
            plan, control = where
            owners = action_owners(tracked.action, plan.owners, control)
            self.by_slot[key] = ActionEntry(tracked, control, plan.label, owners)
            for address in owners:
                self._by_owner.setdefault(address, set()).add(key)

    def set_updates(self, updates: Mapping[Slot, StatusUpdate]) -> None:
        """Take the åtgärd log's newest updates now."""
        old, self.updates = self.updates, dict(updates)
        changed = [slot for slot in {*old, *updates} if old.get(slot) != updates.get(slot)]
        self.touch((key.plan_key, key.control_id, year, period) for key, year, period in changed)

    def owned_by(self, user: User) -> list[ActionEntry]:
        """The åtgärder one of whose owners is the user (any of their addresses)."""
        keys: set[Key] = set()
        for address in {user.email, *user.addresses}:
            keys |= self._by_owner.get(address, set())
        return [self.by_slot[key] for key in keys]
