"""The live status: after any sequence of changes it equals a full compilation.

Randomized (hypothesis): journal entries (new answers, updates of an answer, answers for
other periods and years, ties in time, controls not in the plan), workbook rows written
by the bot (a patch of the rows held: the same objects where untouched) or read again
from disk (every row new), åtgärd status updates, and a new plan snapshot. After each
step the live status must equal ``compile_status`` with ``open_before`` over the merge
``PlanBook.answers_to`` gives, down to the order of every list, mapping and label.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.answer_slots import MAX_CHANGED_ROWS, AnswerSlots, key_of
from bot.domain.followup import ActionStatus, Slot, StatusUpdate, open_before
from bot.domain.model import (
    Action,
    Answer,
    Control,
    ControlKey,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    Risk,
    Severity,
)
from bot.domain.periods import Term
from bot.domain.status import Summary, compile_status
from bot.domain.status_live import LiveStatus

TERM = Term(2026, Period.YEAR)
TODAY = date(2027, 1, 20)
PERIODS = (Period.T1, Period.T2, Period.YEAR)
AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OUTCOMES = (
    "Ingen avvikelse",
    "ingen  AVVIKELSE",
    "Mindre avvikelse",
    "Större avvikelse",
    "Ej genomförd",
    "Förbättringsområde",
    "Följs upp senare",
    "Något okänt",
)
SCALE = OutcomeScale(
    (
        *OutcomeScale.default().options,
        OutcomeOption("Förbättringsområde", Severity.MINOR),
    )
)


def _control(plan_key: str, n: int, variant: int) -> Control:
    periods = (
        frozenset(PERIODS),
        frozenset({Period.YEAR}),
        frozenset({Period.T1, Period.T2}),
        frozenset(),
    )[(n + variant) % 4]
    return Control(
        str(n % 9),  # some IDs come twice in a plan
        plan_key,
        f"Kontroll {n}",
        f"chef{n % 3}@example.com" if n % 5 else "Ekonomichef",
        periods,
        namnd=("Kommunstyrelsen", " kommunstyrelsen", "Socialnämnden", "")[(n + variant) % 4],
        area=("Ekonomi", "Personal", "ekonomi ")[n % 3],
        risk=Risk(n % 4 + 1, (n + variant) % 4 + 1) if n % 3 else Risk(value=n % 16 or None),
        due_date=date(2027, 1, 5 + n % 20) if n % 4 == 0 else None,
        row=n + 2,
        group=("", "Mål 1", "mål 1")[n % 3],
        goal="Ett mål" if n % 7 == 0 else "",
    )


def make_plans(variant: int) -> tuple[Plan, ...]:
    return tuple(
        Plan(key, f"Plan {key}", tuple(_control(key, n, variant) for n in range(11)), scale=SCALE)
        for key in ("a.xlsx", "b.xlsx")
    )


answer_spec = st.tuples(
    st.sampled_from(("a.xlsx", "b.xlsx")),
    st.integers(0, 10),  # control ID (9 and 10 are in no plan)
    st.sampled_from((2025, 2026, 2026, 2026, 2026)),
    st.sampled_from((*PERIODS, Period.YEAR, Period.YEAR, Period.YEAR)),  # mostly the term
    st.sampled_from(OUTCOMES),
    st.integers(0, 5),  # answered_at, hours after AT: ties are common
    st.booleans(),  # an åtgärd
)
step = st.one_of(
    st.tuples(st.just("journal"), st.lists(answer_spec, min_size=1, max_size=8)),
    st.tuples(st.just("write"), st.sampled_from(("a.xlsx", "b.xlsx"))),
    st.tuples(st.just("reread"), st.sampled_from(("a.xlsx", "b.xlsx"))),
    st.tuples(st.just("update"), st.integers(0, 50), st.sampled_from(list(ActionStatus))),
    st.tuples(st.just("plans"), st.integers(0, 3)),
)


class World:
    """The answers as the workbooks and the journal hold them, step by step."""

    def __init__(self) -> None:
        self.plans = make_plans(0)
        self.rows: dict[str, tuple[Answer, ...]] = {"a.xlsx": (), "b.xlsx": ()}
        self.journal: list[tuple[int, Answer]] = []
        self.unwritten: set[str] = set()
        self.updates: dict[Slot, StatusUpdate] = {}
        self.seq = 0

    def answer(self, spec: tuple[Any, ...]) -> Answer:
        plan_key, cid, year, period, outcome, hours, action = spec
        self.seq += 1
        return Answer(
            f"svar{self.seq}",
            plan_key,
            str(cid),
            year,
            period,
            outcome,
            "chef@example.com",
            AT + timedelta(hours=hours),
            action=Action("Gör om", "chef1@example.com", date(2027, 1, hours + 1))
            if action
            else None,
        )

    def append(self, specs: Sequence[tuple[Any, ...]]) -> list[tuple[int, Answer]]:
        new = []
        for spec in specs:
            answer = self.answer(spec)
            new.append((self.seq * 10, answer))  # numbers with gaps, as sequences have
            self.unwritten.add(answer.answer_id)
        self.journal.extend(new)
        return new

    def write(self, plan_key: str) -> None:
        """The writer: the newest waiting answer per slot upserted by slot, the rest kept."""
        now = list(self.rows[plan_key])
        first: dict[tuple[str, int, Period], int] = {}
        for position, answer in enumerate(now):
            first.setdefault(answer.slot, position)
        for _, answer in self.journal:
            if answer.plan_key != plan_key or answer.answer_id not in self.unwritten:
                continue
            self.unwritten.discard(answer.answer_id)
            if answer.slot in first:
                now[first[answer.slot]] = answer
            else:
                first[answer.slot] = len(now)
                now.append(answer)
        self.rows[plan_key] = tuple(now)

    def reread(self, plan_key: str) -> None:
        """The file read again: equal rows, every one a new object."""
        self.rows[plan_key] = tuple(dataclasses.replace(a) for a in self.rows[plan_key])

    def update(self, pick: int, status: ActionStatus) -> None:
        answers = [a for _, a in self.journal]
        if not answers:
            return
        answer = answers[pick % len(answers)]
        slot = (answer.control_key, answer.year, answer.period)
        self.updates[slot] = StatusUpdate(
            f"upd{pick}{status.name}",
            answer.plan_key,
            answer.control_id,
            answer.year,
            answer.period,
            status,
            "",
            "chef@example.com",
            AT + timedelta(hours=pick % 7),
            answer.action or Action("Gör om", "", None),
        )

    def merged(self) -> list[Answer]:
        """What ``PlanBook.answers_to`` gives: rows per plan, then the journal per plan."""
        ids = {p.key: {c.id for c in p.controls} for p in self.plans}
        rows = [a for p in self.plans for a in self.rows[p.key] if a.control_id in ids[p.key]]
        journal = [
            a
            for p in self.plans
            for _, a in sorted(self.journal, key=lambda e: e[0])
            if a.plan_key == p.key and a.control_id in ids[p.key]
        ]
        return [*rows, *journal]

    def full(self, namnd: str | None) -> Summary:
        merged = self.merged()
        summary = compile_status(self.plans, merged, TERM, TODAY, namnd=namnd)
        earlier = open_before(
            self.plans, merged, self.updates, TERM.year, TERM.period, TODAY, namnd=namnd
        )
        return dataclasses.replace(summary, open_actions=earlier)

    def pending(self) -> int:
        return sum(
            1
            for a in self.merged()
            if a.answer_id in self.unwritten and (a.year, a.period) == (TERM.year, TERM.period)
        )

    def build(self, namnd: str | None) -> LiveStatus:
        live = LiveStatus(self.plans, TERM, TODAY, namnd, self.updates)
        for plan in self.plans:
            live.answers.set_rows(plan.key, self.rows[plan.key])
        live.answers.add_journal(self.journal)
        live.start()
        return live


def shape(value: Any) -> Any:
    """A summary as nested plain data, mappings as item lists (so their order counts)."""
    if isinstance(value, Mapping):
        return [(shape(k), shape(v)) for k, v in value.items()]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__name__,
            [shape(getattr(value, f.name)) for f in dataclasses.fields(value)],
        )
    if isinstance(value, (tuple, list)):
        return [shape(v) for v in value]
    return value


def assert_same(live: LiveStatus, world: World, namnd: str | None) -> None:
    expected = world.full(namnd)
    got = live.summary()
    assert got == expected
    assert shape(got) == shape(expected)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(step, min_size=1, max_size=12),
    namnd=st.sampled_from((None, "KOMMUNSTYRELSEN", "Plan b.xlsx", "")),
)
def test_live_status_equals_a_full_compile_after_every_step(
    steps: list[tuple[Any, ...]], namnd: str | None
) -> None:
    world = World()
    live = world.build(namnd)
    assert_same(live, world, namnd)
    for kind, *args in steps:
        if kind == "journal":
            live.touch(live.answers.add_journal(world.append(args[0])))
        elif kind in ("write", "reread"):
            getattr(world, kind)(args[0])
            touched = live.answers.set_rows(args[0], world.rows[args[0]])
            if touched is None:  # too much changed: what a caller does then
                live = world.build(namnd)
            else:
                live.touch(touched)
        elif kind == "update":
            world.update(*args)
            live.set_updates(world.updates)
        else:  # a new plan snapshot: a new live status
            world.plans = make_plans(args[0])
            live = world.build(namnd)
        assert_same(live, world, namnd)
        assert live.answers.pending(world.unwritten) == world.pending()


def test_rows_read_again_are_too_large_a_change_once_many() -> None:
    world = World()
    spec = ("a.xlsx", 1, 2026, Period.YEAR, "Ingen avvikelse", 0, False)
    # Rows typed by hand may repeat a slot: many rows for one control.
    world.rows["a.xlsx"] = tuple(world.answer(spec) for _ in range(MAX_CHANGED_ROWS + 1))
    slots = AnswerSlots(world.plans, TERM.year, TERM.period)
    assert slots.set_rows("a.xlsx", world.rows["a.xlsx"]) is not None
    world.reread("a.xlsx")
    assert slots.set_rows("a.xlsx", world.rows["a.xlsx"]) is None


def test_a_patch_of_the_rows_touches_only_its_slots() -> None:
    world = World()
    world.append([("a.xlsx", 1, 2026, Period.YEAR, "Ingen avvikelse", 0, False)])
    world.append([("a.xlsx", 2, 2026, Period.T1, "Mindre avvikelse", 0, True)])
    world.write("a.xlsx")
    slots = AnswerSlots(world.plans, TERM.year, TERM.period)
    slots.set_rows("a.xlsx", world.rows["a.xlsx"])
    new = world.append([("a.xlsx", 1, 2026, Period.YEAR, "Större avvikelse", 1, True)])
    world.write("a.xlsx")
    assert slots.set_rows("a.xlsx", world.rows["a.xlsx"]) == {key_of(new[0][1])}
    assert slots.newest(key_of(new[0][1])) is new[0][1]
    assert slots.newest(("a.xlsx", "1", 2026, Period.T2)) is None
    assert ControlKey("a.xlsx", "1") == new[0][1].control_key
