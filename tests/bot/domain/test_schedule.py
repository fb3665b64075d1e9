"""The reminder schedule: Swedish working days and hours, and the stages of a deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.schedule import (
    ReminderOverrides,
    ReminderRules,
    Stage,
    digest_day,
    due_step,
    in_sending_hours,
    is_working_day,
    owner_steps,
    working_days_before,
)


def test_swedish_holidays_and_de_facto_days_off_are_not_working_days() -> None:
    assert not is_working_day(date(2026, 6, 19))  # midsommarafton (de facto)
    assert not is_working_day(date(2026, 12, 24))  # julafton (de facto)
    assert not is_working_day(date(2026, 12, 31))  # nyårsafton (de facto)
    assert not is_working_day(date(2027, 1, 6))  # trettondedag jul
    assert not is_working_day(date(2026, 5, 1))  # första maj
    assert not is_working_day(date(2026, 5, 2))  # a Saturday
    assert is_working_day(date(2026, 5, 4))
    assert is_working_day(date(2027, 1, 7))


def test_working_days_before_skips_weekends_and_holidays() -> None:
    # 14 January 2027 is a Thursday: back over a weekend. Eight back passes 6 January
    # (trettondedag jul, a Wednesday) and the weekend before it.
    assert working_days_before(date(2027, 1, 14), 5) == date(2027, 1, 7)
    assert working_days_before(date(2027, 1, 14), 6) == date(2027, 1, 5)
    assert working_days_before(date(2026, 5, 14), 5) == date(2026, 5, 7)


def test_hours_are_stockholm_time_on_working_days() -> None:
    # 08:00 in Stockholm in winter is 07:00 UTC; 17:00 is the end (exclusive).
    assert in_sending_hours(datetime(2027, 1, 12, 7, 0, tzinfo=UTC))
    assert not in_sending_hours(datetime(2027, 1, 12, 6, 59, tzinfo=UTC))
    assert not in_sending_hours(datetime(2027, 1, 12, 16, 0, tzinfo=UTC))
    # Summer time: 08:00 is 06:00 UTC.
    assert in_sending_hours(datetime(2026, 5, 5, 6, 0, tzinfo=UTC))
    assert not in_sending_hours(datetime(2026, 6, 19, 9, 0, tzinfo=UTC))  # midsommarafton
    rules = ReminderRules(start_hour=9, end_hour=12)
    assert not in_sending_hours(datetime(2027, 1, 12, 7, 30, tzinfo=UTC), rules)


def test_the_default_stages_of_helar() -> None:
    steps = owner_steps(date(2026, 12, 1), date(2027, 1, 14))
    assert [(s.name, s.day) for s in steps] == [
        ("opens", date(2026, 12, 1)),
        ("before", date(2027, 1, 7)),
        ("deadline", date(2027, 1, 14)),
        ("overdue-1", date(2027, 1, 21)),
        ("overdue-2", date(2027, 1, 28)),
        ("overdue-3", date(2027, 2, 4)),
        ("overdue-4", date(2027, 2, 11)),
    ]
    assert digest_day(date(2027, 1, 14)) == date(2027, 1, 21)


def test_a_deadline_on_a_holiday_is_reminded_the_working_day_before() -> None:
    steps = {s.name: s.day for s in owner_steps(date(2026, 4, 1), date(2026, 5, 1))}
    assert steps["deadline"] == date(2026, 4, 30)


def test_only_the_latest_stage_that_has_come_is_due() -> None:
    opens, deadline = date(2026, 12, 1), date(2027, 1, 14)
    assert due_step(date(2026, 11, 30), opens, deadline) is None
    assert due_step(date(2026, 12, 20), opens, deadline).stage is Stage.OPENS  # type: ignore[union-attr]
    # Down over the whole of the before stage and the deadline: one catch-up, the deadline.
    step = due_step(date(2027, 1, 15), opens, deadline)
    assert step is not None and step.name == "deadline"
    step = due_step(date(2027, 3, 1), opens, deadline)
    assert step is not None and step.name == "overdue-4"


def test_a_workbook_can_change_the_schedule() -> None:
    rules = ReminderOverrides(days_before=2, overdue_times=1, on_open=False).apply(ReminderRules())
    names = [s.name for s in owner_steps(date(2026, 12, 1), date(2027, 1, 14), rules)]
    assert names == ["before", "deadline", "overdue-1"]
    assert owner_steps(date(2026, 12, 1), date(2027, 1, 14), ReminderRules(enabled=False)) == []
    assert digest_day(date(2027, 1, 14), ReminderRules(digest_after=0)) is None
