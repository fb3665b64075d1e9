"""What the fake Graph does to one .xlsx file: Excel's workbook API over openpyxl (blocking).

Values follow Excel, not Python: dates come back as serial numbers, empty cells as "",
a merged area's value sits in its top-left cell only. Writing follows what typing into
Excel does (which is what Graph's ``values`` do): "'text" is text without the apostrophe,
"=…" (and "+…", "-…", "@…" that are not numbers) become formulas, "12" becomes the number
12, "TRUE" a boolean and an ISO date a date. A client that wants text must send "'".

Formulas are not calculated: a formula cell reads as its cached value, which openpyxl
drops on save — so it reads as "" once the fake has written the file (the local backend
sees the same).
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

_NUMBER = re.compile(r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?$")
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_PLAIN_SHEET = re.compile(r"^[^\W\d][\w.]*$")


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
    if isinstance(value, bool | int | str):
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
        _set(cell, text[1:], as_text=True)
        cell.quotePrefix = True
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


def _set(cell: Cell, value: Any, *, as_text: bool = False) -> None:
    cell.value = value
    if as_text:
        cell.data_type = "s"
    elif cell.quotePrefix:
        cell.quotePrefix = False


def write_area(
    ws: Worksheet, bounds: tuple[int, int, int, int], body: dict[str, Any]
) -> None:
    """Apply a range PATCH body: ``values``, ``formulas``, ``numberFormat`` (nulls skipped)."""
    min_col, min_row, max_col, max_row = bounds
    shape = (max_row - min_row + 1, max_col - min_col + 1)
    for key in ("values", "formulas", "numberFormat"):
        grid = body.get(key)
        if grid is None:
            continue
        if not isinstance(grid, list) or len(grid) != shape[0] or any(
            not isinstance(row, list) or len(row) != shape[1] for row in grid
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


# ---- worksheets and tables ----


def sheet_id(title: str) -> str:
    """A stable worksheet id in Graph's shape (a braced GUID)."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "sheet:" + title)).upper() + "}"


def sheet_json(wb: Workbook, ws: Worksheet) -> dict[str, Any]:
    """A workbookWorksheet."""
    return {
        "@odata.type": "#microsoft.graph.workbookWorksheet",
        "id": sheet_id(ws.title),
        "name": ws.title,
        "position": wb.worksheets.index(ws),
        "visibility": "Visible" if ws.sheet_state == "visible" else ws.sheet_state.title(),
    }


def find_sheet(wb: Workbook, ref: str) -> Worksheet:
    """A worksheet by name (any case) or id; 404 when there is none."""
    for ws in wb.worksheets:
        if ws.title.casefold() == ref.casefold() or sheet_id(ws.title) == ref.upper():
            return ws
    raise not_found(f"The worksheet {ref!r} does not exist.")


def add_sheet(wb: Workbook, name: str) -> Worksheet:
    """``worksheets/add``: 409 itemAlreadyExists when the name is taken."""
    if any(ws.title.casefold() == name.casefold() for ws in wb.worksheets):
        raise ExcelError(
            409, "ItemAlreadyExists", "itemAlreadyExists",
            f"A worksheet named {name!r} already exists.",
        )
    if not name or len(name) > 31 or re.search(r"[\[\]:*?/\\]", name):
        raise bad_argument(f"{name!r} is not a valid worksheet name.")
    return wb.create_sheet(name)


def all_tables(wb: Workbook) -> list[tuple[Worksheet, Table]]:
    """Every table in the workbook with its sheet, in sheet order."""
    return [(ws, t) for ws in wb.worksheets for t in ws.tables.values()]


def find_table(wb: Workbook, ref: str) -> tuple[Worksheet, Table]:
    """A table by name (any case) or id; 404 when there is none."""
    for ws, table in all_tables(wb):
        if table.name.casefold() == ref.casefold() or str(table.id) == ref:
            return ws, table
    raise not_found(f"The table {ref!r} does not exist.")


def table_json(ws: Worksheet, table: Table) -> dict[str, Any]:
    """A workbookTable."""
    return {
        "@odata.type": "#microsoft.graph.workbookTable",
        "id": str(table.id),
        "name": table.name,
        "showHeaders": bool(table.headerRowCount),
        "showTotals": bool(table.totalsRowCount),
        "style": table.tableStyleInfo.name if table.tableStyleInfo else None,
        "worksheet": {"id": sheet_id(ws.title), "name": ws.title},
    }


def table_parts(table: Table) -> tuple[int, int, int, int, int]:
    """(min_col, max_col, header row or 0, first data row, last data row)."""
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    header = min_row if table.headerRowCount else 0
    first = min_row + (1 if header else 0)
    last = max_row - (table.totalsRowCount or 0)
    return min_col, max_col, header, first, last


def add_table(wb: Workbook, ws: Worksheet, area: str, has_headers: bool) -> Table:
    """``tables/add``: a header row alone gets one empty data row, as in Excel."""
    sheet, (min_col, min_row, max_col, max_row) = parse_area(area)
    if sheet is not None:
        ws = find_sheet(wb, sheet)
    if not has_headers:
        ws.insert_rows(min_row)
        for c in range(min_col, max_col + 1):
            ws.cell(min_row, c, f"Column{c - min_col + 1}")
        max_row += 1
    if max_row == min_row:
        max_row += 1
    for ws2, other in all_tables(wb):
        o_min_col, o_min_row, o_max_col, o_max_row = range_boundaries(other.ref)
        if ws2 is ws and not (
            max_col < o_min_col or min_col > o_max_col or max_row < o_min_row or min_row > o_max_row
        ):
            raise bad_argument("A table can't overlap another table.")
    next_id = max((t.id for _, t in all_tables(wb)), default=0) + 1
    names = {t.name.casefold() for _, t in all_tables(wb)}
    number = next_id
    while f"table{number}" in names:
        number += 1
    ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    seen: set[str] = set()
    for c in range(min_col, max_col + 1):
        cell = ws.cell(min_row, c)
        header = "" if cell.value is None else str(excel_value(cell.value))
        if not header or header.casefold() in seen:
            header = f"{header or 'Column'}{c - min_col + 1}"
            cell.value = header
        seen.add(header.casefold())
    table = Table(id=next_id, displayName=f"Table{number}", ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table._initialise_columns()
    ws.add_table(table)
    return table


def rename_table(wb: Workbook, table: Table, name: str) -> None:
    """PATCH a table's name: Excel's rules (letters, digits, _; unique)."""
    if not re.match(r"^[^\W\d][\w.]*$", name) or re.match(r"^[A-Za-z]{1,3}\d+$", name):
        raise bad_argument(f"{name!r} is not a valid table name.")
    if any(t is not table and t.name.casefold() == name.casefold() for _, t in all_tables(wb)):
        raise ExcelError(409, "ItemAlreadyExists", "itemAlreadyExists", "The name is taken.")
    for ws in wb.worksheets:
        if table.name in ws.tables:
            del ws.tables[table.name]
            table.displayName = name
            table.name = name
            ws.tables[name] = table
            return


def add_rows(
    ws: Worksheet, table: Table, rows: list[Any], index: int | None
) -> tuple[int, tuple[int, int, int, int]]:
    """``rows/add``: write rows at the end (or at ``index``) and grow the table."""
    min_col, max_col, header, first, last = table_parts(table)
    width = max_col - min_col + 1
    if not rows or any(not isinstance(r, list) or len(r) != width for r in rows):
        raise bad_argument(f"Each row must have {width} values.")
    count = last - first + 1
    if index is None or index == count:
        at = last + 1
    elif 0 <= index < count:
        at = first + index
        ws.insert_rows(at, len(rows))  # Excel shifts the rows below down
    else:
        raise bad_argument(f"The index {index} is outside the table.")
    for offset, row in enumerate(rows):
        for c, value in enumerate(row):
            put_value(ws.cell(at + offset, min_col + c), value)
    min_col_, min_row, max_col_, max_row = range_boundaries(table.ref)
    table.ref = (
        f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row + len(rows)}"
    )
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    return at - first, (min_col, at, max_col, at + len(rows) - 1)


# ---- files ----


@dataclass
class Loaded:
    """A workbook file in memory: for writing (formulas) and for reading (cached values)."""

    formulas: Workbook
    values: Workbook


def load(path: Path) -> Loaded:
    """Open a file both ways (openpyxl can't give formulas and cached values at once)."""
    return Loaded(load_workbook(path), load_workbook(path, data_only=True))


def save(wb: Workbook, path: Path) -> None:
    """Replace the file atomically (temp file beside it, then ``os.replace``)."""
    fd, temp = tempfile.mkstemp(prefix=".~fakegraph-", suffix=".xlsx", dir=path.parent)
    os.close(fd)
    try:
        wb.save(temp)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def touch(path: Path, sheet: str = "Anteckningar") -> None:
    """Someone edits another sheet: a note in ``sheet``, the file saved again."""
    wb = load_workbook(path)
    ws = wb[sheet] if sheet in wb.sheetnames else wb.create_sheet(sheet)
    ws.cell(1, 1, f"Ändrad {datetime.now().isoformat(timespec='microseconds')}")
    save(wb, path)
