"""Writing åtgärder into the Åtgärder sheet of an .xlsx file (blocking).

Like an answer batch (``graph.xlsx_writer``): once the sheet exists, only the Åtgärder
sheet and its table are patched inside the package (``graph.xlsx_patch``) and every other
part is copied as it was; the first batch into a workbook without the sheet builds it with
openpyxl in a scratch workbook and grafts it into the package (``graph.xlsx_graft``).
What neither can handle is loaded and saved with openpyxl (one load and one atomic save).
A batch that changes nothing leaves the file alone.
"""

from __future__ import annotations

import logging
import os
import stat as stat_mode
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.followup import TrackedAction
from graph.action_rows import (
    ACTION_HEADERS,
    ACTION_SHEET,
    ACTION_TABLE,
    FORMATS,
    action_columns,
    action_values,
    plan_action_upsert,
)
from graph.protocol import WorkbookUnreadable, WriteResult
from graph.templates import add_actions_sheet, find_sheet, put_cell
from graph.xlsx_graft import Graft, scratch_package
from graph.xlsx_patch import CannotPatch, TablePatch
from graph.xlsx_reader import Stamp, sheet_rows, translated_errors
from graph.xlsx_writer import check_unlocked, open_for_write, replace_atomically, save_atomically

logger = logging.getLogger(__name__)


def write_actions_file(
    path: Path, key: str, actions: list[TrackedAction]
) -> tuple[WriteResult, Stamp, Stamp]:
    """Upsert the Åtgärder rows and replace the file atomically; (result, stamp before,
    after). Patched when the sheet exists, else grafted in (or made with openpyxl)."""
    before = check_unlocked(path, key)
    with translated_errors(key):
        mode = stat_mode.S_IMODE(os.stat(path).st_mode)
        try:
            patch = TablePatch.open(
                path, sheet=ACTION_SHEET, table=ACTION_TABLE, find_header=_header_index
            )
        except CannotPatch:
            patch = None
        if patch is not None:
            columns = action_columns(patch.header)
            if all(h in columns for h in ACTION_HEADERS):
                return _patch(patch, columns, actions, path, key, before, mode)
        else:
            try:
                return _graft(path, key, actions, before, mode)
            except CannotPatch as reason:
                logger.info("%s: rewriting the whole workbook for åtgärder (%s)", key, reason)
    return _rewrite(path, key, actions)


def _header_index(rows: list[list[object]]) -> int | None:
    """Which of a table-less Åtgärder sheet's first rows is its header."""
    return next(
        (i for i, row in enumerate(rows) if "ID" in action_columns(row)),
        None,
    )


def _patch(
    patch: TablePatch,
    columns: dict[str, int],
    actions: Sequence[TrackedAction],
    path: Path,
    key: str,
    before: Stamp,
    mode: int,
) -> tuple[WriteResult, Stamp, Stamp]:
    rows = [patch.row(index) for index in range(patch.row_count)]
    upsert = plan_action_upsert(rows, columns, actions)
    if not upsert.updates and not upsert.appends:
        return upsert.result, before, before
    formats = {columns[h]: f for h, f in FORMATS.items()}
    placed = [*upsert.updates, *enumerate(upsert.appends, start=upsert.first_free)]
    for index, row in placed:
        values = {columns[h]: v for h, v in action_values(row).items()}
        patch.put_row(index, values, formats)
    return upsert.result, before, replace_atomically(path, key, before, mode, patch.prepare())


def _graft(
    path: Path, key: str, actions: list[TrackedAction], before: Stamp, mode: int
) -> tuple[WriteResult, Stamp, Stamp]:
    """The first åtgärder into a workbook without the sheet: built in a scratch workbook
    and grafted into the file (``graph.xlsx_graft``), every other part kept."""
    graft = Graft.read(path)
    if graft.find(ACTION_SHEET) is not None:
        raise CannotPatch("the Åtgärder sheet is there")
    wb = Workbook()
    wb.remove(wb.active)  # type: ignore[arg-type]
    ws = add_actions_sheet(wb)
    result, _ = _fill(ws, key, actions, made=True)
    graft.add(scratch_package(wb), ws.title)
    return result, before, replace_atomically(path, key, before, mode, graft.prepare())


def _rewrite(
    path: Path, key: str, actions: list[TrackedAction]
) -> tuple[WriteResult, Stamp, Stamp]:
    """Load once with openpyxl, make the sheet if needed, upsert, save atomically."""
    wb, before, mode = open_for_write(path, key)
    ws = find_sheet(wb, ACTION_SHEET)
    made = ws is None
    if ws is None:
        ws = add_actions_sheet(wb)
    result, changed = _fill(ws, key, actions, made=made)
    if not changed:
        return result, before, before
    return result, before, save_atomically(wb, path, key, before, mode)


def _fill(
    ws: Worksheet, key: str, actions: list[TrackedAction], *, made: bool
) -> tuple[WriteResult, bool]:
    """Upsert the rows into the sheet; (the result, whether the file must be saved)."""
    header = [c.value for c in ws[1]]
    columns = action_columns(header)
    missing = [h for h in ACTION_HEADERS if h not in columns]
    if missing:
        raise WorkbookUnreadable(
            f"{key}: bladet {ACTION_SHEET} saknar kolumnerna {', '.join(missing)}."
        )
    upsert = plan_action_upsert(sheet_rows(ws, 2), columns, actions)
    if not made and not upsert.updates and not upsert.appends:
        return upsert.result, False
    for index, row in upsert.updates:
        _put_row(ws, 2 + index, columns, row)
    for offset, row in enumerate(upsert.appends):
        _put_row(ws, 2 + upsert.first_free + offset, columns, row)
    _extend_table(ws, 1 + upsert.first_free + len(upsert.appends))
    return upsert.result, True


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
