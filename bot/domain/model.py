"""The domain model: plans, controls, outcome scales and answers.

Pure data. This module imports no SDK, no HTTP and no Excel library; every other part of
the bot speaks in these types.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

# The calendar's names are imported from here by the rest of the bot.
from bot.domain.calendar import DEFAULT_CALENDAR as DEFAULT_CALENDAR
from bot.domain.calendar import Calendar as Calendar
from bot.domain.calendar import Period as Period
from bot.domain.calendar import PeriodEnd as PeriodEnd
from bot.domain.schedule import ReminderOverrides


class Severity(enum.StrEnum):
    """The class every bedömning label maps to, whatever the municipality calls it."""

    OK = "ok"
    MINOR = "minor"
    MAJOR = "major"
    NOT_PERFORMED = "not_performed"
    DEFERRED = "deferred"

    @property
    def label(self) -> str:
        """The Swedish word used in the Inställningar sheet and in summaries."""
        return _SEVERITY_LABELS[self]

    @property
    def needs_action(self) -> bool:
        """Deviations need an åtgärd; ok, deferred and not performed do not."""
        return self in (Severity.MINOR, Severity.MAJOR)

    @property
    def needs_reason(self) -> bool:
        """A control not performed needs the reason, in iakttagelser."""
        return self is Severity.NOT_PERFORMED


_SEVERITY_LABELS = {
    Severity.OK: "ok",
    Severity.MINOR: "mindre",
    Severity.MAJOR: "större",
    Severity.NOT_PERFORMED: "ej genomförd",
    Severity.DEFERRED: "uppskjuten",
}


# What people write in the Allvarlighet column, besides the words above.
_SEVERITY_WORDS = {
    Severity.OK: (
        "ok",
        "ingen avvikelse",
        "utan anmärkning",
        "ingen anmärkning",
        "fungerar",
        "godkänd",
        "grön",
        "avslutad",
        "klar",
    ),
    Severity.MINOR: (
        "mindre avvikelse",
        "förbättringsområde",
        "förbättringsområden",
        "behöver utvecklas",
        "fungerar delvis",
        "gul",
        "liten avvikelse",
    ),
    Severity.MAJOR: (
        "större avvikelse",
        "avvikelse",
        "avvikelser",
        "allvarlig avvikelse",
        "allvarlig",
        "brist",
        "röd",
        "stor avvikelse",
    ),
    Severity.NOT_PERFORMED: (
        "ej genomförd",
        "inte genomförd",
        "ej utförd",
        "inte utförd",
        "inte kontrollerat",
        "ej kontrollerad",
        "ej kontrollerat",
    ),
    Severity.DEFERRED: (
        "uppskjuten",
        "följs upp senare",
        "följs upp på helår",
        "senare",
        "pågår",
        "skjuten",
    ),
}
_SEVERITY_BY_WORD = {
    word: severity
    for severity in Severity
    for word in (severity.value, _SEVERITY_LABELS[severity], *_SEVERITY_WORDS[severity])
}


def severity_from_label(text: str) -> Severity | None:
    """Parse the Allvarlighet column of the Bedömningsskala table: the bot's own words (ok,
    mindre, större, ej genomförd, uppskjuten) or the words people use (Fungerar,
    Förbättringsområde, Avvikelse, Allvarlig avvikelse, Inte kontrollerat …)."""
    wanted = " ".join(str(text).replace("/", " / ").split()).casefold().strip(" .")
    for part in (wanted, *(p.strip() for p in wanted.split(" / "))):
        if part in _SEVERITY_BY_WORD:
            return _SEVERITY_BY_WORD[part]
    return None


@dataclass(frozen=True, slots=True)
class OutcomeOption:
    """One bedömning, and the class it belongs to; ``offered=False`` for words that are
    understood in answers already typed but not offered on the answer card."""

    label: str
    severity: Severity
    offered: bool = True


@dataclass(frozen=True, slots=True)
class OutcomeScale:
    """The bedömning labels of one workbook, in the order they are offered."""

    options: tuple[OutcomeOption, ...]

    @classmethod
    def default(cls) -> OutcomeScale:
        """Lindesberg's scale, used when a workbook defines none; its delår 2017 follow-up
        also wrote "Kontrolleras över helår" and "Inte kontrollerat", which are understood
        (and counted under their own names) but not offered."""
        return _DEFAULT_SCALE

    @property
    def is_default(self) -> bool:
        """Whether this is the default scale (the summaries then use its words)."""
        return self == _DEFAULT_SCALE

    def for_period(self, period: Period) -> tuple[OutcomeOption, ...]:
        """The options offered for a period: deferring to helår only at a delår."""
        return tuple(
            o for o in self.options if o.offered and (period.is_interim or not _defers_to_helar(o))
        )

    def find(self, label: str) -> OutcomeOption | None:
        """The option with this label (case and whitespace insensitive), if any."""
        wanted = " ".join(label.split()).casefold()
        for option in self.options:
            if " ".join(option.label.split()).casefold() == wanted:
                return option
        return None


def _defers_to_helar(option: OutcomeOption) -> bool:
    # "Följs upp på helår" makes no sense at helår; "Följs upp under 2022" does.
    return option.severity is Severity.DEFERRED and (
        "helår" in option.label.casefold() or option.label.casefold() == "uppskjuten"
    )


_DEFAULT_SCALE = OutcomeScale(
    (
        OutcomeOption("Ingen avvikelse", Severity.OK),
        OutcomeOption("Mindre avvikelse", Severity.MINOR),
        OutcomeOption("Större avvikelse", Severity.MAJOR),
        OutcomeOption("Ej genomförd", Severity.NOT_PERFORMED),
        OutcomeOption("Följs upp på helår", Severity.DEFERRED),
        OutcomeOption("Kontrolleras över helår", Severity.DEFERRED, offered=False),
        OutcomeOption("Inte kontrollerat", Severity.NOT_PERFORMED, offered=False),
    )
)


@dataclass(frozen=True, slots=True)
class Risk:
    """Sannolikhet × konsekvens (1–4 each) and the riskvärde, as far as the plan says."""

    probability: int | None = None
    consequence: int | None = None
    value: int | None = None
    label: str = ""

    @property
    def score(self) -> int | None:
        """The riskvärde: the plan's own value, else sannolikhet × konsekvens."""
        if self.value is not None:
            return self.value
        if self.probability is not None and self.consequence is not None:
            return self.probability * self.consequence
        return None


_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def is_email(text: str) -> bool:
    """Whether a text is one e-mail address/UPN (nothing around it)."""
    return _EMAIL.match(text) is not None


@dataclass(frozen=True, slots=True)
class Control:
    """One kontrollmoment of a plan: what to check, how, by whom and when.

    ``owner`` is the ansvarig as the plan names it (an e-mail, a role such as
    "Ekonomichef" or a person's name); ``owner_emails`` are the addresses it resolves to
    (the Ansvarig e-post column, or the Ansvariga table). A control whose ansvarig
    resolves to nobody is kept: it "saknar ansvarig", and a strategist answers it.
    ``periods`` is empty when the plan's period text was not understood
    (``period_text`` keeps it): the control is then due nowhere until the plan is fixed.
    ``year`` is the plan's year (None: every year).
    """

    id: str
    plan_key: str
    description: str
    owner: str
    periods: frozenset[Period]
    namnd: str = ""
    area: str = ""
    process: str = ""
    risk_text: str = ""
    risk: Risk = field(default_factory=Risk)
    method: str = ""
    sample: str = ""
    due_date: date | None = None
    row: int = 0
    owner_emails: frozenset[str] = frozenset()
    group: str = ""  # a section row's grouping (perspektiv), or a Grupp/Perspektiv column
    goal: str = ""  # strategiskt mål
    failure: str = ""  # vad kan gå fel
    origin: str = ""  # ursprunglig risk
    report_to: str = ""  # rapporteras till
    year: int | None = None
    calendar: Calendar = DEFAULT_CALENDAR
    period_text: str = ""  # the period as written, when it was not understood

    @property
    def key(self) -> ControlKey:
        """The identity of the control across workbooks."""
        return ControlKey(self.plan_key, self.id)

    @property
    def owners(self) -> frozenset[str]:
        """The addresses that answer as ansvarig (lower case); empty: saknar ansvarig."""
        if self.owner_emails:
            return self.owner_emails
        return frozenset({self.owner}) if is_email(self.owner) else frozenset()

    @property
    def has_owner(self) -> bool:
        """False when the ansvarig resolves to no address ("saknar ansvarig")."""
        return bool(self.owners)

    @property
    def grouping(self) -> str:
        """The most specific grouping: the mål, else the grupp."""
        return self.goal or self.group

    def due_in(self, term_year: int, period: Period) -> bool:
        """Whether the control is followed up in this period of this year."""
        return period in self.periods and (self.year is None or self.year == term_year)


@dataclass(frozen=True, slots=True, order=True)
class ControlKey:
    """A control is identified by its workbook and its ID within it."""

    plan_key: str
    control_id: str


@dataclass(frozen=True, slots=True)
class PlanIssue:
    """A row of the plan that could not be (fully) understood.

    ``kind`` groups issues `ikbot check-workbook` sums up ("owner": an ansvarig without
    an address, "period": a period not understood), ``subject`` is the text concerned."""

    row: int
    message: str
    skipped: bool = True
    kind: str = ""
    subject: str = ""


@dataclass(frozen=True, slots=True)
class Plan:
    """One workbook's internkontrollplan."""

    key: str
    name: str
    controls: tuple[Control, ...]
    scale: OutcomeScale = field(default_factory=OutcomeScale.default)
    issues: tuple[PlanIssue, ...] = ()
    sheet: str = "Kontrollplan"
    title: str = ""  # the title row above the header, e.g. "Internkontrollplan 2026"
    year: int | None = None
    year_source: str = ""  # where the year came from (Swedish, for check-workbook)
    calendar: Calendar = DEFAULT_CALENDAR
    ignored_headers: tuple[str, ...] = ()  # header cells the bot does not use
    header_rows: tuple[int, int] = (0, 0)  # the first and last Excel row of the header
    # The Rapporttexter table: (inledning | förslag till beslut | beslutet skickas till, text)
    report_texts: tuple[tuple[str, str], ...] = ()
    # The Ansvariga table (role or name, folded -> addresses): åtgärdsansvariga named by
    # role resolve through it too.
    owners: Mapping[str, frozenset[str]] = field(default_factory=dict, compare=False)
    # The Inställningar table Påminnelser: this workbook's changes to the reminder schedule.
    reminders: ReminderOverrides = field(default_factory=ReminderOverrides)

    @property
    def label(self) -> str:
        """What the plan is called where no nämnd is given: its title, else its name."""
        return self.title.strip() or self.name

    def control(self, control_id: str) -> Control | None:
        """The control with this ID, if the plan has it."""
        for control in self.controls:
            if control.id == control_id:
                return control
        return None


@dataclass(frozen=True, slots=True)
class Action:
    """The åtgärd proposed for a deviation."""

    text: str
    owner: str
    due: date | None


# Rows typed in by hand may lack Besvarad; they then lose every newest-wins comparison,
# and the time is never shown (``Answer.when``).
UNKNOWN_TIME = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Answer:
    """One answer to one control for one period of one year."""

    answer_id: str
    plan_key: str
    control_id: str
    year: int
    period: Period
    outcome: str
    answered_by: str
    answered_at: datetime
    checked: int | None = None
    deviations: int | None = None
    observations: str = ""
    analysis: str = ""
    action: Action | None = None
    continuation: str = ""  # at helår: avslutat / fortsätter nästa år / nästa kontroll år ÅÅÅÅ
    evidence: tuple[str, ...] = ()  # links to the underlag attached (files or pasted links)
    days_late: int = 0  # days after the sista svarsdag it was saved (0: in time or unknown)

    @property
    def control_key(self) -> ControlKey:
        """The control this answer belongs to."""
        return ControlKey(self.plan_key, self.control_id)

    @property
    def when(self) -> datetime | None:
        """When it was answered; None for a row typed by hand without Besvarad."""
        return None if self.answered_at == UNKNOWN_TIME else self.answered_at

    @property
    def slot(self) -> tuple[str, int, Period]:
        """The workbook row this answer occupies: (ID, År, Period)."""
        return (self.control_id, self.year, self.period)


S = TypeVar("S", bound=Hashable)
T = TypeVar("T")


def newest_per_slot(
    items: Iterable[T], slot: Callable[[T], S], answered: Callable[[T], datetime]
) -> dict[S, T]:
    """Which answer counts in each slot: the latest answered, the later item on a tie (the
    journal's entries come after the workbook's rows, so they win a tie with their copy)."""
    newest: dict[S, T] = {}
    when: dict[S, datetime] = {}
    for item in items:
        key, at = slot(item), answered(item)
        held = when.get(key)
        if held is None or at >= held:
            newest[key] = item
            when[key] = at
    return newest


def answered_at(answer: Answer) -> datetime:
    """When an answer was given (``newest_per_slot``'s ``answered`` for answers)."""
    return answer.answered_at


def latest_by_slot(answers: Iterable[Answer]) -> dict[tuple[str, int, Period], Answer]:
    """The newest answer per (ID, År, Period); later items win ties."""
    return newest_per_slot(answers, lambda a: a.slot, answered_at)
