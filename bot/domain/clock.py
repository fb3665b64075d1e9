"""Today and now, in one place (IKBOT_TODAY fixes the date for demos and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(slots=True)
class Clock:
    """The date periods are judged by, and the time answers are stamped with.

    ``fixed_now`` stops time at one moment (tests move it with ``set``, day by day through
    a year of reminders); it wins over ``fixed_today``.
    """

    fixed_today: date | None = None
    fixed_now: datetime | None = None
    # Where the real time comes from (timezone-aware, UTC); a test may pass its own.
    real_now: Callable[[], datetime] = field(
        default=lambda: datetime.now(UTC), repr=False, compare=False
    )
    # With a fixed date: how far the real time is shifted onto it (taken at the first stamp).
    _shift: timedelta | None = field(default=None, init=False, repr=False, compare=False)

    def today(self) -> date:
        """Today's date in Sweden, or the fixed date."""
        if self.fixed_now is not None:
            return self.fixed_now.astimezone(STOCKHOLM).date()
        return self.fixed_today or datetime.now(STOCKHOLM).date()

    def now(self) -> datetime:
        """The current time (timezone-aware, UTC); with a fixed date, the real time moved
        onto that date at the first stamp (then the fixed date at the current Swedish time
        of day, so what is stamped agrees with what is shown), and running on from there: at
        midnight it goes on into the next day rather than back to the morning of the fixed
        date, so a later answer is never stamped earlier than one before it."""
        if self.fixed_now is not None:
            return self.fixed_now.astimezone(UTC)
        real = self.real_now()
        if self.fixed_today is None:
            return real
        if self._shift is None:
            local = real.astimezone(STOCKHOLM)
            moved = datetime.combine(self.fixed_today, local.timetz())
            self._shift = moved.astimezone(UTC) - real
        return real + self._shift

    def set(self, moment: datetime) -> None:
        """Stop time at ``moment`` (timezone-aware); for tests and the dry run."""
        if moment.tzinfo is None:
            raise ValueError("the moment needs a timezone")
        self.fixed_now = moment
