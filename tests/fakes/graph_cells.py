"""What the fake Graph does to one .xlsx file: Excel's workbook API over openpyxl (blocking).

Values follow Excel, not Python: dates come back as serial numbers, empty cells as "",
a merged area's value sits in its top-left cell only. Writing follows what typing into
Excel does (which is what Graph's ``values`` do): "'text" is text without the apostrophe,
"=…" (and "+…", "-…", "@…" that are not numbers) become formulas, "12" becomes the number
12, "TRUE" a boolean and an ISO date a date. A client that wants text must send "'".

Text is kept in the file as Excel keeps it: a carriage return as ``_x000D_`` (XML would
turn it into a line feed) and a literal ``_xHHHH_`` as ``_x005F_xHHHH_``; values read back
unescaped, as Graph reports them.

Formulas are not calculated: a formula cell reads as its cached value, which openpyxl
drops on save — so it reads as "" once the fake has written the file (the local backend
sees the same).
"""

from __future__ import annotations

import re
from copy import copy
from datetime import date, datetime, time
from typing import Any

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.escape import unescape
from openpyxl.worksheet.worksheet import Worksheet

_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_PLAIN_SHEET = re.compile(r"^[^\W\d][\w.]*$")
_TO_ESCAPE = re.compile(r"\r|_(?=x[0-9A-Fa-f]{4}_)")


class ExcelError(Exception):
    """A workbook request Excel would refuse: status, top-level code, inner code."""

    def __init__(self, status: int, code: str, inner: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.inner, self.message = status, code, inner, message


def not_found(message: str) -> ExcelError:
    """404 as the workbook API answers it."""
    return ExcelError(404, "ItemNotFound", "itemNotFound", message)


def bad_argument(message: str) -> ExcelError:
    """400 invalidArgument (a malformed address, a values array of the wrong shape)."""
    return ExcelError(400, "InvalidArgument", "invalidArgument", message)


# ---- reading values the way Excel reports them ----


def excel_value(value: Any) -> Any:
    """A cell value as Graph's ``values`` carry it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return unescape(value)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, datetime | date | time):
        return float(to_excel(value))
    return str(value)


def quoted_sheet(title: str) -> str:
    """A sheet name as an address prefix: quoted when Excel would quote it."""
    if _PLAIN_SHEET.match(title) and not re.match(r"^[A-Za-z]{1,3}\d+$", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def address(ws: Worksheet, min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    """``Blad!A1:N20`` (or ``Blad!A1`` for one cell)."""
    first = f"{get_column_letter(min_col)}{min_row}"
    last = f"{get_column_letter(max_col)}{max_row}"
    area = first if first == last else f"{first}:{last}"
    return f"{quoted_sheet(ws.title)}!{area}"


def range_json(
    ws: Worksheet,
    bounds: tuple[int, int, int, int],
    values_ws: Worksheet | None = None,
    *,
    values_only: bool = False,
) -> dict[str, Any]:
    """A workbookRange: address, counts, values (and formulas, number formats)."""
    min_col, min_row, max_col, max_row = bounds
    source = values_ws if values_ws is not None else ws
    calculated = values_ws is not None
    values, formulas, formats = [], [], []
    for r in range(min_row, max_row + 1):
        values.append(
            [excel_value(_read(source, r, c, calculated)) for c in range(min_col, max_col + 1)]
        )
        if not values_only:
            formulas.append([_formula(ws, r, c) for c in range(min_col, max_col + 1)])
            formats.append([ws.cell(r, c).number_format for c in range(min_col, max_col + 1)])
    text = address(ws, *bounds)
    body: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.workbookRange",
        "address": text,
        "addressLocal": text,
        "cellCount": (max_row - min_row + 1) * (max_col - min_col + 1),
        "columnCount": max_col - min_col + 1,
        "columnIndex": min_col - 1,
        "rowCount": max_row - min_row + 1,
        "rowIndex": min_row - 1,
        "values": values,
    }
    if not values_only:
        body["formulas"] = formulas
        body["numberFormat"] = formats
    return body


def _read(ws: Worksheet, row: int, col: int, calculated: bool = True) -> Any:
    # ws.cell() would create cells (and grow max_row); look first.
    cell = ws._cells.get((row, col))
    if cell is None or isinstance(cell, MergedCell):
        return None
    if not calculated and cell.data_type == "f":
        return None  # a formula with no cached result: nothing to show
    return cell.value


def _formula(ws: Worksheet, row: int, col: int) -> Any:
    value = _read(ws, row, col)
    return value if isinstance(value, str) else excel_value(value)


def used_bounds(ws: Worksheet, *, values_only: bool) -> tuple[int, int, int, int]:
    """The used range: cells with values (valuesOnly) or any cell openpyxl holds."""
    keys = [
        k
        for k, cell in ws._cells.items()
        if not values_only or (not isinstance(cell, MergedCell) and cell.value is not None)
    ]
    if not keys:
        return 1, 1, 1, 1
    rows = [r for r, _ in keys]
    cols = [c for _, c in keys]
    return min(cols), min(rows), max(cols), max(rows)


def parse_area(text: str) -> tuple[str | None, tuple[int, int, int, int]]:
    """``'Blad 1'!A1:B2`` -> (sheet or None, bounds)."""
    sheet = None
    if "!" in text:
        sheet, text = text.rsplit("!", 1)
        if sheet.startswith("'") and sheet.endswith("'"):
            sheet = sheet[1:-1].replace("''", "'")
    try:
        min_col, min_row, max_col, max_row = range_boundaries(text.replace("$", ""))
    except (ValueError, TypeError) as e:
        raise bad_argument(f"The address {text!r} is not valid.") from e
    if None in (min_col, min_row, max_col, max_row):
        raise bad_argument(f"Whole rows or columns ({text!r}) are not supported here.")
    return sheet, (min_col, min_row, max_col, max_row)


# ---- writing values the way typing into Excel does ----


def put_value(cell: Cell, value: Any) -> None:
    """Store one value from a ``values`` array (``None`` leaves the cell alone)."""
    if value is None or isinstance(cell, MergedCell):
        return
    if isinstance(value, list | dict):
        raise bad_argument("A cell value must be a string, number or boolean.")
    if not isinstance(value, str):
        _set(cell, value)
        return
    text = _ILLEGAL.sub("", value)
    if text.startswith("'"):
        _set(cell, text[1:], as_text=True, quoted=True)
    elif text == "":
        _set(cell, None)
    elif text.startswith("="):
        _set(cell, text)  # openpyxl: a formula, as Excel
    elif _NUMBER.match(text):
        number = float(text)
        _set(cell, int(number) if re.match(r"^\s*[+-]?\d+\s*$", text) else number)
    elif text.startswith(("+", "-", "@")):
        _set(cell, "=" + text.lstrip("@"))  # Excel takes these for formulas too
    elif text.upper() in ("TRUE", "FALSE"):
        _set(cell, text.upper() == "TRUE")
    elif _ISO_DATE.match(text) or _ISO_MOMENT.match(text):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            _set(cell, text, as_text=True)
            return
        _set(cell, moment)
        if cell.number_format == "General":
            timed = _ISO_MOMENT.match(text)
            cell.number_format = "yyyy-mm-dd hh:mm" if timed else "yyyy-mm-dd"
    else:
        _set(cell, text, as_text=True)


def _set(cell: Cell, value: Any, *, as_text: bool = False, quoted: bool = False) -> None:
    if as_text:
        value = _TO_ESCAPE.sub(lambda m: "_x000D_" if m.group() == "\r" else "_x005F_", value)
    cell.value = value
    if as_text:
        cell.data_type = "s"
    if cell.quotePrefix != quoted:
        cell.quotePrefix = quoted  # Excel's text prefix: set by "'", cleared otherwise


def write_area(ws: Worksheet, bounds: tuple[int, int, int, int], body: dict[str, Any]) -> None:
    """Apply a range PATCH body: ``values``, ``formulas``, ``numberFormat`` (nulls skipped)."""
    min_col, min_row, max_col, max_row = bounds
    shape = (max_row - min_row + 1, max_col - min_col + 1)
    for key in ("values", "formulas", "numberFormat"):
        grid = body.get(key)
        if grid is None:
            continue
        if (
            not isinstance(grid, list)
            or len(grid) != shape[0]
            or any(not isinstance(row, list) or len(row) != shape[1] for row in grid)
        ):
            raise bad_argument(
                f"The {key} array does not match the size of the range ({shape[0]}×{shape[1]})."
            )
        for r, row in enumerate(grid):
            for c, value in enumerate(row):
                cell = ws.cell(min_row + r, min_col + c)
                if value is None or isinstance(cell, MergedCell):
                    continue
                if key == "numberFormat":
                    cell.number_format = str(value)
                else:
                    put_value(cell, value)


# ---- formats: the few range/format properties a client may PATCH ----

_FORMAT_KEYS = {
    (): {"columnWidth", "horizontalAlignment", "verticalAlignment", "wrapText"},
    ("font",): {"bold", "size", "italic", "color"},
    ("fill",): {"color"},
}
_ALIGNMENTS = {"General", "Left", "Center", "Right", "Fill", "Justify"}


def write_format(
    ws: Worksheet, bounds: tuple[int, int, int, int], part: list[str], body: dict[str, Any]
) -> None:
    """``PATCH range(…)/format[/font|/fill]``: column width in points, alignment, bold,
    size, fill colour ("#RRGGBB"); anything else is refused as Graph refuses it."""
    allowed = _FORMAT_KEYS.get(tuple(part))
    if allowed is None or not body or set(body) - allowed:
        raise bad_argument(f"Unsupported format properties {sorted(body)} for format/{part}.")
    min_col, min_row, max_col, max_row = bounds
    if "columnWidth" in body:
        points = body["columnWidth"]
        if not isinstance(points, int | float) or not 0 <= points <= 1800:
            raise bad_argument(f"The column width {points!r} is not valid.")
        for col in range(min_col, max_col + 1):
            ws.column_dimensions[get_column_letter(col)].width = round(points / 5.8, 2)
    for r in range(min_row, max_row + 1):
        for c in range(min_col, max_col + 1):
            cell = ws.cell(r, c)
            if isinstance(cell, MergedCell):
                continue
            if part == ["fill"]:
                colour = str(body["color"])
                if not re.fullmatch(r"#[0-9A-Fa-f]{6}", colour):
                    raise bad_argument(f"The colour {colour!r} is not valid.")
                cell.fill = PatternFill("solid", start_color=colour[1:], end_color=colour[1:])
            elif part == ["font"]:
                font = copy(cell.font)
                font.b = bool(body.get("bold", font.b))
                font.sz = float(body.get("size", font.sz or 11))
                cell.font = font
            elif "horizontalAlignment" in body:
                if body["horizontalAlignment"] not in _ALIGNMENTS:
                    raise bad_argument("The horizontal alignment is not valid.")
                cell.alignment = Alignment(horizontal=body["horizontalAlignment"].lower())
            elif "wrapText" in body:
                if not isinstance(body["wrapText"], bool):
                    raise bad_argument("wrapText must be true or false.")
                vertical = str(body.get("verticalAlignment", "Bottom"))
                if vertical not in ("Top", "Center", "Bottom", "Justify", "Distributed"):
                    raise bad_argument("The vertical alignment is not valid.")
                cell.alignment = Alignment(wrap_text=body["wrapText"], vertical=vertical.lower())
