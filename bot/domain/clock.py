"""Today and now, in one place (IKBOT_TODAY fixes the date for demos and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
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

    def today(self) -> date:
        """Today's date in Sweden, or the fixed date."""
        if self.fixed_now is not None:
            return self.fixed_now.astimezone(STOCKHOLM).date()
        return self.fixed_today or datetime.now(STOCKHOLM).date()

    def now(self) -> datetime:
        """The current time (timezone-aware, UTC); with a fixed date, that date at the
        current Swedish time of day, so what is stamped agrees with what is shown."""
        if self.fixed_now is not None:
            return self.fixed_now.astimezone(UTC)
        now = datetime.now(STOCKHOLM)
        if self.fixed_today is not None:
            now = datetime.combine(self.fixed_today, now.timetz())
        return now.astimezone(UTC)

    def set(self, moment: datetime) -> None:
        """Stop time at ``moment`` (timezone-aware); for tests and the dry run."""
        if moment.tzinfo is None:
            raise ValueError("the moment needs a timezone")
        self.fixed_now = moment
