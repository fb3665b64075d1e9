"""The indices a turn looks things up in find exactly what scanning the plan would."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from bot.domain.assignments import index_answers
from bot.domain.identity import User
from bot.domain.model import Answer, Control, Period, Plan
from bot.domain.plan_index import AnswerIndex, PlanIndex

ANNA, BO = "anna@example.com", "bo@example.com"


def _control(cid: str, owner: str, emails: frozenset[str] = frozenset()) -> Control:
    return Control(
        cid, "ks.xlsx", f"Kontroll {cid}", owner, frozenset({Period.YEAR}), owner_emails=emails
    )


PLAN = Plan(
    "ks.xlsx",
    "ks",
    (
        _control("1", ANNA),
        _control("2", "Ekonomichefen", frozenset({ANNA, BO})),  # a role of two people
        _control("3", BO),
        _control("4", "Okänd roll"),  # saknar ansvarig
        _control("5", "a.b@kommun.se"),  # Anna's alias
        _control("1", BO),  # a repeated ID: the first one is the control
        _control("6", ""),  # saknar ansvarig
    ),
)
USERS = [
    User("u-1", ANNA, "Anna", False, frozenset({ANNA})),
    User("u-1", ANNA, "Anna", False, frozenset({ANNA, "a.b@kommun.se"})),
    User("u-2", BO, "Bo", False, frozenset({BO})),
    User("u-3", "stina@example.com", "Stina", True, frozenset({"stina@example.com"})),
    User("u-4", BO, "Bo", True, frozenset({BO})),
    User("u-5", "ingen@example.com", "Ingen", False, frozenset()),
]


def test_the_controls_a_user_may_answer_are_those_the_plan_gives() -> None:
    index = PlanIndex.of(PLAN)
    for user in USERS:
        scanned = [c for c in PLAN.controls if user.may_answer_as_owner(c)]
        assert index.answerable_by(user) == scanned, user


def test_a_control_is_found_by_id_as_the_plan_finds_it() -> None:
    index = PlanIndex.of(PLAN)
    for cid in ["1", "2", "4", "6", "7", ""]:
        assert index.control(cid) is PLAN.control(cid)


def test_answers_by_control_give_the_same_newest_answer_per_slot() -> None:
    at = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)
    rows = [
        Answer(
            f"a{n}",
            "ks.xlsx",
            cid,
            year,
            Period.YEAR,
            f"Bedömning {n}",
            ANNA,
            at + timedelta(minutes=minutes),
        )
        for n, (cid, year, minutes) in enumerate(
            itertools.product(["1", "2", "3"], [2025, 2026], [0, 5, 5, 1])  # ties on purpose
        )
    ]
    index = AnswerIndex.of(rows)
    for wanted in [{"1"}, {"2", "3"}, {"1", "2", "3"}, {"9"}]:
        scanned = index_answers([a for a in rows if a.control_id in wanted])
        assert index_answers(index.for_controls(wanted)).latest == scanned.latest
