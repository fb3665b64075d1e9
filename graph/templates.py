"""Workbooks the bot creates: an empty plan, the demo plans, and the sheets it adds.

The sheets follow ``graph.layout``; this module only adds what makes them pleasant in
Excel (tables, drop-down lists, column widths, frozen headers, number formats).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

from openpyxl import Workbook as XlWorkbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import OutcomeOption, OutcomeScale, Period, Severity
from graph import cells, layout, plan_reader
from graph.action_rows import ACTION_HEADERS, ACTION_SHEET, ACTION_TABLE, ACTION_WIDTHS
from graph.xlsx_reader import find_sheet

SCALE_NAME = "Bedomningar"  # defined name the Bedömning drop-down lists refer to
PERIOD_CHOICES = (
    "Delår 1",
    "Delår 2",
    "Helår",
    "Delår 2 och helår",
    "Varje delår",
    "Alla perioder",
    "Halvårsvis",
    "Årligen",
)
_WIDTHS = {
    "id": 8,
    "namnd": 18,
    "area": 14,
    "process": 28,
    "risk_text": 45,
    "probability": 12,
    "consequence": 12,
    "value": 14,
    "description": 50,
    "method": 26,
    "sample": 32,
    "periods": 18,
    "owner": 30,
    "due_date": 15,
    "active": 15,
}
_WRAPPED = {"process", "risk_text", "description", "method", "sample"}
_ANSWER_WIDTHS = (8, 7, 10, 26, 12, 12, 45, 35, 35, 28, 13, 28, 17, 38, 45, 14)
_STYLE = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
_LAST = 1048576  # Excel's last row: validations cover rows people add later


def put_cell(cell: Cell, value: object, number_format: str | None = None) -> None:
    """Write one value; text that Excel would not keep as it is gets the quote prefix."""
    if value == "":
        value = None  # an empty cell, not an empty string
    if isinstance(value, str):
        text = cells.clean_text(value)
        quoted = cells.needs_quote_prefix(text)
        cell.value = cells.xlsx_text(text)
        # Plain text, always: openpyxl makes "=…" a formula and "#N/A" an error value.
        cell.data_type = "s"
        if quoted or cell.quotePrefix:
            cell.quotePrefix = quoted
        return
    cell.value = value
    if cell.quotePrefix:
        cell.quotePrefix = False
    if number_format is not None and value is not None:
        cell.number_format = number_format


def _inline_list(choices: Sequence[str]) -> str | None:
    """A list validation formula, or None when Excel cannot hold it inline."""
    # An inline list is limited to 255 characters and cannot hold commas.
    text = ",".join(choices)
    return f'"{text}"' if len(text) <= 255 and not any("," in c for c in choices) else None


def _fixed_list(choices: Sequence[str]) -> str:
    formula = _inline_list(choices)
    assert formula is not None, "our own lists are short and comma-free"
    return formula


def _validation(
    ws: Worksheet, area: str, kind: str, formula: str, message: str, formula2: str | None = None
) -> None:
    dv = DataValidation(
        type=kind,
        formula1=formula,
        formula2=formula2,
        allow_blank=True,
        operator="between" if formula2 is not None else None,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="Kontrollera värdet",
        error=message,
    )
    dv.add(area)
    ws.add_data_validation(dv)


def _table(ws: Worksheet, name: str, first_row: int, columns: int, last_row: int) -> None:
    ref = f"A{first_row}:{get_column_letter(columns)}{max(last_row, first_row + 1)}"
    ws.add_table(Table(displayName=name, ref=ref, tableStyleInfo=_STYLE))


def _settings_table(
    ws: Worksheet, name: str, column: int, headers: Sequence[str], rows: Sequence[Sequence[str]]
) -> int:
    """A table at row 1 from ``column`` (1-based); returns its last row."""
    for offset, header in enumerate(headers):
        put_cell(ws.cell(1, column + offset), header)
    for number, row in enumerate(rows, start=2):
        for offset, value in enumerate(row):
            put_cell(ws.cell(number, column + offset), value)
    last = max(len(rows) + 1, 2)
    first, end = get_column_letter(column), get_column_letter(column + len(headers) - 1)
    ws.add_table(Table(displayName=name, ref=f"{first}1:{end}{last}", tableStyleInfo=_STYLE))
    return last


_CALENDAR_ROWS = (
    ("Delår 1", "30 april", "14 maj"),
    ("Delår 2", "31 augusti", "14 september"),
    ("Helår", "31 december", "14 januari"),
)
_SETTINGS_NOTES = (
    "Bedömningsskala – Allvarlighet: {severities}. Bedömningarna visas i den ordningen.",
    "Ansvariga – en roll eller ett namn som kolumnen Ansvarig i planen skriver det "
    "(t.ex. Ekonomichef), och e-postadressen; flera adresser med komma eller på flera rader.",
    "Perioder – Delår 1, Delår 2, Delår, Kvartal 1–3 och Helår, när de slutar och när svaren "
    "ska vara inne (tom: 14 dagar efter). Ta bort raderna som kommunen inte använder.",
    "År – skriv planens år på en egen rad, t.ex. År | 2026 (annars tas det från titelraden "
    "eller filnamnet).",
)


def add_settings_sheet(wb: XlWorkbook, scale: OutcomeScale, *, tables: bool = False) -> Worksheet:
    """Add the Inställningar sheet with the Bedomningsskala table filled from ``scale``
    (the options offered) and, with ``tables``, empty Ansvariga and the default Perioder."""
    ws = wb.create_sheet(layout.SETTINGS_SHEET)
    offered = [(o.label, o.severity.label) for o in scale.options if o.offered]
    last = _settings_table(ws, layout.SCALE_TABLE, 1, layout.SCALE_HEADERS, offered)
    severities = [s.label for s in Severity]
    _validation(
        ws,
        f"B2:B{_LAST}",
        "list",
        _fixed_list(severities),
        "Allvarlighet ska vara en av: " + ", ".join(severities) + ".",
    )
    notes = 11  # the notes' column: right of every table, so no table runs into them
    if tables:
        _settings_table(ws, layout.OWNERS_TABLE, 4, layout.OWNERS_HEADERS, [])
        _settings_table(ws, layout.PERIODS_TABLE, 7, layout.PERIODS_HEADERS, _CALENDAR_ROWS)
        for letter, width in (("D", 28), ("E", 40), ("G", 12), ("H", 16), ("I", 16)):
            ws.column_dimensions[letter].width = width
    else:
        notes = 4
    texts = _SETTINGS_NOTES if tables else _SETTINGS_NOTES[:1]
    for row, text in enumerate(texts, start=1):
        put_cell(ws.cell(row, notes), text.format(severities=", ".join(severities)))
    ws.column_dimensions["A"].width = 60
    ws.column_dimensions["B"].width = 16
    target = f"{quote_sheetname(ws.title)}!$A$2:$A${last}"
    wb.defined_names[SCALE_NAME] = DefinedName(SCALE_NAME, attr_text=target)
    return ws


def add_answers_sheet(wb: XlWorkbook, index: int | None = None) -> Worksheet:
    """Add the Uppföljning sheet: the answer table with drop-downs and number formats."""
    ws = wb.create_sheet(layout.ANSWER_SHEET, index)
    for column, header in enumerate(layout.ANSWER_HEADERS, start=1):
        put_cell(ws.cell(1, column), header)
        letter = get_column_letter(column)
        ws.column_dimensions[letter].width = _ANSWER_WIDTHS[column - 1]
    _table(ws, layout.ANSWER_TABLE, 1, len(layout.ANSWER_HEADERS), 2)
    ws.freeze_panes = "B2"
    at = {h: get_column_letter(i) for i, h in enumerate(layout.ANSWER_HEADERS, start=1)}
    settings = find_sheet(wb, layout.SETTINGS_SHEET)
    if SCALE_NAME in wb.defined_names:
        outcomes: str | None = SCALE_NAME
    else:
        rows = [list(r) for r in settings.iter_rows(values_only=True)] if settings else []
        scale, _ = plan_reader.parse_scale(rows)
        outcomes = _inline_list([o.label for o in scale.options])
    if outcomes is not None:
        _validation(
            ws,
            f"{at['Bedömning']}2:{at['Bedömning']}{_LAST}",
            "list",
            outcomes,
            "Välj en bedömning ur listan (bladet Inställningar).",
        )
    periods = [p.label for p in sorted(Period, key=lambda p: p.rank)]
    _validation(
        ws,
        f"{at['Period']}2:{at['Period']}{_LAST}",
        "list",
        _fixed_list(periods),
        "Period ska vara Delår 1, Delår 2, Helår eller Kvartal 1–3.",
    )
    for header in ("Antal kontrollerade", "Antal avvikelser"):
        _validation(
            ws,
            f"{at[header]}2:{at[header]}{_LAST}",
            "whole",
            "0",
            "Ange ett heltal, 0 eller mer.",
            "1000000000",
        )
    return ws


def add_actions_sheet(wb: XlWorkbook) -> Worksheet:
    """The Åtgärder sheet with its headers and an empty table (the writer fills it; made
    with the answers sheet so that later batches can patch both inside the package)."""
    ws = wb.create_sheet(ACTION_SHEET)
    for column, header in enumerate(ACTION_HEADERS, start=1):
        put_cell(ws.cell(1, column), header)
        ws.column_dimensions[get_column_letter(column)].width = ACTION_WIDTHS[column - 1]
    ref = f"A1:{get_column_letter(len(ACTION_HEADERS))}2"
    style = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(Table(displayName=ACTION_TABLE, ref=ref, tableStyleInfo=style))
    ws.freeze_panes = "B2"
    return ws


def _plan_sheet(
    ws: Worksheet,
    title: str,
    subtitle: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> None:
    ws.title = layout.PLAN_SHEET
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A2"] = subtitle
    ws["A2"].font = Font(italic=True)
    top = 4  # title, subtitle and a blank row above the header
    for column, header in enumerate(headers, start=1):
        put_cell(ws.cell(top, column), header)
    for number, row in enumerate(rows, start=top + 1):
        for column, value in enumerate(row, start=1):
            fmt = layout.DATE_FORMAT if isinstance(value, date) else None
            put_cell(ws.cell(number, column), value, fmt)
    _table(ws, layout.PLAN_TABLE, top, len(headers), top + len(rows))
    ws.freeze_panes = ws.cell(top + 1, 1)
    fields = layout.plan_columns(headers)
    wrap = Alignment(wrap_text=True, vertical="top")
    for field, index in fields.items():
        letter = get_column_letter(index + 1)
        ws.column_dimensions[letter].width = _WIDTHS[field]
        if field in _WRAPPED:
            for number in range(top + 1, top + len(rows) + 1):
                ws.cell(number, index + 1).alignment = wrap
        area = f"{letter}{top + 1}:{letter}{_LAST}"
        if field == "periods":
            _validation(
                ws,
                area,
                "list",
                _fixed_list(PERIOD_CHOICES),
                'Skriv Delår 1, Delår 2, Helår eller en kombination, t.ex. "Delår 2 och helår".',
            )
        elif field in ("probability", "consequence"):
            _validation(ws, area, "whole", "1", "Ange en siffra 1–4.", "4")
        elif field == "active":
            _validation(ws, area, "list", '"Ja,Nej"', "Skriv Ja eller Nej.")
        elif field == "due_date":
            _validation(ws, area, "date", "36526", "Ange ett datum, t.ex. 2026-05-15.", "73051")


def _new_workbook(
    title: str,
    subtitle: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    scale: OutcomeScale | None,
    *,
    tables: bool = False,
) -> XlWorkbook:
    wb = XlWorkbook()
    _plan_sheet(wb.active, title, subtitle, headers, rows)
    if scale is not None:
        add_settings_sheet(wb, scale, tables=tables)
    add_answers_sheet(wb, index=1)
    add_actions_sheet(wb)
    return wb


def _save_new(wb: XlWorkbook, path: Path, overwrite: bool) -> bool:
    if path.exists() and not overwrite:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return True


def init_workbook(path: Path, *, overwrite: bool = False) -> Path:
    """Write an empty plan workbook; raise FileExistsError rather than overwrite one."""
    path = Path(path)
    headers = [layout.PLAN_HEADERS[f][0] for f in layout.TEMPLATE_FIELDS]
    wb = _new_workbook(
        "Internkontrollplan",
        "En rad per kontrollmoment. ID och Kontrollmoment krävs; Ansvarig är en e-postadress, "
        "eller en roll eller ett namn som tabellen Ansvariga på bladet Inställningar ger en "
        'adress. Period: Delår 1, Delår 2, Helår, t.ex. "Delår 2 och helår", Halvårsvis, '
        "Årligen; tom = Helår.",
        headers,
        [],
        OutcomeScale.default(),
        tables=True,
    )
    if not _save_new(wb, path, overwrite):
        raise FileExistsError(f"{path} finns redan.")
    return path


@dataclass(frozen=True, slots=True)
class _Demo:
    file: str
    data: str
    subtitle: str
    scale: OutcomeScale | None = None


STRANGNAS_SCALE = OutcomeScale(
    (
        OutcomeOption("Process/rutin/riktlinje fungerar", Severity.OK),
        OutcomeOption("Process/rutin/riktlinje fungerar men behöver utvecklas", Severity.MINOR),
        OutcomeOption(
            "Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats", Severity.MAJOR
        ),
        OutcomeOption("Dokumenterad beskrivning av process/rutin/riktlinje saknas", Severity.MAJOR),
        OutcomeOption("Ej genomförd", Severity.NOT_PERFORMED),
        OutcomeOption("Följs upp på helår", Severity.DEFERRED),
    )
)
_NOTE = " Demodata: kontrollmomenten är verkliga, ansvariga och e-postadresser påhittade."
DEMOS = (
    _Demo(
        "lindesberg-ks-2026.xlsx",
        "lindesberg_ks_2026.csv",
        "Kommunstyrelsen – Kommunledningskontoret, Lindesbergs kommun." + _NOTE,
    ),
    _Demo(
        "strangnas-ks-2026.xlsx",
        "strangnas_ks_2026.csv",
        "Kommunstyrelsen, Strängnäs kommun." + _NOTE,
        STRANGNAS_SCALE,
    ),
)


def _demo_rows(data: str) -> tuple[list[str], list[list[object]]]:
    text = resources.files("graph.demo").joinpath(data).read_text(encoding="utf-8")
    header, *rows = csv.reader(io.StringIO(text))
    fields = layout.plan_columns(header)
    numeric = {fields[f] for f in ("id", "probability", "consequence") if f in fields}
    dated = fields.get("due_date")

    def typed(index: int, value: str) -> object:
        if value and index in numeric:
            return int(value)
        if value and index == dated:
            return date.fromisoformat(value)
        return value

    return header, [[typed(i, v) for i, v in enumerate(row)] for row in rows]


def demo_workbook(path: Path, *, overwrite: bool = False) -> list[Path]:
    """Write the demo plans: one file if ``path`` ends in .xlsx, else both into that folder.

    Existing files are kept (they may hold answers) unless ``overwrite`` is set.
    """
    path = Path(path)
    single = path.suffix.lower() == ".xlsx"
    written: list[Path] = []
    for demo in DEMOS[:1] if single else DEMOS:
        target = path if single else path / demo.file
        headers, rows = _demo_rows(demo.data)
        wb = _new_workbook("Internkontrollplan 2026", demo.subtitle, headers, rows, demo.scale)
        _save_new(wb, target, overwrite)
        written.append(target)
    return written
