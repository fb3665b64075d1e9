"""Reading .xlsx files: the plan, the answers and the file's stamp.

A workbook file is read by streaming only the sheets the plan and the answers are on
(``graph.xlsx_stream``); openpyxl reads what that reader leaves to it, and serves
``check-workbook``. Both hand the same rows to the same parsing code (``plan_from_sheets``).
Everything here blocks; ``graph.excel_local`` runs it in a worker thread. This is also the
file-system boundary ``graph.xlsx_writer`` shares: whatever the file system or openpyxl
raises leaves as our own ``WorkbookError``.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import stat as stat_mode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain.model import Answer, Plan
from graph import answer_rows, layout, lazy_openpyxl, plan_reader, read_ahead, settings_reader
from graph.answer_check import check_answers
from graph.cells import from_xlsx_text
from graph.protocol import WorkbookError, WorkbookLocked, WorkbookNotFound, WorkbookUnreadable
from graph.xlsx_scan import cell_range
from graph.xlsx_stream import StreamBook, answer_header, rows_below

if TYPE_CHECKING:  # openpyxl is imported where a workbook is loaded with it: it takes a while
    from openpyxl import Workbook as XlWorkbook
    from openpyxl.worksheet.table import Table
    from openpyxl.worksheet.worksheet import Worksheet

logger = logging.getLogger(__name__)

Stamp = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one read of a workbook file found."""

    stamp: Stamp
    plan: Plan
    answers: tuple[Answer, ...]


@contextlib.contextmanager
def translated_errors(name: str) -> Iterator[None]:
    """The boundary: whatever the file system or openpyxl raises becomes our own error."""
    try:
        yield
    except WorkbookError:
        raise
    except FileNotFoundError as e:
        raise WorkbookNotFound(f"Arbetsboken {name} finns inte.") from e
    except PermissionError as e:
        raise WorkbookLocked(
            f"Arbetsboken {name} är låst just nu (öppen i Excel?). Svaren skrivs in senare."
        ) from e
    except Exception as e:
        raise WorkbookUnreadable(f"{name} går inte att läsa som en Excel-arbetsbok (.xlsx).") from e


def file_stamp(path: Path, name: str) -> Stamp:
    """The file's (mtime_ns, size): what the cache compares to see a change."""
    with translated_errors(name):
        info = os.stat(path)
    if not stat_mode.S_ISREG(info.st_mode):
        raise WorkbookNotFound(f"Arbetsboken {name} finns inte.")
    return info.st_mtime_ns, info.st_size


def load_xlsx(path: Path, name: str, *, data_only: bool) -> XlWorkbook:
    """Open a workbook with openpyxl, its errors translated."""
    lazy_openpyxl.load()
    from openpyxl import load_workbook

    with translated_errors(name):
        return load_workbook(path, data_only=data_only)


def find_sheet(wb: XlWorkbook, title: str) -> Worksheet | None:
    """The worksheet with this title, ignoring case and surrounding whitespace."""
    return next((ws for ws in wb.worksheets if layout.same_sheet(ws.title, title)), None)


def sheet_rows(ws: Worksheet, min_row: int = 1) -> Iterator[list[Any]]:
    """A sheet's values row by row, text as Excel shows it (``_x000D_`` is a CR)."""
    for row in ws.iter_rows(min_row=min_row, values_only=True):
        yield [from_xlsx_text(v) for v in row]


def _sheet_rows(ws: Worksheet) -> list[list[Any]]:
    return list(sheet_rows(ws))


# A sheet as the plan reader sees it: its title, and (when asked) its rows and merged ranges
# as (min_col, min_row, max_col, max_row), 1-based.
SheetRows = tuple[str, Callable[[], tuple[list[list[Any]], list[tuple[int, int, int, int]]]]]


def _plan_from(wb: XlWorkbook, key: str) -> Plan:
    settings_ws = find_sheet(wb, layout.SETTINGS_SHEET)
    settings_rows = _sheet_rows(settings_ws) if settings_ws else []
    ours = find_sheet(wb, layout.PLAN_SHEET)
    others = [ws for ws in wb.worksheets if ws is not ours and layout.may_hold_plan(ws.title)]

    def sheet(ws: Worksheet) -> SheetRows:
        def read() -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
            merged = [(m.min_col, m.min_row, m.max_col, m.max_row) for m in ws.merged_cells.ranges]
            return _sheet_rows(ws), merged

        return ws.title, read

    candidates = [ours, *others] if ours is not None else others
    return plan_from_sheets(key, settings_rows, [sheet(ws) for ws in candidates])


def plan_from_sheets(key: str, settings_rows: list[list[Any]], candidates: list[SheetRows]) -> Plan:
    """The plan from the first candidate sheet with a plan header (both readers)."""
    settings = settings_reader.parse_settings(settings_rows)
    for title, read in candidates:
        rows, merged_ranges = read()
        header = plan_reader.find_header(rows)
        if header is None:
            continue
        # Merged cells below the header (e.g. one Område over several rows, a section row
        # over the whole width) count for every cell they cover; openpyxl only gives the
        # top-left cell a value.
        for min_col, min_row, max_col, max_row in merged_ranges:
            if min_row - 1 >= header.data_start:
                value = rows[min_row - 1][min_col - 1]
                for r in range(min_row - 1, max_row):
                    for c in range(min_col - 1, max_col):
                        rows[r][c] = value
        return plan_reader.parse_plan(
            rows, plan_key=key, name=Path(key).stem, sheet=title, settings=settings
        )
    raise WorkbookUnreadable(f"{key}: inget blad har en rubrikrad med ID och Kontrollmoment.")


def answer_area(ws: Worksheet) -> tuple[int, layout.AnswerColumns, Table | None] | None:
    """The header row (1-based), the answer columns and the table, if the sheet has them."""
    tables = list(ws.tables.values())
    table = ws.tables.get(layout.ANSWER_TABLE) or (tables[0] if tables else None)
    if table is not None:
        min_col, min_row, max_col, _ = cell_range(table.ref)
        # Indexes count from column A, like the rows iter_rows gives us.
        header: list[object] = [None] * (min_col - 1)
        header += [from_xlsx_text(ws.cell(min_row, c).value) for c in range(min_col, max_col + 1)]
        return min_row, layout.answer_columns(header), table
    for number, row in enumerate(itertools.islice(sheet_rows(ws), 50), start=1):
        columns = layout.answer_columns(row)
        if layout.is_answer_header(columns):
            return number, columns, None
    return None


def answers_from(wb: XlWorkbook, key: str) -> tuple[Answer, ...]:
    """The answers in the Uppföljning sheet; none when there is no such sheet or area."""
    ws = find_sheet(wb, layout.ANSWER_SHEET)
    area = answer_area(ws) if ws is not None else None
    if ws is None or area is None:
        return ()
    header_row, columns, _ = area
    rows = sheet_rows(ws, header_row + 1)
    found = (answer_rows.row_to_answer(row, key, columns) for row in rows)
    return tuple(a for a in found if a is not None)


def _read_plan(wb: XlWorkbook, key: str) -> Plan:
    try:
        return _plan_from(wb, key)
    except plan_reader.PlanLayoutError as e:
        raise WorkbookUnreadable(f"{key}: {e}") from e


def _read_plan_from(key: str, settings_rows: list[list[Any]], sheets: list[SheetRows]) -> Plan:
    try:
        return plan_from_sheets(key, settings_rows, sheets)
    except plan_reader.PlanLayoutError as e:
        raise WorkbookUnreadable(f"{key}: {e}") from e


def read_loaded(wb: XlWorkbook, key: str) -> tuple[Plan, tuple[Answer, ...]]:
    """The plan and the answers of a workbook openpyxl has loaded whole."""
    return _read_plan(wb, key), answers_from(wb, key)


def read_streamed(path: Path, key: str) -> tuple[Plan, tuple[Answer, ...]]:
    """The plan and the answers read by streaming only the sheets they are on (a tenth of
    openpyxl's time on a large plan); ``Unsupported`` when openpyxl must read the file.
    What a child process read while the bot started (``graph.read_ahead``) is taken."""
    book = StreamBook(path)
    plan = read_ahead.take(path, key, "plan")
    if plan is None:
        plan = streamed_plan(book, key)
    answers = read_ahead.take(path, key, "answers")
    if answers is None:
        answers = streamed_answers(book, key)
    return plan, answers


def streamed_plan(book: StreamBook, key: str) -> Plan:
    """The plan, from the sheets that may hold it (ours first) and Inställningar."""
    settings = book.find(layout.SETTINGS_SHEET)
    ours = book.find(layout.PLAN_SHEET)
    titles = [t for t in book.titles if layout.may_hold_plan(t)]
    if ours is not None:
        titles = [ours.title, *(t for t in titles if t != ours.title)]

    def sheet(title: str) -> SheetRows:
        def read() -> tuple[list[list[Any]], list[tuple[int, int, int, int]]]:
            data = book.sheet(title)
            return data.rows, data.merged

        return title, read

    return _read_plan_from(key, settings.rows if settings else [], [sheet(t) for t in titles])


def streamed_answers(book: StreamBook, key: str) -> tuple[Answer, ...]:
    """The answers in the Uppföljning sheet; none when there is no such sheet or area."""
    answers_sheet = book.find(layout.ANSWER_SHEET)
    area = answer_header(answers_sheet) if answers_sheet is not None else None
    if answers_sheet is None or area is None:
        return ()
    header_row, columns = area
    rows = rows_below(answers_sheet, header_row)
    found = (answer_rows.row_to_answer(row, key, columns) for row in rows)
    return tuple(a for a in found if a is not None)


def read_workbook_file(path: Path, key: str) -> Snapshot:
    """Read a workbook file's plan and answers (blocking; callers run it in a thread):
    streamed, or with openpyxl when the file holds what the streaming reader leaves to it."""
    stamp = file_stamp(path, key)
    try:
        return Snapshot(stamp, *read_streamed(path, key))
    except WorkbookError:
        raise  # what the file says (no plan header), not how it was read
    except (FileNotFoundError, PermissionError):
        with translated_errors(key):
            raise
    except Exception as error:  # Unsupported, or a file the streaming reader cannot take
        logger.debug("%s read with openpyxl: %s: %s", key, type(error).__name__, error)
    wb = load_xlsx(path, key, data_only=True)
    return Snapshot(stamp, *read_loaded(wb, key))


@dataclass(frozen=True, slots=True)
class AnswerRows:
    """What `ikbot check-workbook` says about the answers sheet."""

    sheet: str
    header_row: int
    columns: layout.AnswerColumns
    read: int  # rows that read as answers
    problems: list[tuple[int, str]]  # (Excel row, problem)


def read_workbook_report(path: Path, key: str) -> tuple[Plan, AnswerRows | None]:
    """The plan, and the answers sheet checked row by row against it (for check-workbook)."""
    wb = load_xlsx(path, key, data_only=True)
    plan = _read_plan(wb, key)
    ws = find_sheet(wb, layout.ANSWER_SHEET)
    area = answer_area(ws) if ws is not None else None
    if ws is None or area is None:
        return plan, None
    header_row, columns, _ = area
    rows = [list(r) for r in ws.iter_rows(min_row=header_row + 1, values_only=True)]
    read = sum(1 for r in rows if answer_rows.row_to_answer(r, key, columns) is not None)
    problems = check_answers(rows, columns, header_row + 1, plan)
    return plan, AnswerRows(ws.title, header_row, columns, read, problems)
