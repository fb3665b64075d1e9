"""The domain model: plans, controls, outcome scales and answers.

Pure data. This module imports no SDK, no HTTP and no Excel library; every other part of
the bot speaks in these types.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime


class Period(enum.StrEnum):
    """A follow-up period of the year (delår 1, delår 2, helår)."""

    T1 = "T1"
    T2 = "T2"
    YEAR = "YEAR"

    @property
    def label(self) -> str:
        """The Swedish name people see ("Delår 1", "Delår 2", "Helår")."""
        return _PERIOD_LABELS[self]

    @property
    def is_interim(self) -> bool:
        """True for delår 1 and delår 2: only these may be answered "Följs upp på helår"."""
        return self is not Period.YEAR


_PERIOD_LABELS = {Period.T1: "Delår 1", Period.T2: "Delår 2", Period.YEAR: "Helår"}


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
        """Deviations and controls not performed need an åtgärd; ok and deferred do not."""
        return self in (Severity.MINOR, Severity.MAJOR, Severity.NOT_PERFORMED)


_SEVERITY_LABELS = {
    Severity.OK: "ok",
    Severity.MINOR: "mindre",
    Severity.MAJOR: "större",
    Severity.NOT_PERFORMED: "ej genomförd",
    Severity.DEFERRED: "uppskjuten",
}


def severity_from_label(text: str) -> Severity | None:
    """Parse the Allvarlighet column of the Bedömningsskala table (tolerant of case)."""
    wanted = " ".join(str(text).split()).casefold()
    for severity, label in _SEVERITY_LABELS.items():
        if wanted in (label, severity.value):
            return severity
    return None


@dataclass(frozen=True, slots=True)
class OutcomeOption:
    """One bedömning a person can choose, and the class it belongs to."""

    label: str
    severity: Severity


@dataclass(frozen=True, slots=True)
class OutcomeScale:
    """The bedömning labels of one workbook, in the order they are offered."""

    options: tuple[OutcomeOption, ...]

    @classmethod
    def default(cls) -> OutcomeScale:
        """Lindesberg's scale, used when a workbook defines none."""
        return cls(
            (
                OutcomeOption("Ingen avvikelse", Severity.OK),
                OutcomeOption("Mindre avvikelse", Severity.MINOR),
                OutcomeOption("Större avvikelse", Severity.MAJOR),
                OutcomeOption("Ej genomförd", Severity.NOT_PERFORMED),
                OutcomeOption("Följs upp på helår", Severity.DEFERRED),
            )
        )

    def for_period(self, period: Period) -> tuple[OutcomeOption, ...]:
        """The options offered for a period: deferring is only possible at a delår."""
        return tuple(
            o for o in self.options if period.is_interim or o.severity is not Severity.DEFERRED
        )

    def find(self, label: str) -> OutcomeOption | None:
        """The option with this label (case and whitespace insensitive), if any."""
        wanted = " ".join(label.split()).casefold()
        for option in self.options:
            if " ".join(option.label.split()).casefold() == wanted:
                return option
        return None


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


@dataclass(frozen=True, slots=True)
class Control:
    """One kontrollmoment of a plan: what to check, how, by whom and when."""

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

    @property
    def key(self) -> ControlKey:
        """The identity of the control across workbooks."""
        return ControlKey(self.plan_key, self.id)


@dataclass(frozen=True, slots=True, order=True)
class ControlKey:
    """A control is identified by its workbook and its ID within it."""

    plan_key: str
    control_id: str


@dataclass(frozen=True, slots=True)
class PlanIssue:
    """A row of the plan that could not be (fully) understood."""

    row: int
    message: str
    skipped: bool = True


@dataclass(frozen=True, slots=True)
class Plan:
    """One workbook's internkontrollplan."""

    key: str
    name: str
    controls: tuple[Control, ...]
    scale: OutcomeScale = field(default_factory=OutcomeScale.default)
    issues: tuple[PlanIssue, ...] = ()
    sheet: str = "Kontrollplan"

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

    @property
    def control_key(self) -> ControlKey:
        """The control this answer belongs to."""
        return ControlKey(self.plan_key, self.control_id)

    @property
    def slot(self) -> tuple[str, int, Period]:
        """The workbook row this answer occupies: (ID, År, Period)."""
        return (self.control_id, self.year, self.period)


def latest_by_slot(answers: Iterable[Answer]) -> dict[tuple[str, int, Period], Answer]:
    """The newest answer per (ID, År, Period); later items win ties."""
    latest: dict[tuple[str, int, Period], Answer] = {}
    for answer in answers:
        current = latest.get(answer.slot)
        if current is None or answer.answered_at >= current.answered_at:
            latest[answer.slot] = answer
    return latest
