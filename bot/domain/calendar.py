"""The follow-up periods of a year and a workbook's calendar of them, as pure data.

``bot.domain.periods`` dates the terms and reads the period words; ``bot.domain.model``
re-exports these names, so the rest of the bot keeps importing them from there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date


class Period(enum.StrEnum):
    """A follow-up period of the year: delår 1 and 2, kvartal 1–3 (for a workbook whose
    Perioder table has them) and helår."""

    T1 = "T1"
    T2 = "T2"
    YEAR = "YEAR"
    Q1 = "Q1"
    Q2 = "Q2"
    Q3 = "Q3"

    @property
    def label(self) -> str:
        """The Swedish name people see ("Delår 1", "Kvartal 2", "Helår")."""
        return _PERIOD_LABELS[self]

    @property
    def is_interim(self) -> bool:
        """True for every period but helår: only these may be answered "Följs upp på helår"."""
        return self is not Period.YEAR

    @property
    def rank(self) -> int:
        """Where the period falls in the year on any calendar (kvartal 1 before delår 1 …)."""
        return _PERIOD_RANKS[self]


_PERIOD_LABELS = {
    Period.T1: "Delår 1",
    Period.T2: "Delår 2",
    Period.YEAR: "Helår",
    Period.Q1: "Kvartal 1",
    Period.Q2: "Kvartal 2",
    Period.Q3: "Kvartal 3",
}
_PERIOD_RANKS = {
    Period.Q1: 1,
    Period.T1: 2,
    Period.Q2: 3,
    Period.T2: 4,
    Period.Q3: 5,
    Period.YEAR: 6,
}


@dataclass(frozen=True, slots=True)
class PeriodEnd:
    """When one period of a calendar ends (month, day) and how many days later answers are
    due."""

    period: Period
    month: int
    day: int
    due_days: int = 14

    def end(self, year: int) -> date:
        """The last day the period covers in ``year`` (29 february falls back to the 28th)."""
        try:
            return date(year, self.month, self.day)
        except ValueError:
            return date(year, self.month, 28)


@dataclass(frozen=True, slots=True)
class Calendar:
    """A workbook's follow-up periods in the order they end (the Perioder table), or the
    default: delår 1 per 30 april, delår 2 per 31 augusti, helår per 31 december."""

    ends: tuple[PeriodEnd, ...]

    @classmethod
    def default(cls) -> Calendar:
        """Delår 1, delår 2 and helår, each due 14 days after its end."""
        return DEFAULT_CALENDAR

    @property
    def periods(self) -> tuple[Period, ...]:
        """The calendar's periods, in the order they end."""
        return tuple(e.period for e in self.ends)

    @property
    def interim(self) -> tuple[Period, ...]:
        """Every period but helår, in order."""
        return tuple(e.period for e in self.ends if e.period.is_interim)

    def end_of(self, period: Period) -> PeriodEnd:
        """The end of a period; a period the calendar lacks ends as on the default calendar."""
        for end in self.ends:
            if end.period is period:
                return end
        return _FALLBACK_ENDS[period]


DEFAULT_CALENDAR = Calendar(
    (PeriodEnd(Period.T1, 4, 30), PeriodEnd(Period.T2, 8, 31), PeriodEnd(Period.YEAR, 12, 31))
)
_FALLBACK_ENDS = {
    **{e.period: e for e in DEFAULT_CALENDAR.ends},
    Period.Q1: PeriodEnd(Period.Q1, 3, 31),
    Period.Q2: PeriodEnd(Period.Q2, 6, 30),
    Period.Q3: PeriodEnd(Period.Q3, 9, 30),
}
