"""The follow-up calendar: when each period ends, is due, and is open for answers.

Defaults (DESIGN §6): delår 1 ends 30 april, delår 2 on 31 augusti, helår on 31 december;
answers are due 14 days after the end unless the plan row's Sista svarsdag says otherwise;
a period is open from 30 days before its end until 30 days after its due date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.domain.model import Control, Period

DUE_AFTER_END = timedelta(days=14)
OPENS_BEFORE_END = timedelta(days=30)
CLOSES_AFTER_DUE = timedelta(days=30)

_ORDER = (Period.T1, Period.T2, Period.YEAR)


@dataclass(frozen=True, slots=True, order=True)
class Term:
    """One period of one year, e.g. helår 2026 (answered in January 2027 with År = 2026)."""

    year: int
    period: Period

    @property
    def end(self) -> date:
        """The last day the period covers."""
        if self.period is Period.T1:
            return date(self.year, 4, 30)
        if self.period is Period.T2:
            return date(self.year, 8, 31)
        return date(self.year, 12, 31)

    @property
    def default_due(self) -> date:
        """The answer deadline when the plan row gives none."""
        return self.end + DUE_AFTER_END

    @property
    def opens(self) -> date:
        """The first day answers are accepted."""
        return self.end - OPENS_BEFORE_END

    @property
    def label(self) -> str:
        """Swedish, e.g. "Helår 2026"."""
        return f"{self.period.label} {self.year}"

    def due_for(self, control: Control) -> date:
        """The control's deadline in this term: its Sista svarsdag if that belongs here."""
        if control.due_date is not None and self._owns(control.due_date):
            return control.due_date
        return self.default_due

    def closes_for(self, control: Control) -> date:
        """The last day an ansvarig may answer (late answers are accepted until then)."""
        return self.due_for(control) + CLOSES_AFTER_DUE

    def is_open_for(self, control: Control, today: date) -> bool:
        """Whether the ansvarig may answer this control for this term today."""
        return self.period in control.periods and self.opens <= today <= self.closes_for(control)

    def _owns(self, day: date) -> bool:
        # A Sista svarsdag belongs to the term whose window (opening to default closing)
        # contains it; a date for delår 2 must not move the helår deadline.
        return self.opens <= day <= self.default_due + CLOSES_AFTER_DUE

    def next(self) -> Term:
        """The term that follows this one."""
        index = _ORDER.index(self.period)
        if index + 1 < len(_ORDER):
            return Term(self.year, _ORDER[index + 1])
        return Term(self.year + 1, _ORDER[0])


def terms_around(today: date) -> list[Term]:
    """Every term whose window could contain today, oldest first."""
    return [Term(year, period) for year in (today.year - 1, today.year) for period in _ORDER]


def open_terms(control: Control, today: date) -> list[Term]:
    """The terms in which this control may be answered today (normally zero or one)."""
    return [term for term in terms_around(today) if term.is_open_for(control, today)]


def current_term(today: date) -> Term:
    """The term people are working on: the latest one already open, else the next to open."""
    candidates = [*terms_around(today), Term(today.year + 1, Period.T1)]
    started = [t for t in candidates if t.opens <= today]
    latest = max(started)
    if today <= latest.default_due + CLOSES_AFTER_DUE:
        return latest
    return latest.next()


def latest_term(period: Period, today: date, year: int | None = None) -> Term:
    """The term a status asks about: the given year's; else that period in the year being
    worked on, or the year before if it lies ahead (in March, "helår" is last year's)."""
    if year is not None:
        return Term(year, period)
    current = current_term(today)
    candidate = Term(current.year, period)
    return candidate if candidate <= current else Term(current.year - 1, period)


def requested_term(period: Period | None, year: int | None, today: date) -> Term:
    """The term `status [period] [year]` means: a named period as ``latest_term`` picks it,
    else the current term (of the year given, if one is)."""
    if period is not None:
        return latest_term(period, today, year)
    current = current_term(today)
    return Term(year, current.period) if year is not None else current


_SEPARATORS = re.compile(r"\s*(?:,|/|\+|&|;|\boch\b)\s*")
_PERIOD_WORDS = {
    "delår 1": frozenset({Period.T1}),
    "delår1": frozenset({Period.T1}),
    "delår 2": frozenset({Period.T2}),
    "delår2": frozenset({Period.T2}),
    "helår": frozenset({Period.YEAR}),
    "årsbokslut": frozenset({Period.YEAR}),
    "varje delår": frozenset({Period.T1, Period.T2}),
    "alla perioder": frozenset(_ORDER),
    "varje period": frozenset(_ORDER),
}


def parse_periods(text: object) -> frozenset[Period] | None:
    """Parse a Period cell ("Delår 2 och helår", "Varje delår"); None if not understood.

    An empty cell means helår.
    """
    cleaned = " ".join(str(text or "").split()).casefold().replace("delar", "delår")
    cleaned = cleaned.replace("helar", "helår")
    if not cleaned:
        return frozenset({Period.YEAR})
    found: set[Period] = set()
    for part in _SEPARATORS.split(cleaned):
        if not part:
            continue
        periods = _PERIOD_WORDS.get(part)
        if periods is None and part in ("1", "2"):
            # "Delår 1 och 2": the number alone continues the previous delår.
            periods = _PERIOD_WORDS[f"delår {part}"] if found & {Period.T1, Period.T2} else None
        if periods is None:
            return None
        found |= periods
    return frozenset(found) if found else None


def format_periods(periods: frozenset[Period]) -> str:
    """The canonical Swedish text for a set of periods ("Delår 2, Helår")."""
    return ", ".join(p.label for p in _ORDER if p in periods)
