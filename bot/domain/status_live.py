"""A term's status kept up to date answer by answer: pure, no I/O.

``LiveStatus`` gives the summary ``compile_status`` gives, with ``open_before``'s
åtgärder, for the same plans, term, day and nämnd — but after a few new answers it
updates only the controls those answers are about instead of compiling every control
again. What does not depend on the answers (what is due, the counts due, the groups and
their order, the unscheduled, the wording) is worked out once when it is built; each
due control then contributes its newest answer (or its absence) to the counters, the
lists and the risk matrix, and a new answer takes the old contribution back before it
adds its own. Every list is kept in the order the full compilation sorts it into.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Any

from bot.domain.answer_slots import AnswerSlots, Key
from bot.domain.followup import OpenEarlier, Slot, StatusUpdate, track
from bot.domain.model import Answer, Control, ControlKey, OutcomeOption, Plan, Severity
from bot.domain.periods import Term
from bot.domain.risk import (
    BAND_ORDER,
    RISK_AXIS,
    BandCount,
    RiskCell,
    RiskMatrix,
    band_of,
    sort_score,
)
from bot.domain.status import (
    DEVIATIONS,
    NOT_DUE,
    NOT_IN_PLAN,
    Finding,
    Missing,
    Orphan,
    Summary,
    Unscheduled,
    fold,
    group_counter,
)
from bot.domain.status_tally import LabelCounter, Sorted
from bot.domain.swedish import wording_for

_SEVERITY_RANK = {Severity.MAJOR: 0, Severity.NOT_PERFORMED: 1, Severity.MINOR: 2}


@dataclass(slots=True)
class _Due:
    """A control due in the term (and in the nämnd asked for), and what it adds now."""

    index: int
    position: int
    plan: Plan
    control: Control
    shown: str  # its nämnd as counted
    counters: list[LabelCounter]
    cell: list[int]  # its risk cell: [controls, deviations]
    band: list[int]
    given: Answer | None = None
    missing: tuple[tuple[object, ...], Missing] | None = None  # worked out when first needed


class LiveStatus:
    """A term's status over fixed plans, updated one slot at a time."""

    def __init__(
        self,
        plans: Sequence[Plan],
        term: Term,
        today: date,
        namnd: str | None,
        updates: Mapping[Slot, StatusUpdate],
    ) -> None:
        self.plans = tuple(plans)
        self.term, self.today, self.namnd = term, today, namnd
        self.updates: Mapping[Slot, StatusUpdate] = dict(updates)
        self.answers = AnswerSlots(plans, term.year, term.period)
        self._wanted = fold(namnd) if namnd is not None else None
        self._wanted_earlier = fold(namnd) if namnd else None  # as open_before reads it
        self._labels = {plan.key: plan.label for plan in plans}
        self._control_at = {(p.key, c.id): c for p in plans for c in p.controls}
        self._plan_of = {c.key: p for p in plans for c in p.controls}
        self._options: list[dict[str, OutcomeOption | None]] = [{} for _ in plans]
        self._due: dict[tuple[str, str], list[_Due]] = {}
        self._deviations: Sorted[Finding] = Sorted()
        self._deferred: Sorted[Finding] = Sorted()
        self._unknown: Sorted[Finding] = Sorted()
        self._missing_list: Sorted[Missing] = Sorted()
        self._all_due: list[_Due] = []
        self._orphans: dict[tuple[str, str], Orphan] = {}
        self._earlier: dict[Key, tuple[Any, OpenEarlier]] = {}
        self._build_static()

    def _namnd_of(self, control: Control) -> str:
        return control.namnd.strip() or self._labels.get(control.plan_key, "")

    def _build_static(self) -> None:
        """What does not depend on the answers, in ``compile_status``'s order."""
        plans, term, wanted = self.plans, self.term, self._wanted
        self._by_process = not any(c.area.strip() for plan in plans for c in plan.controls)
        self._total = LabelCounter()
        kinds = ("namnd", "area", "group")
        self._groups: dict[str, dict[str, LabelCounter]] = {k: {} for k in kinds}
        spelling: dict[str, dict[str, str]] = {k: {} for k in kinds}
        by_place: dict[tuple[str, str, str], list[LabelCounter]] = {}
        self._cells = {(p, k): [0, 0] for p in RISK_AXIS for k in RISK_AXIS}
        self._unassessed = [0, 0]
        self._bands = {band: [0, 0] for band in BAND_ORDER}
        self._unbanded = [0, 0]
        unscheduled: list[Unscheduled] = []
        self._unowned = 0
        goals = False
        for index, plan in enumerate(plans):
            for position, control in enumerate(plan.controls):
                if not control.due_in(term.year, term.period):
                    if not control.periods and wanted in (None, fold(self._namnd_of(control))):
                        unscheduled.append(Unscheduled(control, plan.name, self._namnd_of(control)))
                    continue
                shown = self._namnd_of(control)
                if wanted is not None and fold(shown) != wanted:
                    continue
                area = control.process if self._by_process else control.area
                where = (shown, area, control.grouping)
                counters = by_place.get(where)
                if counters is None:
                    counters = by_place[where] = [self._total]
                    for kind, name in zip(kinds, where, strict=True):
                        if kind == "group" and not name.strip():
                            continue
                        counters.append(
                            group_counter(self._groups[kind], spelling[kind], name, LabelCounter)
                        )
                for counter in counters:
                    counter.due += 1
                goals = goals or bool(control.goal)
                if not control.has_owner:
                    self._unowned += 1
                p, k = control.risk.probability, control.risk.consequence
                cell = self._cells.get((p, k)) if p is not None and k is not None else None
                cell = cell if cell is not None else self._unassessed
                cell[0] += 1
                band = band_of(control.risk)
                band_cell = self._bands[band] if band is not None else self._unbanded
                band_cell[0] += 1
                due = _Due(index, position, plan, control, shown, counters, cell, band_cell)
                self._due.setdefault((plan.key, control.id), []).append(due)
                self._all_due.append(due)
        self._unscheduled = tuple(unscheduled)
        self._goals = goals
        self._wording = wording_for(plan.scale for plan in plans)

    def _missing(self, due: _Due) -> tuple[tuple[object, ...], Missing]:
        if due.missing is None:
            control = due.control
            deadline = self.term.due_for(control)
            overdue = max(0, (self.today - deadline).days)
            item = Missing(control, due.plan.name, deadline, overdue, due.shown)
            due.missing = (-overdue, due.index, control.row, control.id), item
        return due.missing

    def start(self) -> None:
        """Take in every answer ``answers`` holds (once, before any ``touch``): each list is
        sorted once at the end rather than kept sorted item by item."""
        term = (self.term.year, self.term.period)
        newest = self.answers.newest
        for key in self.answers.filled():
            plan_key, control_id, year, period = key
            if (year, period) == term:
                answer = newest(key)
                for due in self._due.get((plan_key, control_id), ()):
                    due.given = answer
                self._set_orphan(plan_key, control_id, answer)
            elif (year, period.rank) < (self.term.year, self.term.period.rank):
                self._set_earlier(key)
        lists = (self._deviations, self._deferred, self._unknown, self._missing_list)
        for kept in lists:
            kept.start()
        for due in self._all_due:  # in plan order: each label's places come sorted
            self._apply(due, +1, bulk=True)
        for kept in lists:
            kept.finish()

    def touch(self, keys: Iterable[Key]) -> None:
        """Bring these slots up to date with ``answers`` (their newest answer now)."""
        term = (self.term.year, self.term.period)
        for key in keys:
            plan_key, control_id, year, period = key
            if (year, period) == term:
                self._set_term_answer(plan_key, control_id, self.answers.newest(key))
            elif (year, period.rank) < (self.term.year, self.term.period.rank):
                self._set_earlier(key)

    def set_updates(self, updates: Mapping[Slot, StatusUpdate]) -> None:
        """Take the åtgärd log's newest updates now; the earlier åtgärder they touch change."""
        old, self.updates = self.updates, dict(updates)
        for slot in {*old, *updates}:
            if old.get(slot) != updates.get(slot):
                key, year, period = slot
                self._set_earlier((key.plan_key, key.control_id, year, period))

    # --- the term's answers ----------------------------------------------------------

    def _set_term_answer(self, plan_key: str, control_id: str, answer: Answer | None) -> None:
        for due in self._due.get((plan_key, control_id), ()):
            if due.given is answer:
                continue
            self._apply(due, -1)
            due.given = answer
            self._apply(due, +1)
        self._set_orphan(plan_key, control_id, answer)

    def _set_orphan(self, plan_key: str, control_id: str, answer: Answer | None) -> None:
        self._orphans.pop((plan_key, control_id), None)
        if answer is None:
            return
        control = self._control_at.get((plan_key, control_id))
        if control is None:
            self._orphans[(plan_key, control_id)] = Orphan(answer, NOT_IN_PLAN)
        elif not control.due_in(self.term.year, self.term.period) and self._wanted in (
            None,
            fold(self._namnd_of(control)),
        ):
            self._orphans[(plan_key, control_id)] = Orphan(answer, NOT_DUE)

    def _apply(self, due: _Due, sign: int, *, bulk: bool = False) -> None:
        """Add (+1) or take back (-1) what the control's answer, or its absence, adds."""
        given, control = due.given, due.control
        if given is None:
            key, item = self._missing(due)
            if sign > 0:
                self._missing_list.add(key, item)
            else:
                self._missing_list.remove(key)
            return
        options = self._options[due.index]
        if given.outcome in options:
            option = options[given.outcome]
        else:
            option = options[given.outcome] = due.plan.scale.find(given.outcome)
        place = (due.index, due.position)
        for counter in due.counters:
            counter.answered += sign
            if option is None:
                counter.unknown += sign
                continue
            counter.by_class[option.severity] += sign
            places = counter.by_label.setdefault(option.label, [])
            if bulk:
                places.append(place)
            elif sign > 0:
                bisect.insort(places, place)
            else:
                places.remove(place)
                if not places:
                    del counter.by_label[option.label]
        if option is None:
            if sign > 0:
                finding = Finding(
                    control, due.plan.name, given, None, given.outcome.strip(), due.shown
                )
                self._unknown.add(place, finding)
            else:
                self._unknown.remove(place)
            return
        if option.severity in DEVIATIONS:
            rank = _SEVERITY_RANK[option.severity]
            key = (rank, -sort_score(control.risk), due.index, control.row, control.id)
            lists, cells = self._deviations, [due.cell, due.band]
        elif option.severity is Severity.DEFERRED:
            key, lists, cells = place, self._deferred, []
        else:
            return
        for cell in cells:
            cell[1] += sign
        if sign > 0:
            shown = due.shown
            lists.add(
                key, Finding(control, due.plan.name, given, option.severity, option.label, shown)
            )
        else:
            lists.remove(key)

    # --- earlier periods' åtgärder ---------------------------------------------------

    def _set_earlier(self, key: Key) -> None:
        self._earlier.pop(key, None)
        answer = self.answers.newest(key)
        plan_key, control_id, year, period = key
        if answer is None:
            return
        if (year, period.rank) >= (self.term.year, self.term.period.rank):
            return
        control_key = ControlKey(plan_key, control_id)
        plan = self._plan_of.get(control_key)
        if plan is None:
            return
        tracked = track(answer, self.updates.get((control_key, year, period)))
        if tracked is None or not tracked.is_open:
            return
        control = self._control_at[(plan_key, control_id)]
        if self._wanted_earlier is not None and fold(control.namnd) != self._wanted_earlier:
            return
        late = tracked.days_overdue(self.today)
        item = OpenEarlier(tracked, control, plan.label, control.namnd.strip() or plan.label, late)
        order = (-late, plan_key, control.row, self.answers.first(key))
        self._earlier[key] = (order, item)

    # --- the summary -----------------------------------------------------------------

    def summary(self) -> Summary:
        """The status as it stands (what ``compile_status`` with ``open_before`` gives)."""
        matrix = RiskMatrix(
            tuple(RiskCell(p, k, *self._cells[(p, k)]) for p in RISK_AXIS for k in RISK_AXIS),
            self._unassessed[0],
            self._unassessed[1],
            tuple(BandCount(band, *self._bands[band]) for band in BAND_ORDER),
            self._unbanded[0],
        )
        groups = self._groups
        orphans = sorted(
            self._orphans.values(), key=lambda o: (o.answer.answered_at, o.answer.answer_id)
        )
        earlier = sorted(self._earlier.values(), key=lambda pair: pair[0])
        return Summary(
            term=self.term,
            today=self.today,
            namnd=self.namnd,
            total=self._total.freeze(),
            by_namnd=MappingProxyType({n: c.freeze() for n, c in groups["namnd"].items()}),
            by_area=MappingProxyType({a: c.freeze() for a, c in groups["area"].items()}),
            deviations=self._deviations.values(),
            deferred=self._deferred.values(),
            unknown=self._unknown.values(),
            unanswered=self._missing_list.values(),
            orphans=tuple(orphans),
            risk=matrix,
            by_group=MappingProxyType({g: c.freeze() for g, c in groups["group"].items()}),
            group_heading="Per mål" if self._goals else "Per grupp",
            area_heading="Per process/rutin" if self._by_process else "Per område",
            wording=self._wording,
            unscheduled=self._unscheduled,
            unowned=self._unowned,
            open_actions=tuple(item for _, item in earlier),
        )
