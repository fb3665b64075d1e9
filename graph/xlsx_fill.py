"""An answer batch upserted into an openpyxl answers sheet, and scratch workbooks for new
sheets.

The openpyxl side of the local writer (``graph.xlsx_writer``): the full rewrite fills the
loaded workbook's sheet, and a new Uppföljning sheet is filled in a scratch workbook
(``scratch_for``) before it is grafted into the file (``graph.xlsx_graft``).
"""

from __future__ import annotations

from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.model import Answer
from graph import answer_rows, layout
from graph.protocol import WorkbookUnreadable, WriteResult
from graph.templates import SCALE_NAME, put_cell
from graph.xlsx_answers import FORMATS
from graph.xlsx_graft import Graft, m
from graph.xlsx_reader import answer_area, sheet_rows


def fill_answers(ws: Worksheet, key: str, answers: list[Answer]) -> tuple[WriteResult, bool]:
    """Upsert the batch into the answers sheet; (the result, whether columns were added)."""
    area = answer_area(ws)
    if area is None:
        raise WorkbookUnreadable(f"{key}: bladet {ws.title!r} saknar kolumnerna ID, År, Period.")
    header_row, columns, table = area
    wanted = list(layout.ANSWER_HEADERS)
    if any(a.continuation for a in answers):
        wanted.append(layout.CONTINUATION_HEADER)
    added_columns = _add_missing_columns(ws, header_row, columns, table, wanted)
    result, last_row = _upsert(ws, header_row, columns, key, answers)
    if table is not None:
        _extend_table(table, last_row)
    return result, added_columns


def scratch_for(graft: Graft) -> Workbook:
    """An empty workbook in which ``graph.templates`` builds the answers sheet as it would
    in the target: the Bedömning list from its defined name or its Inställningar sheet."""
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    names = graft.book.iterfind(f"{m('definedNames')}/{m('definedName')}")
    if any(n.get("name") == SCALE_NAME and n.get("localSheetId") is None for n in names):
        # Only the name is used: the drop-down refers to the target's own list.
        wb.defined_names[SCALE_NAME] = DefinedName(SCALE_NAME, attr_text="$A$1")
        return wb
    position = graft.find(layout.SETTINGS_SHEET)
    if position is not None:
        settings = graft.sheet(position)
        ws = wb.create_sheet(layout.SETTINGS_SHEET)
        for number in range(1, settings.last_row + 1):
            for column, value in enumerate(settings.row_values(number), start=1):
                if value is not None:
                    ws.cell(number, column, value)
    return wb


def _upsert(
    ws: Worksheet, header_row: int, columns: dict[str, int], key: str, answers: list[Answer]
) -> tuple[WriteResult, int]:
    """Apply the batch to the sheet; return the result and the last row now in use."""
    rows = sheet_rows(ws, header_row + 1)
    upsert = answer_rows.plan_upsert(rows, columns, key, answers)
    first_data = header_row + 1
    for index, answer in upsert.updates:
        _put_row(ws, first_data + index, columns, answer)
    for offset, answer in enumerate(upsert.appends):
        _put_row(ws, first_data + upsert.first_free + offset, columns, answer)
    return upsert.result, header_row + upsert.first_free + len(upsert.appends)


def _put_row(ws: Worksheet, row: int, columns: dict[str, int], answer: Answer) -> None:
    for header, value in answer_rows.answer_values(answer).items():
        if header in columns:  # an optional column the sheet does not have waits
            put_cell(ws.cell(row, columns[header] + 1), value, FORMATS.get(header))


def _add_missing_columns(
    ws: Worksheet,
    header_row: int,
    columns: dict[str, int],
    table: Table | None,
    wanted: list[str],
) -> bool:
    # A sheet made by hand may lack e.g. Svar-ID; add what is missing to the right.
    missing = [h for h in wanted if h not in columns]
    if not missing:
        return False
    if table is not None:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        end = max_col
    else:  # after the header's last cell: a column people added keeps its header
        filled = [c.column for c in ws[header_row] if c.value not in (None, "")]
        end = max([*filled, *(i + 1 for i in columns.values())], default=0)
    for header in missing:
        end += 1
        ws.cell(header_row, end, header)
        columns[header] = end - 1
        if table is not None:
            next_id = max((c.id for c in table.tableColumns), default=0) + 1
            table.tableColumns.append(TableColumn(id=next_id, name=header))
    if table is not None:
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(end)}{max_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
    return True


def _extend_table(table: Table, last_row: int) -> None:
    min_col, min_row, max_col, max_row = range_boundaries(table.ref)
    if last_row > max_row:
        table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{last_row}"
        if table.autoFilter is not None:
            table.autoFilter.ref = table.ref
