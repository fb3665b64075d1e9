"""The status summary (sammanställning) of one period: pure domain logic, no I/O.

Given the plans, every known answer, a term and today's date, compile what the
kvalitetsstrateg reports: how many due controls are answered, outcomes by class and by
label (overall, per nämnd, per område), the deviations, the deferred controls, who has not
answered, answers that no longer fit the plan, and the risk matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import TypeVar

from bot.domain.followup import OpenEarlier
from bot.domain.model import (
    Action,
    Answer,
    Control,
    OutcomeOption,
    Plan,
    Severity,
    answered_at,
    newest_per_slot,
)
from bot.domain.periods import Term
from bot.domain.risk import (
    BAND_ORDER,
    RISK_AXIS,
    RISK_BANDS,
    BandCount,
    RiskCell,
    RiskMatrix,
    band_of,
    band_ranges,
    risk_band,
    sort_score,
)
from bot.domain.swedish import Wording, wording_for

C = TypeVar("C")  # a group's counter, as the compile or the live status keeps it

# Deviations are listed most serious first.
_SEVERITY_RANK = {Severity.MAJOR: 0, Severity.NOT_PERFORMED: 1, Severity.MINOR: 2}
DEVIATIONS = frozenset(_SEVERITY_RANK)

NOT_IN_PLAN = "Kontrollmomentet finns inte i planen"
NOT_DUE = "Kontrollmomentet ska inte följas upp denna period"
NO_OWNER = "saknar ansvarig"

__all__ = [  # the risk names are used from here by the cards and reports
    "RISK_AXIS",
    "RISK_BANDS",
    "BandCount",
    "RiskCell",
    "RiskMatrix",
    "band_ranges",
    "risk_band",
]


def owner_text(control: Control) -> str:
    """The ansvarig as people see it, with "saknar ansvarig" when it resolves to nobody."""
    owner = control.owner.strip()
    if control.has_owner:
        return owner
    return f"{owner} – {NO_OWNER}" if owner else NO_OWNER.capitalize()


@dataclass(frozen=True, slots=True)
class Tally:
    """Answered vs due and outcome counts for one group of due controls.

    Always: answered == sum(by_class) + unknown == sum(by_label) + unknown,
    and due == answered + unanswered.
    """

    due: int
    answered: int
    by_class: Mapping[Severity, int]
    by_label: Mapping[str, int]
    unknown: int

    @property
    def unanswered(self) -> int:
        """Due controls without an answer."""
        return self.due - self.answered

    @property
    def percent_answered(self) -> float:
        """Share answered in percent (0–100, unrounded); 0.0 when nothing is due."""
        return 100.0 * self.answered / self.due if self.due else 0.0

    @property
    def percent_shown(self) -> int:
        """The share as people read it: rounded, and never 100 while something is missing."""
        rounded = int(self.percent_answered + 0.5)
        return 99 if rounded == 100 and self.unanswered else rounded


@dataclass(frozen=True, slots=True)
class Finding:
    """One answered control as listed in the summary (a deviation, deferral or unknown)."""

    control: Control
    plan_name: str
    answer: Answer
    severity: Severity | None  # None: the label is not in the plan's scale
    label: str  # the scale's spelling, or the answer's text when unknown
    namnd: str = ""  # the control's nämnd, else its plan's title or file name

    @property
    def owner(self) -> str:
        """The control's ansvarig ("… – saknar ansvarig" when it resolves to nobody)."""
        return owner_text(self.control)

    @property
    def observations(self) -> str:
        """Iakttagelser from the answer."""
        return self.answer.observations

    @property
    def action(self) -> Action | None:
        """The åtgärd (text, owner, due) from the answer, if any."""
        return self.answer.action

    @property
    def risk_score(self) -> int | None:
        """The control's riskvärde, if known."""
        return self.control.risk.score


@dataclass(frozen=True, slots=True)
class Missing:
    """A due control nobody has answered."""

    control: Control
    plan_name: str
    deadline: date
    days_overdue: int
    namnd: str = ""  # the control's nämnd, else its plan's title or file name

    @property
    def owner(self) -> str:
        """The control's ansvarig ("… – saknar ansvarig" when it resolves to nobody)."""
        return owner_text(self.control)


@dataclass(frozen=True, slots=True)
class Unscheduled:
    """A control whose period the plan does not say in words the bot knows ("period
    okänd"): kept, due nowhere until the plan is fixed."""

    control: Control
    plan_name: str
    namnd: str = ""

    @property
    def reason(self) -> str:
        """The reason shown, e.g. "Period okänd: 'Varannan månad'"."""
        return f"Period okänd: {self.control.period_text!r}"


@dataclass(frozen=True, slots=True)
class Orphan:
    """An answer for the term that matches no due control: listed (oldest first), not counted."""

    answer: Answer
    reason: str


@dataclass(frozen=True, slots=True)
class Summary:
    """The compiled status of one term (optionally one nämnd)."""

    term: Term
    today: date
    namnd: str | None
    total: Tally
    by_namnd: Mapping[str, Tally]
    by_area: Mapping[str, Tally]
    deviations: tuple[Finding, ...]
    deferred: tuple[Finding, ...]
    unknown: tuple[Finding, ...]
    unanswered: tuple[Missing, ...]
    orphans: tuple[Orphan, ...]
    risk: RiskMatrix
    by_group: Mapping[str, Tally] = field(default_factory=lambda: MappingProxyType({}))
    group_heading: str = "Per grupp"  # "Per mål" when the groupings are strategiska mål
    area_heading: str = "Per område"  # "Per process/rutin" for plans without an Område
    wording: Wording = field(default_factory=Wording)
    unscheduled: tuple[Unscheduled, ...] = ()  # "period okänd" in the plans asked about
    unowned: int = 0  # due controls that saknar ansvarig
    # Åtgärder from earlier periods that are not done yet, the most overdue first.
    open_actions: tuple[OpenEarlier, ...] = ()


@dataclass(frozen=True, slots=True)
class SheetWritten:
    """What writing a summary did to one workbook: the sheet written, or why not (Swedish)."""

    workbook: str
    sheet: str | None = None
    error: str | None = None


@dataclass(slots=True)
class _Counter:
    due: int = 0
    answered: int = 0
    unknown: int = 0
    by_class: dict[Severity, int] = field(default_factory=lambda: dict.fromkeys(Severity, 0))
    by_label: dict[str, int] = field(default_factory=dict)

    def freeze(self) -> Tally:
        return Tally(
            self.due,
            self.answered,
            MappingProxyType(dict(self.by_class)),
            MappingProxyType(dict(self.by_label)),
            self.unknown,
        )


def fold(text: str) -> str:
    """Text as names are compared: spacing collapsed, case ignored."""
    return " ".join(text.split()).casefold()


def compile_status(
    plans: Sequence[Plan],
    answers: Iterable[Answer],
    term: Term,
    today: date,
    *,
    namnd: str | None = None,
) -> Summary:
    """Compile the status of every control due in the term (optionally one nämnd).

    A control is due when its period is the term's and its plan's year (if the plan has
    one) is the term's year. A control without a nämnd is counted under its plan's title
    (or file name), and that is also the name a nämnd filter matches.
    """
    wanted = fold(namnd) if namnd is not None else None
    # One index for all plans: looking controls up one answer at a time by scanning a plan
    # made 10,000 controls take 120 ms instead of a few dozen.
    control_by_slot = {(plan.key, c.id): c for plan in plans for c in plan.controls}
    shown_namnd = {plan.key: plan.label for plan in plans}
    # Plans without an Område (Strängnäs groups by Riktlinje/rutin) are counted per process.
    by_process = not any(c.area.strip() for plan in plans for c in plan.controls)

    def namnd_of(control: Control) -> str:
        return control.namnd.strip() or shown_namnd.get(control.plan_key, "")

    latest = newest_per_slot(
        (a for a in answers if a.year == term.year and a.period is term.period),
        lambda a: (a.plan_key, a.control_id),
        answered_at,
    )

    orphans: list[Orphan] = []
    for (plan_key, control_id), stale in latest.items():
        control = control_by_slot.get((plan_key, control_id))
        if control is None:
            orphans.append(Orphan(stale, NOT_IN_PLAN))
        elif not control.due_in(term.year, term.period) and wanted in (
            None,
            fold(namnd_of(control)),
        ):
            orphans.append(Orphan(stale, NOT_DUE))

    total = _Counter()
    kinds = ("namnd", "area", "group")
    groups: dict[str, dict[str, _Counter]] = {k: {} for k in kinds}
    spelling: dict[str, dict[str, str]] = {k: {} for k in kinds}
    counters_by_place: dict[tuple[str, str, str], list[_Counter]] = {}
    cells = {(p, k): [0, 0] for p in RISK_AXIS for k in RISK_AXIS}
    unassessed = [0, 0]
    bands = {band: [0, 0] for band in BAND_ORDER}
    unbanded = [0, 0]
    deviations: list[tuple[tuple[int, int, int, int, str], Finding]] = []
    deferred: list[Finding] = []
    unknown: list[Finding] = []
    missing: list[tuple[tuple[int, int, int, str], Missing]] = []
    unscheduled: list[Unscheduled] = []
    unowned = 0
    goals = False

    for index, plan in enumerate(plans):
        # The same few labels over and over: look each spelling up in the scale once.
        options: dict[str, OutcomeOption | None] = {}
        for control in plan.controls:
            if not control.due_in(term.year, term.period):
                if not control.periods and wanted in (None, fold(namnd_of(control))):
                    unscheduled.append(Unscheduled(control, plan.name, namnd_of(control)))
                continue
            shown = namnd_of(control)
            if wanted is not None and fold(shown) != wanted:
                continue
            where = (shown, control.process if by_process else control.area, control.grouping)
            counters = counters_by_place.get(where)
            if counters is None:  # most rows share their nämnd and område with others
                counters = counters_by_place[where] = [total]
                for kind, name in zip(kinds, where, strict=True):
                    if kind == "group" and not name.strip():
                        continue  # ungrouped controls are not a group of their own
                    counters.append(group_counter(groups[kind], spelling[kind], name, _Counter))
            for counter in counters:
                counter.due += 1
            goals = goals or bool(control.goal)
            if not control.has_owner:
                unowned += 1
            p, k = control.risk.probability, control.risk.consequence
            cell = cells.get((p, k)) if p is not None and k is not None else None
            cell = cell if cell is not None else unassessed
            cell[0] += 1
            band = band_of(control.risk)
            band_cell = bands[band] if band is not None else unbanded
            band_cell[0] += 1

            given = latest.get((plan.key, control.id))
            if given is None:
                deadline = term.due_for(control)
                overdue = max(0, (today - deadline).days)
                place = (index, control.row, control.id)
                item = Missing(control, plan.name, deadline, overdue, shown)
                missing.append(((-overdue, *place), item))
                continue
            if given.outcome in options:
                option = options[given.outcome]
            else:
                option = options[given.outcome] = plan.scale.find(given.outcome)
            if option is None:
                finding = Finding(control, plan.name, given, None, given.outcome.strip(), shown)
                unknown.append(finding)
            else:
                finding = Finding(control, plan.name, given, option.severity, option.label, shown)
            for counter in counters:
                counter.answered += 1
                if option is None:
                    counter.unknown += 1
                else:
                    counter.by_class[option.severity] += 1
                    counter.by_label[option.label] = counter.by_label.get(option.label, 0) + 1
            if finding.severity in DEVIATIONS:
                rank = _SEVERITY_RANK[option.severity] if option else 0
                key = (rank, -sort_score(control.risk), index, control.row, control.id)
                deviations.append((key, finding))
                cell[1] += 1
                band_cell[1] += 1
            elif finding.severity is Severity.DEFERRED:
                deferred.append(finding)

    deviations.sort(key=lambda pair: pair[0])
    missing.sort(key=lambda pair: pair[0])
    matrix = RiskMatrix(
        tuple(RiskCell(p, k, *cells[(p, k)]) for p in RISK_AXIS for k in RISK_AXIS),
        unassessed[0],
        unassessed[1],
        tuple(BandCount(band, *bands[band]) for band in BAND_ORDER),
        unbanded[0],
    )
    return Summary(
        term=term,
        today=today,
        namnd=namnd,
        total=total.freeze(),
        by_namnd=MappingProxyType({n: c.freeze() for n, c in groups["namnd"].items()}),
        by_area=MappingProxyType({a: c.freeze() for a, c in groups["area"].items()}),
        deviations=tuple(finding for _, finding in deviations),
        deferred=tuple(deferred),
        unknown=tuple(unknown),
        unanswered=tuple(item for _, item in missing),
        orphans=tuple(sorted(orphans, key=lambda o: (o.answer.answered_at, o.answer.answer_id))),
        risk=matrix,
        by_group=MappingProxyType({g: c.freeze() for g, c in groups["group"].items()}),
        group_heading="Per mål" if goals else "Per grupp",
        area_heading="Per process/rutin" if by_process else "Per område",
        wording=wording_for(plan.scale for plan in plans),
        unscheduled=tuple(unscheduled),
        unowned=unowned,
    )


def group_counter(
    counters: dict[str, C], spelling: dict[str, str], name: str, new: Callable[[], C]
) -> C:
    """The counter of a nämnd, område or grupp, whatever the case and spacing it is
    written with (each spelling is folded once); ``new`` makes one the first time."""
    shown = spelling.get(name)
    if shown is None:
        folded = fold(name)
        shown = next((v for n, v in spelling.items() if fold(n) == folded), name.strip())
        spelling[name] = shown
    counter = counters.get(shown)
    if counter is None:
        counter = counters[shown] = new()
    return counter
