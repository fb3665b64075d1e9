"""Who may answer what and when, the double-submit rule and the next control."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.domain.assignments import AnswerState, Assignment
from bot.domain.identity import User
from bot.domain.model import Answer, Control, ControlKey, Period
from bot.domain.periods import Term
from bot.domain.policy import (
    AlreadySaved,
    Refusal,
    Target,
    UsedElsewhere,
    card_reuse,
    may_answer,
    may_write_summaries,
    next_assignment,
    sees_everything,
    target_of,
    term_open,
)

OWNER = User("u-1", "anna@example.com", "Anna", False, frozenset({"anna@example.com"}))
ALIAS = User("u-1", "anna@example.com", "Anna", False, frozenset({"a.b@kommun.se"}))
OTHER = User("u-2", "bo@example.com", "Bo", False, frozenset({"bo@example.com"}))
STRATEGIST = User("u-3", "stina@example.com", "Stina", True, frozenset({"stina@example.com"}))
HELAR = Term(2026, Period.YEAR)


def control(
    cid: str = "1",
    owner: str = "anna@example.com",
    periods: frozenset[Period] = frozenset({Period.YEAR}),
    due: date | None = None,
) -> Control:
    return Control(cid, "ks.xlsx", f"Kontroll {cid}", owner, periods, due_date=due)


def answer(cid: str = "1", term: Term = HELAR, answer_id: str = "a" * 32) -> Answer:
    return Answer(
        answer_id,
        "ks.xlsx",
        cid,
        term.year,
        term.period,
        "Ingen avvikelse",
        "anna@example.com",
        datetime(2027, 1, 5, tzinfo=UTC),
    )


def assignment(
    cid: str,
    term: Term = HELAR,
    state: AnswerState = AnswerState.UNANSWERED,
    *,
    can_answer: bool = True,
) -> Assignment:
    c = control(cid)
    return Assignment(c, "Plan", term, term.due_for(c), state, None, can_answer)


# --- may answer -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "today",
    [date(2026, 12, 1), date(2026, 12, 31), date(2027, 1, 14), date(2027, 2, 13)],
    ids=["opens", "ends", "due", "last-late-day"],
)
def test_the_ansvarig_may_answer_while_the_term_is_open(today: date) -> None:
    assert may_answer(OWNER, control(), HELAR, today) is None


def test_an_alias_of_the_ansvarig_counts() -> None:
    assert may_answer(ALIAS, control(owner="a.b@kommun.se"), HELAR, date(2027, 1, 10)) is None


def test_someone_else_is_refused_with_a_reason() -> None:
    refusal = may_answer(OTHER, control(), HELAR, date(2027, 1, 10))
    assert isinstance(refusal, Refusal) and "tilldelat någon annan" in refusal.reason


def test_before_the_term_opens_the_day_it_opens_is_named() -> None:
    refusal = may_answer(OWNER, control(), HELAR, date(2026, 11, 30))
    assert refusal == Refusal("Helår 2026 öppnar för svar den 1 december 2026.")


def test_after_the_term_closes_the_day_it_closed_is_named() -> None:
    refusal = may_answer(OWNER, control(), HELAR, date(2027, 2, 14))
    assert refusal is not None
    assert refusal.reason.startswith("Helår 2026 är stängd för svar sedan 13 februari 2027.")


def test_a_sista_svarsdag_moves_the_closing_day() -> None:
    late = control(due=date(2027, 1, 31))  # closes 30 days later: 2 March
    assert may_answer(OWNER, late, HELAR, date(2027, 3, 2)) is None
    assert may_answer(OWNER, late, HELAR, date(2027, 3, 3)) is not None


def test_a_term_the_control_is_not_followed_up_in_is_refused_for_everyone() -> None:
    t1 = Term(2026, Period.T1)
    for user in (OWNER, STRATEGIST):
        refusal = may_answer(user, control(), t1, date(2026, 5, 1))
        assert refusal == Refusal("Kontrollmomentet ska inte följas upp för delår 1 2026.")


def test_a_strategist_may_answer_any_control_near_today_open_or_not() -> None:
    for today in (date(2026, 3, 1), date(2027, 1, 10), date(2027, 12, 31)):
        assert may_answer(STRATEGIST, control(), HELAR, today) is None
    refusal = may_answer(STRATEGIST, control(), HELAR, date(2028, 1, 1))
    assert refusal == Refusal("Helår 2026 ligger för långt från i dag för att besvaras.")


def test_term_open_alone_ignores_who_asks() -> None:
    assert term_open(control(), HELAR, date(2027, 1, 10)) is None
    assert term_open(control(), HELAR, date(2026, 6, 1)) is not None


# --- the double-submit rule ----------------------------------------------------------------


def test_an_unused_card_may_be_saved() -> None:
    assert card_reuse(None, Target(ControlKey("ks.xlsx", "1"), HELAR)) is None


def test_the_same_card_again_gives_the_answer_it_saved() -> None:
    stored = answer()
    assert card_reuse(stored, Target(ControlKey("ks.xlsx", "1"), HELAR)) == AlreadySaved(stored)


@pytest.mark.parametrize(
    "target",
    [
        Target(ControlKey("ks.xlsx", "2"), HELAR),
        Target(ControlKey("soc.xlsx", "1"), HELAR),
        Target(ControlKey("ks.xlsx", "1"), Term(2026, Period.T2)),
        Target(ControlKey("ks.xlsx", "1"), Term(2025, Period.YEAR)),
    ],
    ids=["other-control", "other-plan", "other-period", "other-year"],
)
def test_a_card_used_for_something_else_is_stale(target: Target) -> None:
    reuse = card_reuse(answer(), target)
    assert isinstance(reuse, UsedElsewhere) and "redan använts" in reuse.reason


# --- the next control ------------------------------------------------------------------------


def test_next_is_the_first_unanswered_after_the_one_just_answered() -> None:
    mine = [assignment("1"), assignment("2"), assignment("3")]
    found = next_assignment(mine, target_of(mine[1]))
    assert found is mine[2]


def test_next_wraps_round_and_skips_the_answered_and_the_unanswerable() -> None:
    mine = [
        assignment("1"),
        assignment("2", state=AnswerState.PENDING),
        assignment("3", can_answer=False),
        assignment("4", state=AnswerState.ANSWERED),
    ]
    assert next_assignment(mine, target_of(mine[3])) is mine[0]


def test_next_after_something_not_in_the_list_starts_from_the_top() -> None:
    mine = [assignment("1", state=AnswerState.ANSWERED), assignment("2")]
    assert next_assignment(mine, Target(ControlKey("gone.xlsx", "9"), HELAR)) is mine[1]


def test_next_is_never_the_one_just_answered_and_none_when_all_are_done() -> None:
    only = [assignment("1")]
    assert next_assignment(only, target_of(only[0])) is None
    assert next_assignment([], Target(ControlKey("ks.xlsx", "1"), HELAR)) is None


def test_the_same_control_in_another_term_is_another_target() -> None:
    t2 = Term(2026, Period.T2)
    mine = [assignment("1", t2), assignment("1")]
    assert next_assignment(mine, target_of(mine[0])) is mine[1]


# --- strategists ---------------------------------------------------------------------------


def test_only_a_strategist_sees_everything_and_writes_summaries() -> None:
    assert sees_everything(STRATEGIST) and not sees_everything(OWNER)
    assert may_write_summaries(STRATEGIST) is None
    refusal = may_write_summaries(OWNER)
    assert refusal is not None and "kvalitetsstrategerna" in refusal.reason
