"""Plain-text and JSON renderings of a status Summary (for `ikbot status`): pure, no I/O.

The text is a Swedish report a kvalitetsstrateg can paste into an e-mail; the JSON carries
the same content for other tools (dates ISO 8601, enums by value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain import swedish
from bot.domain.model import Action, Answer
from bot.domain.status import (
    RISK_AXIS,
    Finding,
    Missing,
    Orphan,
    Summary,
    Tally,
    Unscheduled,
    band_ranges,
)
from bot.domain.swedish import SEVERITY_ORDER, Wording, format_date, plural

_NO_NAME = "Ej angivet"
_SHORT = 200  # characters of iakttagelser/åtgärd per line


def _short(text: str, limit: int = _SHORT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def progress(tally: Tally) -> str:
    """The progress line, e.g. "34 av 41 kontrollmoment besvarade (83 %)"."""
    return swedish.progress(tally.answered, tally.due, tally.percent_shown)


def _title(summary: Summary) -> str:
    term = summary.term
    title = f"Status {term.period.label.lower()} {term.year}"
    namnd = (summary.namnd or "").strip()
    return f"{title} – {namnd}" if namnd else title


def _classes(tally: Tally, interim: bool, wording: Wording) -> str:
    return swedish.class_counts(tally.by_class, tally.unknown, interim, wording.class_names)


def _group_lines(
    title: str, groups: Mapping[str, Tally], interim: bool, wording: Wording
) -> list[str]:
    lines = ["", title]
    if set(groups) == {""}:
        return []  # nothing to group by (no column for it): no section of "Ej angivet"
    if not groups:
        return [*lines, "  (inga)"]
    for name, tally in groups.items():
        lines.append(f"  {name.strip() or _NO_NAME}: {tally.answered} av {tally.due} besvarade")
        lines.append(f"    {_classes(tally, interim, wording)}")
    return lines


def _action_line(action: Action | None) -> str:
    if action is None or not action.text.strip():
        return "Åtgärd: saknas"
    text = f"Åtgärd: {_short(action.text)}"
    details = []
    if action.owner.strip():
        details.append(f"åtgärdsansvarig {action.owner.strip()}")
    if action.due is not None:
        details.append(f"klart senast {format_date(action.due)}")
    return f"{text} ({', '.join(details)})" if details else text


def _finding_lines(number: int, finding: Finding, *, with_action: bool) -> list[str]:
    control = finding.control
    head = f"  {number}. [{finding.label}] {control.id} {_short(control.description, 120)}"
    where = [finding.namnd.strip() or _NO_NAME, f"ansvarig {finding.owner}", finding.plan_name]
    if control.grouping:
        where.insert(1, control.grouping)
    if finding.risk_score is not None:
        where.append(f"riskvärde {finding.risk_score}")
    elif control.risk.label:
        where.append(f"risk {control.risk.label}")
    lines = [head, f"     {' · '.join(where)}"]
    # Not performed: the reason is what matters, not an åtgärd.
    reason = finding.severity is not None and finding.severity.needs_reason
    if reason:
        lines.append(f"     Skäl: {_short(finding.observations) or 'inget skäl angivet'}")
    elif finding.observations.strip():
        lines.append(f"     Iakttagelser: {_short(finding.observations)}")
    if with_action and not (reason and finding.action is None):
        lines.append(f"     {_action_line(finding.action)}")
    return lines


def _missing_line(missing: Missing) -> str:
    control = missing.control
    late = (
        f"{missing.days_overdue} {'dag' if missing.days_overdue == 1 else 'dagar'} försenat"
        if missing.days_overdue
        else "inte försenat"
    )
    return (
        f"  - {control.id} {_short(control.description, 120)} – {missing.owner}"
        f" ({missing.namnd.strip() or _NO_NAME}, {missing.plan_name});"
        f" sista svarsdag {format_date(missing.deadline)}, {late}"
    )


def _who_when(answer: Answer) -> str:
    when = answer.when
    parts = [answer.answered_by, when.date().isoformat() if when else ""]
    return ", ".join(p for p in parts if p) or "inskrivet i Excel"


def _orphan_line(orphan: Orphan) -> str:
    answer = orphan.answer
    return (
        f"  - {answer.control_id} i {answer.plan_key}: {answer.outcome!r}"
        f" ({_who_when(answer)}) – {orphan.reason}"
    )


def _unscheduled_line(item: Unscheduled) -> str:
    control = item.control
    return (
        f"  - {control.id} {_short(control.description, 120)} ({item.plan_name}, rad "
        f"{control.row}): {item.reason} – följs inte upp förrän planen rättas"
    )


def _risk_lines(summary: Summary) -> list[str]:
    matrix = summary.risk
    if not matrix.has_cells:
        return _band_lines(summary) if matrix.has_bands else []
    lines = ["", "Riskmatris (antal kontrollmoment, varav avvikelser inom parentes)"]
    width = 10
    lines.append("  S \\ K " + "".join(f"{k:>{width}}" for k in RISK_AXIS))
    for p in reversed(RISK_AXIS):
        cells = []
        for k in RISK_AXIS:
            cell = matrix.cell(p, k)
            cells.append(f"{cell.controls} ({cell.deviations}) {cell.band[0]}".rjust(width))
        lines.append(f"  {p:>5} " + "".join(cells))
    bands = [f"{band[0]} = {band} {low}–{high}" for band, low, high in band_ranges()]
    lines.append(f"  S = sannolikhet, K = konsekvens. Riskvärde: {', '.join(bands)}.")
    unassessed = f"  Utan riskbedömning: {matrix.unassessed}"
    if matrix.unassessed_deviations:
        deviations = plural(matrix.unassessed_deviations, "avvikelse", "avvikelser")
        unassessed += f" (varav {deviations})"
    lines.append(unassessed)
    return lines


def _band_lines(summary: Summary) -> list[str]:
    matrix = summary.risk
    lines = ["", "Risknivåer (efter riskvärde eller färg)"]
    for band in matrix.bands:
        if band.controls:
            line = f"  {band.band}: {band.controls} kontrollmoment"
            if band.deviations:
                line += f", varav {plural(band.deviations, 'avvikelse', 'avvikelser')}"
            lines.append(line)
    if matrix.unbanded:
        lines.append(f"  Utan riskbedömning: {matrix.unbanded}")
    return lines


def status_text(summary: Summary, *, pending: int = 0) -> str:
    """The whole summary as a Swedish plain-text report (nothing is cut); pending is the
    number of answers still waiting to be written to Excel."""
    total, interim = summary.total, summary.term.period.is_interim
    title = _title(summary)
    lines = [title, "=" * len(title), f"Sammanställd {format_date(summary.today)}", ""]
    lines.append(progress(total))
    wording = summary.wording
    if summary.unanswered:
        late = sum(1 for m in summary.unanswered if m.days_overdue > 0)
        lines.append(swedish.unanswered_line(len(summary.unanswered), late))
    if summary.unowned:
        lines.append(
            f"{summary.unowned} kontrollmoment saknar ansvarig – en strateg kan svara på dem; "
            "lägg till ansvariga i tabellen Ansvariga på bladet Inställningar."
        )
    if pending:
        lines.append(f"{pending} av svaren väntar på att skrivas till Excel.")

    lines += ["", "Bedömningar"]
    for label in wording.order_labels(total.by_label):
        lines.append(f"  {label}: {total.by_label[label]}")
    if total.unknown:
        lines.append(f"  Okänd bedömning: {total.unknown}")
    if total.unanswered:
        lines.append(f"  Obesvarade: {total.unanswered}")
    lines.append(f"  Per klass: {_classes(total, interim, wording)}")

    lines += _group_lines("Per nämnd", summary.by_namnd, interim, wording)
    lines += _group_lines(summary.area_heading, summary.by_area, interim, wording)
    if summary.by_group:
        lines += _group_lines(summary.group_heading, summary.by_group, interim, wording)

    lines += ["", f"{wording.deviations} ({len(summary.deviations)}), allvarligast först"]
    if not summary.deviations:
        lines.append("  Inga avvikelser.")
    for number, finding in enumerate(summary.deviations, 1):
        lines += _finding_lines(number, finding, with_action=True)

    if summary.deferred or interim:
        lines += ["", f"Följs upp senare ({len(summary.deferred)})"]
        if not summary.deferred:
            lines.append("  Inga.")
        for number, finding in enumerate(summary.deferred, 1):
            lines += _finding_lines(number, finding, with_action=False)

    lines += ["", f"Har inte svarat ({len(summary.unanswered)})"]
    if not summary.unanswered:
        lines.append("  Alla har svarat.")
    lines += [_missing_line(m) for m in summary.unanswered]

    if summary.open_actions:
        lines += ["", f"Öppna åtgärder från tidigare perioder ({len(summary.open_actions)})"]
        for item in summary.open_actions:
            tracked = item.tracked
            line = f"  {item.control.id}: {_short(tracked.action.text)} · "
            line += f"{tracked.period.label} {tracked.year} · {tracked.status.value}"
            if tracked.action.due:
                line += f" · klart senast {tracked.action.due.isoformat()}"
            if item.days_overdue:
                line += f" · försenad {item.days_overdue} dagar"
            lines.append(line)

    lines += _risk_lines(summary)

    if summary.unknown:
        lines += ["", f"Okända bedömningar ({len(summary.unknown)}) – finns inte i skalan"]
        for number, finding in enumerate(summary.unknown, 1):
            lines += _finding_lines(number, finding, with_action=True)
    if summary.orphans:
        lines += ["", f"Svar som inte passar planen ({len(summary.orphans)}) – räknas inte"]
        lines += [_orphan_line(o) for o in summary.orphans]
    if summary.unscheduled:
        lines += ["", f"Period okänd ({len(summary.unscheduled)}) – rätta perioden i planen"]
        lines += [_unscheduled_line(u) for u in summary.unscheduled]
    return "\n".join(lines) + "\n"


# --- JSON ---------------------------------------------------------------------------------


def _tally_json(tally: Tally) -> dict[str, Any]:
    return {
        "due": tally.due,
        "answered": tally.answered,
        "unanswered": tally.unanswered,
        "percent_answered": round(tally.percent_answered, 1),
        "unknown": tally.unknown,
        "by_class": {s.value: tally.by_class.get(s, 0) for s in SEVERITY_ORDER},
        "by_label": dict(tally.by_label),
    }


def _when(answer: Answer) -> str | None:
    when = answer.when
    return when.isoformat() if when else None


def _control_json(finding: Finding | Missing | Unscheduled) -> dict[str, Any]:
    control = finding.control
    return {
        "plan": control.plan_key,
        "plan_name": finding.plan_name,
        "control_id": control.id,
        "control": control.description,
        "namnd": finding.namnd,
        "area": control.area,
        "group": control.group,
        "goal": control.goal,
        "owner": control.owner,
        "owner_emails": sorted(control.owners),
        "has_owner": control.has_owner,
    }


def _action_json(action: Action | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {
        "text": action.text,
        "owner": action.owner,
        "due": action.due.isoformat() if action.due else None,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    answer = finding.answer
    return {
        **_control_json(finding),
        "label": finding.label,
        "severity": finding.severity.value if finding.severity else None,
        "risk_score": finding.risk_score,
        "observations": answer.observations,
        "analysis": answer.analysis,
        "action": _action_json(answer.action),
        "answered_by": answer.answered_by,
        "answered_at": _when(answer),
        "answer_id": answer.answer_id,
    }


def _missing_json(missing: Missing) -> dict[str, Any]:
    return {
        **_control_json(missing),
        "deadline": missing.deadline.isoformat(),
        "days_overdue": missing.days_overdue,
    }


def _orphan_json(orphan: Orphan) -> dict[str, Any]:
    answer = orphan.answer
    return {
        "plan": answer.plan_key,
        "control_id": answer.control_id,
        "outcome": answer.outcome,
        "answered_by": answer.answered_by,
        "answered_at": _when(answer),
        "answer_id": answer.answer_id,
        "reason": orphan.reason,
    }


def status_json(summary: Summary, *, pending: int = 0) -> dict[str, Any]:
    """The whole summary as JSON-serialisable data (dates ISO 8601, enums by value)."""
    matrix = summary.risk
    return {
        "title": _title(summary),
        "year": summary.term.year,
        "period": summary.term.period.value,
        "period_label": summary.term.period.label,
        "today": summary.today.isoformat(),
        "namnd": summary.namnd,
        "progress": progress(summary.total),
        "pending": pending,
        "total": _tally_json(summary.total),
        "by_namnd": {n: _tally_json(t) for n, t in summary.by_namnd.items()},
        "by_area": {a: _tally_json(t) for a, t in summary.by_area.items()},
        "by_group": {g: _tally_json(t) for g, t in summary.by_group.items()},
        "class_names": {s.value: summary.wording.class_names[s] for s in SEVERITY_ORDER},
        "deviations_heading": summary.wording.deviations,
        "unowned": summary.unowned,
        "unscheduled": [
            {**_control_json(u), "period_text": u.control.period_text} for u in summary.unscheduled
        ],
        "deviations": [_finding_json(f) for f in summary.deviations],
        "deferred": [_finding_json(f) for f in summary.deferred],
        "unknown": [_finding_json(f) for f in summary.unknown],
        "unanswered": [_missing_json(m) for m in summary.unanswered],
        "orphans": [_orphan_json(o) for o in summary.orphans],
        "risk": {
            "cells": [
                {
                    "probability": c.probability,
                    "consequence": c.consequence,
                    "score": c.score,
                    "band": c.band,
                    "controls": c.controls,
                    "deviations": c.deviations,
                }
                for c in matrix.cells
            ],
            "unassessed": matrix.unassessed,
            "unassessed_deviations": matrix.unassessed_deviations,
            "bands": [
                {"band": b.band, "controls": b.controls, "deviations": b.deviations}
                for b in matrix.bands
            ],
            "unbanded": matrix.unbanded,
        },
    }
