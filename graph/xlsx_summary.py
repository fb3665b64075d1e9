"""Writing the summary sheet into an .xlsx file (blocking).

The sheet ``Sammanställning {period} {år}`` is replaced whole, in its place (or added at the
end): its values, filterable tables, the risk matrix's fills, column widths and print
settings, rendered with openpyxl into a scratch workbook and grafted into the package
(``graph.xlsx_graft``), so every other part of the file is kept byte for byte. A workbook
the graft cannot handle is loaded and saved with openpyxl instead (the sheet then moves to
the end). The file is replaced atomically like an answer batch.
"""

from __future__ import annotations

import logging
import os
import stat as stat_mode
from collections.abc import Iterator
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from graph.protocol import WorkbookError
from graph.summary_sheet import (
    MARKER_CELL,
    TABLE_STYLE,
    TITLE_SIZE,
    Area,
    SummarySheet,
    hand_made,
    is_ours,
    number_format,
    replaceable,
)
from graph.templates import find_sheet, put_cell
from graph.xlsx_graft import Graft, scratch_package
from graph.xlsx_patch import CannotPatch
from graph.xlsx_reader import Stamp, translated_errors
from graph.xlsx_sheet import Sheet
from graph.xlsx_writer import check_unlocked, open_for_write, replace_atomically, save_atomically

logger = logging.getLogger(__name__)


def write_summary_file(path: Path, key: str, sheet: SummarySheet) -> tuple[Stamp, Stamp]:
    """Replace the summary sheet; return the file's stamps before and after (any process).

    The sheet is built in a scratch workbook and grafted into the package
    (``graph.xlsx_graft``); a workbook the graft cannot handle is rewritten with openpyxl."""
    before = check_unlocked(path, key)
    with translated_errors(key):
        mode = stat_mode.S_IMODE(os.stat(path).st_mode)
        try:
            graft = Graft.read(path)
            position = graft.find(sheet.name)
            if position is not None:
                old = graft.sheet(position)
                marker = next(iter(old.row_values(2)), None)
                # Whether it is empty matters only for a sheet the bot did not make.
                if not is_ours(marker) and not replaceable(marker, _empty(old)):
                    raise WorkbookError(hand_made(key, sheet.name))
            wb = Workbook()
            wb.remove(wb.active)  # type: ignore[arg-type]
            _render(wb.create_sheet(sheet.name), sheet)
            scratch = scratch_package(wb)
            if position is None:
                graft.add(scratch, sheet.name)
            else:
                graft.replace(scratch, sheet.name, position)
            save = graft.prepare()
        except CannotPatch as reason:
            logger.info("%s: rewriting the whole workbook for the summary (%s)", key, reason)
        else:
            return before, replace_atomically(path, key, before, mode, save)
    return _rewrite(path, key, sheet)


def _empty(sheet: Sheet) -> bool:
    return not any(sheet.row_values(n) for n in range(1, sheet.last_row + 1))


def _rewrite(path: Path, key: str, sheet: SummarySheet) -> tuple[Stamp, Stamp]:
    """Load with openpyxl, replace the sheet at the end, save atomically."""
    wb, before, mode = open_for_write(path, key)
    old = find_sheet(wb, sheet.name)
    if old is not None:
        empty = all(v is None for row in old.iter_rows(values_only=True) for v in row)
        if not replaceable(old[MARKER_CELL].value, empty):
            raise WorkbookError(hand_made(key, sheet.name))
        wb.remove(old)
    ws = wb.create_sheet(sheet.name)
    _render(ws, sheet)
    return before, save_atomically(wb, path, key, before, mode)


def _render(ws: Worksheet, sheet: SummarySheet) -> None:
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue
            put_cell(ws.cell(r, c), value, number_format(value))
    for area in sheet.bold:
        for cell in _cells(ws, area):
            cell.font = Font(bold=True)
    ws.cell(sheet.title.first_row + 1, sheet.title.first_col + 1).font = Font(
        bold=True, size=TITLE_SIZE
    )
    for fill in sheet.fills:
        colour = PatternFill("solid", start_color=fill.rgb, end_color=fill.rgb)
        for cell in _cells(ws, fill.area):
            cell.fill = colour
    for area in sheet.centred:
        for cell in _cells(ws, area):
            cell.alignment = Alignment(horizontal="center")
    for table in sheet.tables:
        made = Table(displayName=table.name, ref=table.area.address)
        made.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
        ws.add_table(made)
    for index, width in enumerate(sheet.widths):
        ws.column_dimensions[get_column_letter(index + 1)].width = width
    for area in sheet.wrapped:
        for cell in _cells(ws, area):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _print_setup(ws, sheet)


def _print_setup(ws: Worksheet, sheet: SummarySheet) -> None:
    """Printable as it is: its area, landscape A4, one page wide, the title on every page."""
    ws.print_area = sheet.area.address
    ws.page_setup.orientation = "landscape" if sheet.landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = sheet.fit_width
    ws.page_setup.fitToHeight = 0  # as many pages down as the lists take
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    first, last = sheet.title_rows
    ws.print_title_rows = f"{first + 1}:{last + 1}"


def _cells(ws: Worksheet, area: Area) -> Iterator[Cell]:
    for row in range(area.first_row + 1, area.last_row + 2):
        for col in range(area.first_col + 1, area.last_col + 2):
            yield ws.cell(row, col)
