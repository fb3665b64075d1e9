"""The follow-up calendar and the Period column's vocabulary."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.model import DEFAULT_CALENDAR, Calendar, Control, Period, PeriodEnd
from bot.domain.periods import Term, current_term, open_terms, parse_period_name, parse_periods

ALL = frozenset(DEFAULT_CALENDAR.periods)  # delår 1, delår 2 and helår


def control(periods=ALL, due: date | None = None) -> Control:
    return Control("1", "p.xlsx", "Kontroll", "a@example.com", frozenset(periods), due_date=due)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Delår 1", {Period.T1}),
        ("delår 2", {Period.T2}),
        ("Helår", {Period.YEAR}),
        ("", {Period.YEAR}),
        (None, {Period.YEAR}),
        ("Delår 2, Helår", {Period.T2, Period.YEAR}),
        ("Delår 2 och helår", {Period.T2, Period.YEAR}),
        ("Delår 1 / Delår 2", {Period.T1, Period.T2}),
        ("Delår 1 + helår", {Period.T1, Period.YEAR}),
        ("Delår 1 och 2", {Period.T1, Period.T2}),
        ("Varje delår", {Period.T1, Period.T2}),
        ("Alla perioder", ALL),
        ("Varje period", ALL),
        ("  HELÅR ", {Period.YEAR}),
        ("Delar 1", {Period.T1}),
    ],
)
def test_period_texts(text, expected) -> None:
    assert parse_periods(text) == frozenset(expected)


@pytest.mark.parametrize("text", ["Kvartal 3", "Delår 3", "Helår, månadsvis", "2", "och"])
def test_unknown_period_text_is_not_guessed(text) -> None:
    assert parse_periods(text) is None


def test_term_dates() -> None:
    helar = Term(2026, Period.YEAR)
    assert helar.end == date(2026, 12, 31)
    assert helar.default_due == date(2027, 1, 14)
    assert helar.opens == date(2026, 12, 1)
    assert helar.closes_for(control()) == date(2027, 2, 13)
    assert Term(2026, Period.T1).default_due == date(2026, 5, 14)
    assert Term(2026, Period.T2).end == date(2026, 8, 31)


def test_helar_is_answered_next_january_with_its_own_year() -> None:
    assert open_terms(control(), date(2027, 1, 10)) == [Term(2026, Period.YEAR)]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 30), []),
        (date(2026, 3, 31), [Term(2026, Period.T1)]),
        (date(2026, 6, 13), [Term(2026, Period.T1)]),
        (date(2026, 6, 14), []),
        (date(2026, 8, 1), [Term(2026, Period.T2)]),
        (date(2027, 2, 13), [Term(2026, Period.YEAR)]),
        (date(2027, 2, 14), []),
    ],
)
def test_window_edges(today, expected) -> None:
    assert open_terms(control(), today) == expected


def test_only_the_controls_own_periods_open() -> None:
    assert open_terms(control({Period.YEAR}), date(2026, 4, 20)) == []


def test_sista_svarsdag_moves_only_its_own_term() -> None:
    c = control(due=date(2026, 9, 30))
    assert Term(2026, Period.T2).due_for(c) == date(2026, 9, 30)
    assert Term(2026, Period.YEAR).due_for(c) == date(2027, 1, 14)
    assert Term(2026, Period.T2).is_open_for(c, date(2026, 10, 29))


def test_current_term_between_windows_is_the_next_to_open() -> None:
    assert current_term(date(2026, 11, 23)) == Term(2026, Period.YEAR)
    assert current_term(date(2027, 1, 10)) == Term(2026, Period.YEAR)
    assert current_term(date(2027, 3, 1)) == Term(2027, Period.T1)
    assert current_term(date(2026, 7, 1)) == Term(2026, Period.T2)


# --- the kommun's own calendar and period words --------------------------------------------

KVARTAL = Calendar(
    (
        PeriodEnd(Period.Q1, 3, 31),
        PeriodEnd(Period.Q2, 6, 30),
        PeriodEnd(Period.Q3, 9, 30),
        PeriodEnd(Period.YEAR, 12, 31),
    )
)
ONE_DELAR = Calendar((PeriodEnd(Period.T1, 6, 30, 62), PeriodEnd(Period.YEAR, 12, 31, 31)))


@pytest.mark.parametrize(
    ("text", "calendar", "expected"),
    [
        ("Kvartalsvis", KVARTAL, {Period.Q1, Period.Q2, Period.Q3, Period.YEAR}),
        ("Kvartal 1 och 2", KVARTAL, {Period.Q1, Period.Q2}),
        ("Kvartal 4", KVARTAL, {Period.YEAR}),
        ("Halvårsvis", KVARTAL, {Period.Q2, Period.YEAR}),
        ("Halvårsvis", ONE_DELAR, {Period.T1, Period.YEAR}),
        ("Vid delårsbokslutet och årsbokslutet", ONE_DELAR, {Period.T1, Period.YEAR}),
        ("I samband med delårsbokslutet", ONE_DELAR, {Period.T1}),
        ("Vår och höst", ONE_DELAR, {Period.T1, Period.YEAR}),
        ("Löpande", ONE_DELAR, {Period.T1, Period.YEAR}),
    ],
)
def test_period_words_on_a_kommuns_calendar(text, calendar, expected) -> None:
    assert parse_periods(text, calendar) == frozenset(expected)


@pytest.mark.parametrize(
    ("text", "calendar"),
    [
        ("Delår", DEFAULT_CALENDAR),  # which delår? never guessed
        ("Delår 2", ONE_DELAR),
        ("Kvartal 1", DEFAULT_CALENDAR),
        ("Varje delår", Calendar((PeriodEnd(Period.YEAR, 12, 31),))),
    ],
)
def test_a_period_the_calendar_lacks_is_not_guessed(text, calendar) -> None:
    assert parse_periods(text, calendar) is None


def test_terms_on_a_kvartal_calendar_are_dated_and_ordered_by_the_year() -> None:
    c = Control("1", "p.xlsx", "K", "a@example.com", frozenset(KVARTAL.periods), calendar=KVARTAL)
    assert Term(2026, Period.Q2).due_for(c) == date(2026, 7, 14)
    assert open_terms(c, date(2026, 7, 1)) == [Term(2026, Period.Q2)]
    assert current_term(date(2026, 8, 20), KVARTAL) == Term(2026, Period.Q3)
    assert Term(2026, Period.Q3).next() == Term(2026, Period.YEAR)
    order = sorted([Term(2026, Period.YEAR), Term(2026, Period.T2), Term(2026, Period.Q2)])
    assert order == [Term(2026, Period.Q2), Term(2026, Period.T2), Term(2026, Period.YEAR)]


def test_a_control_is_due_only_in_its_plans_year() -> None:
    c = Control("1", "p.xlsx", "K", "a@example.com", frozenset({Period.YEAR}), year=2026)
    assert open_terms(c, date(2027, 1, 10)) == [Term(2026, Period.YEAR)]
    assert open_terms(c, date(2028, 1, 10)) == []
    assert not c.due_in(2027, Period.YEAR) and c.due_in(2026, Period.YEAR)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Delår", Period.T1),
        ("delår 2", Period.T2),
        ("Kvartal 3", Period.Q3),
        ("Helår", Period.YEAR),
    ],
)
def test_period_names(text, period) -> None:
    assert parse_period_name(text) is period
    assert parse_period_name("Halvårsvis") is None
