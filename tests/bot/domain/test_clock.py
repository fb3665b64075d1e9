"""The clock: a fixed date (IKBOT_TODAY) also dates what is stamped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.clock import STOCKHOLM, Clock


def test_a_fixed_date_stamps_that_date_at_the_current_time_of_day() -> None:
    clock = Clock(date(2026, 12, 15))
    stamped = clock.now()
    assert stamped.tzinfo is UTC
    assert stamped.astimezone(STOCKHOLM).date() == date(2026, 12, 15)
    real = datetime.now(STOCKHOLM)
    shown = stamped.astimezone(STOCKHOLM)
    minutes = abs((shown.hour * 60 + shown.minute) - (real.hour * 60 + real.minute))
    assert min(minutes, 24 * 60 - minutes) <= 1  # the same time of day (midnight aside)


def test_without_a_fixed_date_it_is_now() -> None:
    assert abs((Clock().now() - datetime.now(UTC)).total_seconds()) < 5
    assert Clock().today() == datetime.now(STOCKHOLM).date()


def test_with_a_fixed_date_time_runs_on_past_midnight() -> None:
    # Stockholm's midnight between two stamps: the second comes after the first, on the
    # next day, not at the fixed date's early morning (which made a newer answer look older
    # than the one before it to the writer, and kept the older in the workbook).
    real = [datetime(2026, 11, 29, 22, 59, 58, tzinfo=UTC)]  # 23:59:58 in Stockholm
    clock = Clock(date(2027, 1, 10), real_now=lambda: real[0])
    before = clock.now()
    real[0] += timedelta(seconds=4)
    after = clock.now()
    assert before.astimezone(STOCKHOLM) == datetime(2027, 1, 10, 23, 59, 58, tzinfo=STOCKHOLM)
    assert after - before == timedelta(seconds=4)
    assert after.astimezone(STOCKHOLM).date() == date(2027, 1, 11)
    assert clock.today() == date(2027, 1, 10)  # periods are still judged by the fixed date
