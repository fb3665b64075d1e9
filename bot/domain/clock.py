"""Today and now, in one place (IKBOT_TODAY fixes the date for demos and tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


@dataclass(frozen=True, slots=True)
class Clock:
    """The date periods are judged by, and the time answers are stamped with."""

    fixed_today: date | None = None

    def today(self) -> date:
        """Today's date in Sweden, or the fixed date."""
        return self.fixed_today or datetime.now(STOCKHOLM).date()

    def now(self) -> datetime:
        """The current time (timezone-aware, UTC); with a fixed date, that date at the
        current Swedish time of day, so what is stamped agrees with what is shown."""
        now = datetime.now(STOCKHOLM)
        if self.fixed_today is not None:
            now = datetime.combine(self.fixed_today, now.timetz())
        return now.astimezone(UTC)
