"""Plain-text and JSON renderings of a status Summary (for `ikbot status`): pure, no I/O.

The text is a Swedish report a kvalitetsstrateg can paste into an e-mail; the JSON carries
the same content for other tools (dates ISO 8601, enums by value).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain import swedish
from bot.domain.model import Action
from bot.domain.status import RISK_AXIS, Finding, Missing, Orphan, Summary, Tally, band_ranges
from bot.domain.swedish import SEVERITY_ORDER, format_date

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


def _classes(tally: Tally, interim: bool) -> str:
    return swedish.class_counts(tally.by_class, tally.unknown, interim)


def _group_lines(title: str, groups: Mapping[str, Tally], interim: bool) -> list[str]:
    lines = ["", title]
    if not groups:
        return [*lines, "  (inga)"]
    for name, tally in groups.items():
        lines.append(f"  {name.strip() or _NO_NAME}: {tally.answered} av {tally.due} besvarade")
        lines.append(f"    {_classes(tally, interim)}")
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
    if finding.risk_score is not None:
        where.append(f"riskvärde {finding.risk_score}")
    lines = [head, f"     {' · '.join(where)}"]
    if finding.observations.strip():
        lines.append(f"     Iakttagelser: {_short(finding.observations)}")
    if with_action:
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
        f" ({control.namnd.strip() or _NO_NAME}, {missing.plan_name});"
        f" sista svarsdag {format_date(missing.deadline)}, {late}"
    )


def _orphan_line(orphan: Orphan) -> str:
    answer = orphan.answer
    return (
        f"  - {answer.control_id} i {answer.plan_key}: {answer.outcome!r}"
        f" ({answer.answered_by}, {answer.answered_at.date().isoformat()}) – {orphan.reason}"
    )


def _risk_lines(summary: Summary) -> list[str]:
    matrix = summary.risk
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
        unassessed += f" (varav {matrix.unassessed_deviations} avvikelser)"
    lines.append(unassessed)
    return lines


def status_text(summary: Summary, *, pending: int = 0) -> str:
    """The whole summary as a Swedish plain-text report (nothing is cut); pending is the
    number of answers still waiting to be written to Excel."""
    total, interim = summary.total, summary.term.period.is_interim
    title = _title(summary)
    lines = [title, "=" * len(title), f"Sammanställd {format_date(summary.today)}", ""]
    lines.append(progress(total))
    if summary.unanswered:
        late = sum(1 for m in summary.unanswered if m.days_overdue > 0)
        lines.append(f"{len(summary.unanswered)} obesvarade, varav {late} försenade.")
    if pending:
        lines.append(f"{pending} av svaren väntar på att skrivas till Excel.")

    lines += ["", "Bedömningar"]
    for label, count in total.by_label.items():
        lines.append(f"  {label}: {count}")
    if total.unknown:
        lines.append(f"  Okänd bedömning: {total.unknown}")
    if total.unanswered:
        lines.append(f"  Obesvarade: {total.unanswered}")
    lines.append(f"  Per klass: {_classes(total, interim)}")

    lines += _group_lines("Per nämnd", summary.by_namnd, interim)
    lines += _group_lines("Per område", summary.by_area, interim)

    lines += ["", f"Avvikelser ({len(summary.deviations)}), allvarligast först"]
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

    lines += _risk_lines(summary)

    if summary.unknown:
        lines += ["", f"Okända bedömningar ({len(summary.unknown)}) – finns inte i skalan"]
        for number, finding in enumerate(summary.unknown, 1):
            lines += _finding_lines(number, finding, with_action=True)
    if summary.orphans:
        lines += ["", f"Svar som inte passar planen ({len(summary.orphans)}) – räknas inte"]
        lines += [_orphan_line(o) for o in summary.orphans]
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


def _action_json(action: Action | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {
        "text": action.text,
        "owner": action.owner,
        "due": action.due.isoformat() if action.due else None,
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    control, answer = finding.control, finding.answer
    return {
        "plan": control.plan_key,
        "plan_name": finding.plan_name,
        "control_id": control.id,
        "control": control.description,
        "namnd": control.namnd,
        "area": control.area,
        "owner": control.owner,
        "label": finding.label,
        "severity": finding.severity.value if finding.severity else None,
        "risk_score": finding.risk_score,
        "observations": answer.observations,
        "analysis": answer.analysis,
        "action": _action_json(answer.action),
        "answered_by": answer.answered_by,
        "answered_at": answer.answered_at.isoformat(),
        "answer_id": answer.answer_id,
    }


def _missing_json(missing: Missing) -> dict[str, Any]:
    control = missing.control
    return {
        "plan": control.plan_key,
        "plan_name": missing.plan_name,
        "control_id": control.id,
        "control": control.description,
        "namnd": control.namnd,
        "area": control.area,
        "owner": control.owner,
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
        "answered_at": answer.answered_at.isoformat(),
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
        },
    }
