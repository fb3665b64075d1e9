"""Indices over one plan snapshot, built once per read of a workbook so that a turn looks
up only the controls and answers it needs instead of scanning the whole plan.

``PlanIndex``: a plan's controls by ID and by ansvarig address. ``AnswerIndex``: a
workbook's answer rows by control ID, in row order (the newest-per-slot rule, which takes
the later row on a tie, still sees them in the same order). Both are pure and immutable;
``bot.plans.PlanBook`` keeps one of each per workbook and builds a new one only when the
backend hands it a new snapshot.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from bot.domain.identity import User
from bot.domain.model import Answer, Control, Plan


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
