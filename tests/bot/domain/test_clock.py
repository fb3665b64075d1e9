"""The clock: a fixed date (IKBOT_TODAY) also dates what is stamped."""

from __future__ import annotations

from datetime import UTC, date, datetime

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
