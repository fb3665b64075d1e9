"""Today's plan reader, frozen: the reading code as it was before plans could be written
the kommuner's way (commit da61bf0), for ``bench/plans.py`` to time beside the new one.

Copied, not imported from git at run time: the bench then runs the same from any checkout
(a release tarball has no history) and keeps measuring the same baseline however the live
modules change. What it copies: ``graph/layout.py``'s header matching, ``bot/domain/
periods.py``'s ``parse_periods``, ``graph/plan_reader.py``, and the reading and report
parts of ``graph/xlsx_reader.py`` and ``graph/tools.py``. Cell helpers (``graph.cells``),
openpyxl's loading and ``graph.answer_rows.row_to_answer`` (which reads the bot's own
Uppföljning table as before) are shared with the live code.
"""

# ruff: noqa: E501, D103, C901

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook as XlWorkbook
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.table import Table
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import (
    Answer,
    Control,
    OutcomeOption,
    OutcomeScale,
    Period,
    Plan,
    PlanIssue,
    Risk,
    severity_from_label,
)
from graph import answer_rows
from graph.cells import cell_text, normalise_id, parse_date
from graph.protocol import WorkbookUnreadable
from graph.templates import find_sheet
from graph.xlsx_reader import load_xlsx

PLAN_SHEET = "Kontrollplan"
ANSWER_SHEET = "Uppföljning"
SETTINGS_SHEET = "Inställningar"
SUMMARY_PREFIX = "Sammanställning "
SCALE_HEADERS = ("Bedömning", "Allvarlighet")
ANSWER_HEADERS = (
    "ID",
    "År",
    "Period",
    "Bedömning",
    "Antal kontrollerade",
    "Antal avvikelser",
    "Iakttagelser",
    "Analys",
    "Åtgärd",
    "Åtgärdsansvarig",
    "Klart senast",
    "Besvarad av",
    "Besvarad",
    "Svar-ID",
)

# --- graph/layout.py ---------------------------------------------------------------------

PLAN_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("ID", "Nr", "Risknummer", "Risknr"),
    "namnd": ("Nämnd", "Förvaltning", "Verksamhet"),
    "area": ("Område",),
    "process": ("Process/rutin", "Process", "Rutin", "Processer/rutiner", "Riktlinje/rutin"),
    "risk_text": ("Risk", "Risker"),
    "probability": ("Sannolikhet",),
    "consequence": ("Konsekvens",),
    "value": ("Riskvärde", "Riskbedömning"),
    "description": ("Kontrollmoment", "Kontroll"),
    "method": ("Metod",),
    "sample": ("Urval",),
    "periods": ("Period", "Frekvens", "Tidpunkt"),
    "owner": ("Ansvarig", "Ansvarig e-post"),
    "due_date": ("Sista svarsdag",),
    "active": ("Ska kontrolleras",),
}


def may_hold_plan(sheet: str) -> bool:
    """Whether a sheet may be the plan: not the answers, the settings or a summary sheet
    (whose Obesvarade table has ID, Kontrollmoment and Ansvarig columns too)."""
    folded = sheet.strip().casefold()
    skip = (ANSWER_SHEET.casefold(), SETTINGS_SHEET.casefold())
    return folded not in skip and not folded.startswith(SUMMARY_PREFIX.casefold())


def normalise_header(value: object) -> str:
    """A header cell made comparable: case, whitespace, parentheses and trailing ':' ignored."""
    text = str(value or "").replace("(", " ").replace(")", " ").casefold()
    text = " ".join(text.split()).replace(" / ", "/").rstrip(":* ")
    return text


_HEADER_LOOKUP = {normalise_header(h): f for f, hs in PLAN_HEADERS.items() for h in hs}


def plan_columns(header: Sequence[object]) -> dict[str, int]:
    """Map plan fields to column indexes (0-based); the first matching column wins."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _HEADER_LOOKUP.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def answer_columns(header: Sequence[object]) -> dict[str, int]:
    """Map Uppföljning headers to column indexes (people may move or add columns)."""
    wanted = {normalise_header(h): h for h in ANSWER_HEADERS}
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = wanted.get(normalise_header(cell))
        if name is not None and name not in columns:
            columns[name] = index
    return columns


# --- bot/domain/periods.py: parse_periods -------------------------------------------------

_ORDER = (Period.T1, Period.T2, Period.YEAR)
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


# --- graph/plan_reader.py ---------------------------------------------------------------

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


# --- graph/xlsx_reader.py: reading a file -------------------------------------------------


def _sheet_rows(ws: Worksheet) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _plan_from(wb: XlWorkbook, key: str) -> Plan:
    scale_ws = find_sheet(wb, SETTINGS_SHEET)
    scale, scale_issues = parse_scale(_sheet_rows(scale_ws) if scale_ws else [])
    ours = find_sheet(wb, PLAN_SHEET)
    others = [ws for ws in wb.worksheets if ws is not ours and may_hold_plan(ws.title)]
    for ws in [ours, *others] if ours is not None else others:
        rows = _sheet_rows(ws)
        header = find_header_row(rows)
        if header is None:
            continue
        # Merged cells below the header (e.g. one Område over several rows) count for
        # every row they cover; openpyxl only gives the top-left cell a value.
        for merged in ws.merged_cells.ranges:
            if merged.min_row - 1 > header:
                value = rows[merged.min_row - 1][merged.min_col - 1]
                for r in range(merged.min_row - 1, merged.max_row):
                    for c in range(merged.min_col - 1, merged.max_col):
                        rows[r][c] = value
        return parse_plan(
            rows,
            plan_key=key,
            name=Path(key).stem,
            sheet=ws.title,
            scale=scale,
            scale_issues=scale_issues,
        )
    raise WorkbookUnreadable(
        f"{key}: inget blad har en rubrikrad med ID, Kontrollmoment och Ansvarig."
    )


def answer_area(ws: Worksheet) -> tuple[int, dict[str, int], Table | None] | None:
    """The header row (1-based), the answer columns and the table, if the sheet has them."""
    tables = list(ws.tables.values())
    table = ws.tables.get("Uppfoljning") or (tables[0] if tables else None)
    if table is not None:
        min_col, min_row, max_col, _ = range_boundaries(table.ref)
        # Indexes count from column A, like the rows iter_rows gives us.
        header = [None] * (min_col - 1)
        header += [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
        return min_row, answer_columns(header), table
    for number, row in enumerate(ws.iter_rows(max_row=50, values_only=True), start=1):
        columns = answer_columns(row)
        if {"ID", "År", "Period"} <= columns.keys():
            return number, columns, None
    return None


def answers_from(wb: XlWorkbook, key: str) -> tuple[Answer, ...]:
    """The answers in the Uppföljning sheet; none when there is no such sheet or area."""
    ws = find_sheet(wb, ANSWER_SHEET)
    area = answer_area(ws) if ws is not None else None
    if ws is None or area is None:
        return ()
    header_row, columns, _ = area
    rows = ws.iter_rows(min_row=header_row + 1, values_only=True)
    found = (answer_rows.row_to_answer(row, key, columns) for row in rows)
    return tuple(a for a in found if a is not None)


def read_workbook_file(path: Path, key: str) -> tuple[Plan, tuple[Answer, ...]]:
    """Read a workbook file's plan and answers, as today's reader does."""
    wb = load_xlsx(path, key, data_only=True)
    return _plan_from(wb, key), answers_from(wb, key)


# --- graph/tools.py: the check-workbook report ----------------------------------------------

OK, SKIPPED, UNREADABLE = 0, 1, 2


def _scale_lines(scale: OutcomeScale) -> list[str]:
    if scale == OutcomeScale.default():
        origin = "standardskalan"
    else:
        origin = f"från bladet {SETTINGS_SHEET}"
    return [f"  Bedömningsskala ({origin}):"] + [
        f"    {o.label} – {o.severity.label}" for o in scale.options
    ]


def _plan_report(plan: Plan, answers: int) -> tuple[list[str], int]:
    lines = [
        f'  {len(plan.controls)} kontrollmoment inlästa från bladet "{plan.sheet}", '
        f"{answers} svar i {ANSWER_SHEET}",
        *_scale_lines(plan.scale),
    ]
    # A row marked "Ska kontrolleras: Nej" is left out on purpose: shown, but no error.
    errors = [i for i in plan.issues if i.skipped and i.message != NOT_CONTROLLED]
    if not plan.issues:
        lines.append("  Inga anmärkningar.")
    else:
        lines.append(f"  {len(plan.issues)} anmärkningar, {len(errors)} rader hoppas över:")
        lines.extend(f"  rad {i.row}: {i.message}" for i in plan.issues)
    return lines, SKIPPED if errors else OK


def check_workbook(path: Path) -> tuple[str, int]:
    """Today's report for one workbook file."""
    plan, answers = read_workbook_file(path, path.name)
    report, code = _plan_report(plan, len(answers))
    return "\n".join([f"Fil: {path}", "", path.name, *report]), code
