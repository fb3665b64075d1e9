"""The follow-up report (uppföljningsrapport) as pure data: built from the plans, every
known answer and the compiled status; ``bot.reports.docx`` renders it.

The structure follows the real reports (Lindesberg's "Uppföljningsrapport internkontroll",
Strängnäs' helår report, Eskilstuna's slutrapport): Inledning, Sammanfattning, Resultat
per kontrollmoment (every control, with its plan context), Uppföljning av tidigare
åtgärder, Slutsatser (a draft) and Förslag till beslut. A combined report over several
nämnder (kommunstyrelsen's uppsiktsplikt) has one chapter per nämnd after an overall
summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from bot.domain.followup import Slot, StatusUpdate
from bot.domain.model import (
    Action,
    Answer,
    Control,
    ControlKey,
    Plan,
    Severity,
    answered_at,
    newest_per_slot,
)
from bot.domain.periods import Term
from bot.domain.status import DEVIATIONS, Summary, compile_status, owner_text
from bot.reports.conclusions import conclusions
from bot.reports.texts import ReportTexts, texts_for

NOT_ANSWERED = "Ej besvarad"


@dataclass(frozen=True, slots=True)
class ControlResult:
    """One kontrollmoment in chapter 3: the plan's context and what was answered."""

    control: Control
    namnd: str
    answer: Answer | None
    label: str  # the bedömning in the kommun's words, or "Ej besvarad"
    severity: Severity | None
    earlier: tuple[Answer, ...] = ()  # the same year's earlier periods (komplettering)

    @property
    def grouping(self) -> str:
        """The heading the control is listed under: mål/grupp, else område, else process."""
        c = self.control
        return c.grouping or c.area or c.process


@dataclass(frozen=True, slots=True)
class EarlierAction:
    """An åtgärd proposed in an earlier period, and how it stands (chapter 4)."""

    control: Control
    term: Term
    action: Action
    status: str


@dataclass(frozen=True, slots=True)
class NamndReport:
    """One nämnd's part of the report."""

    name: str
    summary: Summary
    results: tuple[ControlResult, ...]
    earlier_actions: tuple[EarlierAction, ...]
    conclusions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """The whole report: one nämnd, or several after an overall summary (``combined``)."""

    term: Term
    today: date
    author: str  # handläggare: the strategist's name
    recipient: str  # the nämnd (or kommunstyrelsen for a combined report)
    overall: Summary
    parts: tuple[NamndReport, ...]
    texts: ReportTexts
    names: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def combined(self) -> bool:
        """Whether the report covers several nämnder (one chapter each)."""
        return len(self.parts) > 1

    @property
    def title(self) -> str:
        """E.g. "Uppföljning av intern kontroll helår 2026"."""
        return f"Uppföljning av intern kontroll {self.term.period.label.lower()} {self.term.year}"

    def person(self, who: str) -> str:
        """A person's name where the bot knows it (an e-mail address otherwise stays)."""
        return self.names.get(who.strip().casefold(), who.strip())

    @property
    def controls(self) -> int:
        """How many kontrollmoment the report lists in chapter 3."""
        return sum(len(part.results) for part in self.parts)


def action_status(action: Action, today: date, update: StatusUpdate | None = None) -> str:
    """How an earlier åtgärd stands: the status its owner last set ("mina åtgärder"), with
    the comment; without one, what its date says."""
    if update is not None:
        said = update.status.value
        if update.status.is_open and action.due is not None and action.due < today:
            said += " – datum passerat"
        comment = " ".join(update.comment.split())
        return f"{said}: {comment}" if comment else said
    if action.due is None:
        return "Ej rapporterad (inget datum angivet)"
    if action.due >= today:
        return "Ej rapporterad"
    return "Datum passerat – status ej rapporterad"


def build_report(
    plans: Sequence[Plan],
    answers: Iterable[Answer],
    term: Term,
    today: date,
    *,
    author: str,
    namnd: str | None = None,
    names: Mapping[str, str] | None = None,
    updates: Mapping[Slot, StatusUpdate] | None = None,
) -> Report:
    """The report for the term: one nämnd (``namnd``, or the only one there is), else a
    combined report with one part per nämnd."""
    answers = list(answers)
    overall = compile_status(plans, answers, term, today, namnd=namnd)
    latest = _latest(answers)
    shown = {plan.key: plan.label for plan in plans}
    due_namnder = list(overall.by_namnd) or ([namnd] if namnd else [])
    parts = []
    for name in due_namnder:
        summary = (
            overall
            if len(due_namnder) == 1
            else compile_status(plans, answers, term, today, namnd=name)
        )
        parts.append(_part(name, summary, plans, latest, term, today, shown, updates or {}))
    texts = texts_for(plans, namnd if namnd else (due_namnder[0] if len(parts) == 1 else ""))
    recipient = namnd or (due_namnder[0] if len(due_namnder) == 1 else "Kommunstyrelsen")
    folded = {k.strip().casefold(): v for k, v in (names or {}).items() if v.strip()}
    return Report(
        term, today, author, recipient, overall, tuple(parts), texts, MappingProxyType(folded)
    )


def _latest(answers: Iterable[Answer]) -> dict[tuple[str, str, int, str], Answer]:
    """The newest answer per (workbook, control, year, period)."""
    return newest_per_slot(
        answers, lambda a: (a.plan_key, a.control_id, a.year, a.period.value), answered_at
    )


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _part(
    name: str,
    summary: Summary,
    plans: Sequence[Plan],
    latest: Mapping[tuple[str, str, int, str], Answer],
    term: Term,
    today: date,
    shown: Mapping[str, str],
    updates: Mapping[Slot, StatusUpdate],
) -> NamndReport:
    wanted = _fold(name)
    by_control: dict[tuple[str, str], list[Answer]] = {}
    for (plan_key, control_id, _, _), answer in latest.items():
        by_control.setdefault((plan_key, control_id), []).append(answer)
    results: list[ControlResult] = []
    earlier_actions: list[EarlierAction] = []
    for plan in plans:
        for control in plan.controls:
            if _fold(control.namnd.strip() or shown.get(plan.key, "")) != wanted:
                continue
            history = sorted(
                by_control.get((plan.key, control.id), ()),
                key=lambda a: (a.year, a.period.rank),
            )
            earlier_actions += _earlier_actions(plan, control, history, term, today, updates)
            if not control.due_in(term.year, term.period):
                continue
            now = next(
                (a for a in history if a.year == term.year and a.period is term.period), None
            )
            earlier = tuple(
                a for a in history if a.year == term.year and a.period.rank < term.period.rank
            )
            option = plan.scale.find(now.outcome) if now is not None else None
            if now is None:
                label, severity = NOT_ANSWERED, None
            elif option is None:
                label, severity = now.outcome.strip(), None
            else:
                label, severity = option.label, option.severity
            results.append(ControlResult(control, name, now, label, severity, earlier))
    return NamndReport(
        name,
        summary,
        tuple(results),
        tuple(earlier_actions),
        conclusions(summary, results),
    )


def _earlier_actions(
    plan: Plan,
    control: Control,
    history: Sequence[Answer],
    term: Term,
    today: date,
    updates: Mapping[Slot, StatusUpdate],
) -> list[EarlierAction]:
    """Åtgärder given in the terms before this one (this year's and last year's)."""
    found = []
    for answer in history:
        before = (answer.year, answer.period.rank) < (term.year, term.period.rank)
        if not before or answer.year < term.year - 1:
            continue
        action = answer.action
        if action is None or not action.text.strip():
            continue
        update = updates.get((ControlKey(plan.key, control.id), answer.year, answer.period))
        status = action_status(action, today, update)
        found.append(EarlierAction(control, Term(answer.year, answer.period), action, status))
    return found


def owner_of(control: Control) -> str:
    """The ansvarig as the plan names it ("… – saknar ansvarig" when nobody)."""
    return owner_text(control)


def is_deviation(result: ControlResult) -> bool:
    """Whether a result is a deviation (större, ej genomförd, mindre)."""
    return result.severity in DEVIATIONS
