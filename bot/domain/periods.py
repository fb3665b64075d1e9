"""The follow-up calendar: when each period ends, is due, and is open for answers.

Defaults (DESIGN §6): delår 1 ends 30 april, delår 2 on 31 augusti, helår on 31 december;
a workbook's Perioder table may replace them (``model.Calendar``). Answers are due 14 days
after the end (or the Perioder table's Sista svarsdag) unless the plan row's Sista
svarsdag says otherwise; a period is open from 30 days before its end until 30 days after
its due date. The dates of a term for a control always come from that control's calendar.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from bot.domain.model import DEFAULT_CALENDAR, Calendar, Control, Period

OPENS_BEFORE_END = timedelta(days=30)
CLOSES_AFTER_DUE = timedelta(days=30)


@functools.total_ordering
@dataclass(frozen=True, slots=True)
class Term:
    """One period of one year, e.g. helår 2026 (answered in January 2027 with År = 2026).

    Two terms are equal when year and period are; the calendar only decides the dates.
    """

    year: int
    period: Period
    calendar: Calendar = field(default=DEFAULT_CALENDAR, compare=False, repr=False)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Term):
            return NotImplemented
        return (self.year, self.period.rank) < (other.year, other.period.rank)

    @property
    def end(self) -> date:
        """The last day the period covers."""
        return self.calendar.end_of(self.period).end(self.year)

    @property
    def default_due(self) -> date:
        """The answer deadline when the plan row gives none."""
        return self.end + timedelta(days=self.calendar.end_of(self.period).due_days)

    @property
    def opens(self) -> date:
        """The first day answers are accepted."""
        return self.end - OPENS_BEFORE_END

    @property
    def label(self) -> str:
        """Swedish, e.g. "Helår 2026"."""
        return f"{self.period.label} {self.year}"

    def for_control(self, control: Control) -> Term:
        """The same term on the control's calendar."""
        return (
            self if self.calendar is control.calendar else replace(self, calendar=control.calendar)
        )

    def due_for(self, control: Control) -> date:
        """The control's deadline in this term: its Sista svarsdag if that belongs here."""
        term = self.for_control(control)
        if control.due_date is not None and term._owns(control.due_date):
            return control.due_date
        return term.default_due

    def closes_for(self, control: Control) -> date:
        """The last day an ansvarig may answer (late answers are accepted until then)."""
        return self.due_for(control) + CLOSES_AFTER_DUE

    def opens_for(self, control: Control) -> date:
        """The first day the control may be answered in this term."""
        return self.for_control(control).opens

    def is_open_for(self, control: Control, today: date) -> bool:
        """Whether the ansvarig may answer this control for this term today."""
        return control.due_in(self.year, self.period) and self.opens_for(
            control
        ) <= today <= self.closes_for(control)

    def _owns(self, day: date) -> bool:
        # A Sista svarsdag belongs to the term whose window (opening to default closing)
        # contains it; a date for delår 2 must not move the helår deadline.
        return self.opens <= day <= self.default_due + CLOSES_AFTER_DUE

    def next(self) -> Term:
        """The term that follows this one on its calendar."""
        later = [p for p in self.calendar.periods if p.rank > self.period.rank]
        if later:
            return Term(self.year, later[0], self.calendar)
        return Term(self.year + 1, self.calendar.periods[0], self.calendar)


def terms_around(today: date, calendar: Calendar = DEFAULT_CALENDAR) -> list[Term]:
    """Every term whose window could contain today, oldest first."""
    return [
        Term(year, period, calendar)
        for year in (today.year - 1, today.year)
        for period in calendar.periods
    ]


def open_terms(control: Control, today: date) -> list[Term]:
    """The terms in which this control may be answered today (normally zero or one)."""
    return [t for t in terms_around(today, control.calendar) if t.is_open_for(control, today)]


def current_term(today: date, calendar: Calendar = DEFAULT_CALENDAR) -> Term:
    """The term people are working on: the latest one already open, else the next to open."""
    candidates = [
        *terms_around(today, calendar),
        Term(today.year + 1, calendar.periods[0], calendar),
    ]
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


# --- the period words people write ---------------------------------------------------------

_SEPARATORS = re.compile(r"\s*(?:,|/|\+|&|;|\boch\b)\s*")
_LEAD = re.compile(r"^(?:vid|i samband med|per|inför|efter)\s+")
# What a word means, resolved against the workbook's calendar (see ``_resolve``).
_ALL, _INTERIM, _HALF, _SPRING, _ONE_INTERIM = "all", "interim", "half", "spring", "one"
_WORDS: dict[str, Period | str] = {
    "delår 1": Period.T1,
    "delår1": Period.T1,
    "delår 2": Period.T2,
    "delår2": Period.T2,
    "kvartal 1": Period.Q1,
    "kvartal 2": Period.Q2,
    "kvartal 3": Period.Q3,
    "kvartal 4": Period.YEAR,
    "helår": Period.YEAR,
    "helåret": Period.YEAR,
    "årsbokslut": Period.YEAR,
    "årsbokslutet": Period.YEAR,
    "helårsbokslut": Period.YEAR,
    "helårsbokslutet": Period.YEAR,
    "årligen": Period.YEAR,
    "årsvis": Period.YEAR,
    "en gång per år": Period.YEAR,
    "en gång om året": Period.YEAR,
    "1 gång per år": Period.YEAR,
    "andra halvåret": Period.YEAR,
    "delår": _ONE_INTERIM,
    "delåret": _ONE_INTERIM,
    "delårsbokslut": _ONE_INTERIM,
    "delårsbokslutet": _ONE_INTERIM,
    "varje delår": _INTERIM,
    "alla delår": _INTERIM,
    "delårsvis": _INTERIM,
    "alla perioder": _ALL,
    "varje period": _ALL,
    "löpande": _ALL,
    "tertialvis": _ALL,
    "varje tertial": _ALL,
    "kvartalsvis": _ALL,
    "varje kvartal": _ALL,
    "delår och helår": _ALL,
    "halvårsvis": _HALF,
    "varje halvår": _HALF,
    "två gånger per år": _HALF,
    "2 gånger per år": _HALF,
    "vår och höst": _SPRING,
}
PERIOD_WORDS_DOC = (
    # (what people write, what it means on the default calendar) — for the README and tests
    ("Halvårsvis", "delår 2 och helår"),
    ("Årligen, Årsvis, En gång per år, Andra halvåret", "helår"),
    ("Vår och höst", "delår 1 och helår"),
    ("Tertialvis, Löpande, Varje period, Vid delår och helår", "alla perioder"),
    ("Kvartalsvis", "alla perioder (varje kvartal där Perioder har kvartal)"),
)


def _fold(text: object) -> str:
    cleaned = " ".join(str(text or "").split()).casefold().strip(" .")
    return cleaned.replace("delar", "delår").replace("helar", "helår")


def _resolve(meaning: Period | str, calendar: Calendar) -> frozenset[Period] | None:
    periods = calendar.periods
    if isinstance(meaning, Period):
        return frozenset({meaning}) if meaning in periods else None
    interim = calendar.interim
    if meaning == _ALL:
        return frozenset(periods)
    if meaning == _INTERIM:
        return frozenset(interim) or None
    if meaning == _ONE_INTERIM:
        return frozenset(interim) if len(interim) == 1 else None
    if meaning == _SPRING:
        return frozenset({*interim[:1], Period.YEAR})
    # Halvårsvis: the interim period that ends at mid-year or after it (on the default
    # calendar delår 2, per 31 augusti), and helår.
    mid = [p for p in interim if (calendar.end_of(p).month, calendar.end_of(p).day) >= (6, 30)]
    half = mid[:1] or list(interim[-1:])
    return frozenset({*half, Period.YEAR})


def _meaning(part: str) -> Period | str | None:
    found = _WORDS.get(part)
    if found is None:
        found = _WORDS.get(_LEAD.sub("", part))
    return found


def parse_periods(text: object, calendar: Calendar = DEFAULT_CALENDAR) -> frozenset[Period] | None:
    """Parse a Period cell ("Delår 2 och helår", "Halvårsvis", "Vid delår och helår")
    against a calendar; None if not understood. An empty cell means helår."""
    cleaned = _fold(text)
    if not cleaned:
        return frozenset({Period.YEAR})
    whole = _meaning(cleaned)
    if whole is not None:
        return _resolve(whole, calendar)
    found: set[Period] = set()
    previous = ""
    for part in _SEPARATORS.split(cleaned):
        if not part:
            continue
        meaning = _meaning(part)
        if meaning is None and part.isdigit() and previous:
            # "Delår 1 och 2", "Kvartal 1, 2": the number alone continues the word before.
            meaning = _meaning(f"{previous} {part}")
        periods = _resolve(meaning, calendar) if meaning is not None else None
        if periods is None:
            return None
        found |= periods
        previous = part.rsplit(" ", 1)[0] if part[-1:].isdigit() else ""
    return frozenset(found) if found else None


def parse_period_name(text: object) -> Period | None:
    """One period by its name ("Delår 2", "Kvartal 1", "Helår"; "Delår" is delår 1), as
    the Perioder table and `ikbot status --period` name them; None if not one period."""
    meaning = _WORDS.get(_fold(text))
    if meaning == _ONE_INTERIM:
        return Period.T1
    return meaning if isinstance(meaning, Period) else None


def format_periods(periods: frozenset[Period]) -> str:
    """The canonical Swedish text for a set of periods ("Delår 2, Helår")."""
    return ", ".join(p.label for p in sorted(periods, key=lambda p: p.rank))
