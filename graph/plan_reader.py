"""Reading a plan sheet and its Bedömningsskala, as people wrote them, into a ``Plan``.

Everything here works on plain 2-D lists of cell values (None, str, int, float, date,
datetime), so the openpyxl backend and the Microsoft Graph backend read the same layout.
Plans written by people are read tolerantly; what cannot be understood is reported row by
row as ``PlanIssue`` with the Excel row number, never guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from bot.domain.model import (
    Control,
    OutcomeOption,
    OutcomeScale,
    Plan,
    PlanIssue,
    Risk,
    severity_from_label,
)
from bot.domain.periods import parse_periods
from graph.cells import cell_text, normalise_id, parse_date
from graph.layout import PLAN_SHEET, SCALE_HEADERS, normalise_header, plan_columns

NOT_CONTROLLED = "Ska inte kontrolleras (Nej) – raden hoppas över"

_REQUIRED = ("id", "description", "owner")
_PROBABILITY_WORDS = {"mycket liten": 1, "liten": 2, "stor": 3, "mycket stor": 4}
_CONSEQUENCE_WORDS = {"försumbar": 1, "lindrig": 2, "kännbar": 3, "allvarlig": 4}
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
# "6", "6.0", "6. Lindrig", "6 Lindrig", "12: Allvarlig"
_RISK_VALUE = re.compile(r"^(\d{1,2})(?:[.,]0+(?!\d))?\s*[.:–-]?\s*(.*)$", re.S)


class PlanLayoutError(ValueError):
    """No row of the sheet looks like the plan's header row."""


def find_header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Index of the first row holding at least ID, Kontrollmoment and Ansvarig."""
    for index, row in enumerate(rows):
        if all(f in plan_columns(row) for f in _REQUIRED):
            return index
    return None


def _scale_value(value: object, words: Mapping[str, int]) -> int | None:
    text = cell_text(value).casefold()
    number = re.match(r"^(\d)\b", text)
    result = int(number.group(1)) if number else words.get(" ".join(text.split()), 0)
    return result if 1 <= result <= 4 else None


def parse_risk_value(value: object) -> tuple[int | None, str] | None:
    """Riskvärde/Riskbedömning: 6, 6.0, "6. Lindrig" -> (6, "Lindrig"); None if not understood."""
    text = cell_text(value)
    if not text:
        return None, ""
    match = _RISK_VALUE.match(text)
    if match is None or not 1 <= int(match.group(1)) <= 16:
        return None
    label = match.group(2).strip()
    if label and not label[0].isalpha():
        return None  # "6,5" or "6/8" is not a value with a label
    return int(match.group(1)), label


def parse_plan(
    rows: Sequence[Sequence[object]],
    *,
    plan_key: str,
    name: str,
    sheet: str = PLAN_SHEET,
    first_row: int = 1,
    scale: OutcomeScale | None = None,
    scale_issues: Sequence[PlanIssue] = (),
) -> Plan:
    """Read a plan sheet's rows (row 0 is Excel row ``first_row``); raise PlanLayoutError."""
    header_index = find_header_row(rows)
    if header_index is None:
        raise PlanLayoutError(
            f"Bladet {sheet!r} saknar en rubrikrad med ID, Kontrollmoment och Ansvarig."
        )
    columns = plan_columns(rows[header_index])
    controls: list[Control] = []
    issues: list[PlanIssue] = list(scale_issues)
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 1):
        row_number = first_row + offset
        cells = {f: row[i] if i < len(row) else None for f, i in columns.items()}
        if all(cell_text(v) == "" for v in row):
            continue
        control, row_issues = _parse_row(cells, row_number, plan_key, seen)
        issues.extend(row_issues)
        if control is not None:
            seen[control.id] = row_number
            controls.append(control)
    return Plan(
        key=plan_key,
        name=name,
        controls=tuple(controls),
        scale=scale or OutcomeScale.default(),
        issues=tuple(issues),
        sheet=sheet,
    )


def _parse_row(
    cells: Mapping[str, object], row: int, plan_key: str, seen: Mapping[str, int]
) -> tuple[Control | None, list[PlanIssue]]:
    text = {f: cell_text(v) for f, v in cells.items()}
    if text.get("active", "").casefold() == "nej":
        return None, [PlanIssue(row, NOT_CONTROLLED)]
    fatal: list[str] = []
    control_id = normalise_id(cells.get("id"))
    owner = text.get("owner", "").removeprefix("mailto:").strip().lower()
    periods = parse_periods(cells.get("periods"))
    if not control_id:
        fatal.append("ID saknas")
    elif control_id in seen:
        fatal.append(f"ID {control_id} finns redan på rad {seen[control_id]}")
    if not text.get("description"):
        fatal.append("Kontrollmoment saknas")
    if not owner:
        fatal.append("Ansvarig saknas")
    elif not _EMAIL.match(owner):
        fatal.append(f"Ansvarig är ingen e-postadress: {text['owner']!r}")
    if periods is None:
        fatal.append(f"Okänd period: {text['periods']!r}")
    if fatal:
        return None, [PlanIssue(row, m) for m in fatal]

    kept: list[str] = []
    due = parse_date(cells["due_date"]) if text.get("due_date") else None
    if text.get("due_date") and due is None:
        kept.append(f"Ogiltig sista svarsdag: {text['due_date']!r} (raden används utan den)")
    probability = _scale_value(cells.get("probability"), _PROBABILITY_WORDS)
    if text.get("probability") and probability is None:
        kept.append(f"Okänd sannolikhet: {text['probability']!r} (ska vara 1–4)")
    consequence = _scale_value(cells.get("consequence"), _CONSEQUENCE_WORDS)
    if text.get("consequence") and consequence is None:
        kept.append(f"Okänd konsekvens: {text['consequence']!r} (ska vara 1–4)")
    risk_value = parse_risk_value(cells.get("value"))
    if risk_value is None:
        kept.append(f"Okänt riskvärde: {text['value']!r} (ska vara 1–16)")
        risk_value = (None, "")
    assert periods is not None  # for mypy: a None was reported as fatal above
    control = Control(
        id=control_id,
        plan_key=plan_key,
        description=text["description"],
        owner=owner,
        periods=periods,
        namnd=text.get("namnd", ""),
        area=text.get("area", ""),
        process=text.get("process", ""),
        risk_text=text.get("risk_text", ""),
        risk=Risk(probability, consequence, risk_value[0], risk_value[1]),
        method=text.get("method", ""),
        sample=text.get("sample", ""),
        due_date=due,
        row=row,
    )
    return control, [PlanIssue(row, m, skipped=False) for m in kept]


def parse_scale(
    rows: Sequence[Sequence[object]], *, first_row: int = 1
) -> tuple[OutcomeScale, tuple[PlanIssue, ...]]:
    """The Bedömningsskala of an Inställningar sheet; the default scale if it defines none."""
    wanted = tuple(normalise_header(h) for h in SCALE_HEADERS)
    found = next(
        (i for i, row in enumerate(rows) if set(wanted) <= {normalise_header(c) for c in row}),
        None,
    )
    if found is None:
        return OutcomeScale.default(), ()
    index = found
    headers = [normalise_header(c) for c in rows[index]]
    label_at, severity_at = (headers.index(h) for h in wanted)
    options: list[OutcomeOption] = []
    issues: list[PlanIssue] = []
    for offset, row in enumerate(rows[index + 1 :], start=index + 1):
        label = cell_text(row[label_at]) if label_at < len(row) else ""
        severity_text = cell_text(row[severity_at]) if severity_at < len(row) else ""
        if not label and not severity_text:
            continue
        severity = severity_from_label(severity_text)
        row_number = first_row + offset
        if not label:
            issues.append(PlanIssue(row_number, "Bedömningsskalan: bedömning saknas"))
        elif severity is None:
            message = f"Bedömningsskalan: okänd allvarlighet {severity_text!r} för {label!r}"
            issues.append(PlanIssue(row_number, message))
        elif any(o.label.casefold() == label.casefold() for o in options):
            issues.append(PlanIssue(row_number, f"Bedömningsskalan: {label!r} finns redan"))
        else:
            options.append(OutcomeOption(label, severity))
    return (OutcomeScale(tuple(options)) if options else OutcomeScale.default()), tuple(issues)
