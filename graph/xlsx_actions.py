"""Writing åtgärder into the Åtgärder sheet of an .xlsx file with openpyxl (blocking).

One load and one atomic save per batch, like an answer batch (``graph.xlsx_writer``); the
sheet and its table are made on first use, and a batch that changes nothing leaves the
file alone.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.followup import TrackedAction
from graph.action_rows import (
    ACTION_HEADERS,
    ACTION_SHEET,
    ACTION_TABLE,
    ACTION_WIDTHS,
    FORMATS,
    action_columns,
    action_values,
    plan_action_upsert,
)
from graph.protocol import WorkbookUnreadable, WriteResult
from graph.templates import find_sheet, put_cell
from graph.xlsx_reader import Stamp, sheet_rows
from graph.xlsx_writer import open_for_write, save_atomically


def write_actions_file(
    path: Path, key: str, actions: list[TrackedAction]
) -> tuple[WriteResult, Stamp, Stamp]:
    """Load once, upsert the Åtgärder rows, save atomically; (result, stamp before, after)."""
    wb, before, mode = open_for_write(path, key)
    ws = find_sheet(wb, ACTION_SHEET)
    made = ws is None
    if ws is None:
        ws = _add_sheet(wb)
    header = [c.value for c in ws[1]]
    columns = action_columns(header)
    missing = [h for h in ACTION_HEADERS if h not in columns]
    if missing:
        raise WorkbookUnreadable(
            f"{key}: bladet {ACTION_SHEET} saknar kolumnerna {', '.join(missing)}."
        )
    upsert = plan_action_upsert(sheet_rows(ws, 2), columns, actions)
    if not made and not upsert.updates and not upsert.appends:
        return upsert.result, before, before
    for index, row in upsert.updates:
        _put_row(ws, 2 + index, columns, row)
    for offset, row in enumerate(upsert.appends):
        _put_row(ws, 2 + upsert.first_free + offset, columns, row)
    _extend_table(ws, 1 + upsert.first_free + len(upsert.appends))
    return upsert.result, before, save_atomically(wb, path, key, before, mode)


def _add_sheet(wb: Workbook) -> Worksheet:
    ws = wb.create_sheet(ACTION_SHEET)
    for column, header in enumerate(ACTION_HEADERS, start=1):
        put_cell(ws.cell(1, column), header)
        ws.column_dimensions[get_column_letter(column)].width = ACTION_WIDTHS[column - 1]
    ref = f"A1:{get_column_letter(len(ACTION_HEADERS))}2"
    style = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(Table(displayName=ACTION_TABLE, ref=ref, tableStyleInfo=style))
    ws.freeze_panes = "B2"
    return ws


def _put_row(ws: Worksheet, row: int, columns: dict[str, int], action: TrackedAction) -> None:
    for header, value in action_values(action).items():
        put_cell(ws.cell(row, columns[header] + 1), value, FORMATS.get(header))


def _extend_table(ws: Worksheet, last_row: int) -> None:
    table = ws.tables.get(ACTION_TABLE)
    if table is None:
        return
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    if last_row > max_row:
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
