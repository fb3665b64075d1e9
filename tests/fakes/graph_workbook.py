"""Worksheets, tables and files for the fake Graph: Excel's workbook API over openpyxl.

Blocking; ``graph_api`` runs it in a thread, one request at a time per file. Tables
follow Excel: ``tables/add`` on a header row alone makes a table with one empty data
row, ``rows/add`` appends below the last row and grows the table.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import uuid
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from tests.fakes.graph_cells import (
    ExcelError,
    bad_argument,
    excel_value,
    not_found,
    parse_area,
    put_value,
)

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
            409,
            "ItemAlreadyExists",
            "itemAlreadyExists",
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
    table = Table(id=next_id, displayName=f"Table{number}", ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table.autoFilter = AutoFilter(ref=ref)
    # Columns are named after the header cells; blank or repeated ones get "ColumnN".
    seen: set[str] = set()
    for c in range(min_col, max_col + 1):
        cell = ws.cell(min_row, c)
        header = "" if cell.value is None else str(excel_value(cell.value))
        if not header or header.casefold() in seen:
            header = f"{header or 'Column'}{c - min_col + 1}"
            cell.value = header
        seen.add(header.casefold())
        table.tableColumns.append(TableColumn(id=c - min_col + 1, name=header))
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


def style_table(table: Table, style: str) -> None:
    """PATCH a table's style: one of Excel's built-in table styles."""
    if not re.fullmatch(
        r"TableStyle(Light([1-9]|1\d|2[0-1])|Medium([1-9]|1\d|2[0-8])|Dark([1-9]|1[01]))", style
    ):
        raise bad_argument(f"{style!r} is not a table style.")
    table.tableStyleInfo = TableStyleInfo(name=style, showRowStripes=True)


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
        below = [
            ws._cells.get((r, c))
            for r in range(at, at + len(rows))
            for c in range(min_col, max_col + 1)
        ]
        if table.totalsRowCount or any(
            cell is not None and cell.value is not None for cell in below
        ):
            ws.insert_rows(at, len(rows))  # Excel shifts what is below the table down
    elif 0 <= index < count:
        at = first + index
        ws.insert_rows(at, len(rows))
    else:
        raise bad_argument(f"The index {index} is outside the table.")
    # New rows take the formats of the data row above them, as in Excel.
    above = at - 1 if at - 1 >= first else None
    for offset, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = ws.cell(at + offset, min_col + c)
            if above is not None:
                cell._style = copy(ws.cell(above, min_col + c)._style)
                cell.quotePrefix = False
            put_value(cell, value)
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
