"""The openpyxl backend: plan workbooks as local or shared-folder .xlsx files.

All openpyxl work runs in a worker thread so the event loop never blocks. What was read is
cached per file by (mtime_ns, size): a turn that finds the file unchanged costs one
``os.stat``, and a write by the bot refreshes the cache from what it just saved.

``write_answers`` loads and saves the workbook once per batch, upserts rows in the
Uppföljning table by (ID, År, Period) and replaces the file atomically (temp file in the
same folder, then ``os.replace``). A file held by Excel (lock file ``~$name``), changed by
someone else while we wrote, or not writable raises ``WorkbookLocked``; the journal keeps
the answers and the writer retries.

What openpyxl keeps and drops when it rewrites a file: cell values, styles, number
formats, column widths, merged cells, frozen panes, tables, data validations, conditional
formatting, defined names and comments survive. Images, charts, shapes, form controls,
slicers and Excel 2010+ extensions (e.g. validation lists written with the x14 extension)
are dropped, and formulas lose their cached results: Excel recalculates them on open (we
ask it to), but until someone saves the file in Excel a reader sees them as empty. Keep
plan workbooks free of images and charts; put those in a separate file.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import stat as stat_mode
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook as XlWorkbook
from openpyxl import load_workbook
from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.worksheet.table import Table, TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from bot.model import Answer, Plan
from graph import layout
from graph.protocol import (
    WorkbookError,
    WorkbookLocked,
    WorkbookNotFound,
    WorkbookUnreadable,
    WriteResult,
)
from graph.templates import add_answers_sheet, find_sheet, put_cell

LOCK_PREFIX = "~$"
Stamp = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one read of a workbook file found."""

    stamp: Stamp
    plan: Plan
    answers: tuple[Answer, ...]


def list_workbook_names(folder: Path) -> list[str]:
    """The .xlsx files directly in a folder, without Office lock files and hidden files."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.suffix.lower() == ".xlsx" and p.is_file() and not p.name.startswith((".", "~$"))
    )


@contextlib.contextmanager
def _translated(name: str) -> Iterator[None]:
    # The boundary: whatever the file system or openpyxl raises becomes our own error.
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


def _stamp(path: Path, name: str) -> Stamp:
    with _translated(name):
        info = os.stat(path)
    if not stat_mode.S_ISREG(info.st_mode):
        raise WorkbookNotFound(f"Arbetsboken {name} finns inte.")
    return info.st_mtime_ns, info.st_size


def _load(path: Path, name: str, *, data_only: bool) -> XlWorkbook:
    with _translated(name):
        return load_workbook(path, data_only=data_only)


def _sheet_rows(ws: Worksheet) -> list[list[Any]]:
    return [list(row) for row in ws.iter_rows(values_only=True)]


def _plan_from(wb: XlWorkbook, key: str) -> Plan:
    scale_ws = find_sheet(wb, layout.SETTINGS_SHEET)
    scale, scale_issues = layout.parse_scale(_sheet_rows(scale_ws) if scale_ws else [])
    ours = find_sheet(wb, layout.PLAN_SHEET)
    skip = {layout.ANSWER_SHEET.casefold(), layout.SETTINGS_SHEET.casefold()}
    others = [ws for ws in wb.worksheets if ws is not ours and ws.title.casefold() not in skip]
    for ws in [ours, *others] if ours is not None else others:
        rows = _sheet_rows(ws)
        header = layout.find_header_row(rows)
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
        return layout.parse_plan(
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


def _answer_area(ws: Worksheet) -> tuple[int, dict[str, int], Table | None] | None:
    """The header row (1-based), the answer columns and the table, if the sheet has them."""
    tables = list(ws.tables.values())
    table = ws.tables.get(layout.ANSWER_TABLE) or (tables[0] if tables else None)
    if table is not None:
        min_col, min_row, max_col, _ = range_boundaries(table.ref)
        # Indexes count from column A, like the rows iter_rows gives us.
        header = [None] * (min_col - 1)
        header += [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
        return min_row, layout.answer_columns(header), table
    for number, row in enumerate(ws.iter_rows(max_row=50, values_only=True), start=1):
        columns = layout.answer_columns(row)
        if {"ID", "År", "Period"} <= columns.keys():
            return number, columns, None
    return None


def _answers_from(wb: XlWorkbook, key: str) -> tuple[Answer, ...]:
    ws = find_sheet(wb, layout.ANSWER_SHEET)
    area = _answer_area(ws) if ws is not None else None
    if ws is None or area is None:
        return ()
    header_row, columns, _ = area
    rows = ws.iter_rows(min_row=header_row + 1, values_only=True)
    found = (layout.row_to_answer(row, key, columns) for row in rows)
    return tuple(a for a in found if a is not None)


def read_workbook_file(path: Path, key: str) -> Snapshot:
    """Read a workbook file's plan and answers (blocking; callers run it in a thread)."""
    stamp = _stamp(path, key)
    wb = _load(path, key, data_only=True)
    try:
        plan = _plan_from(wb, key)
    except layout.PlanLayoutError as e:
        raise WorkbookUnreadable(f"{key}: {e}") from e
    return Snapshot(stamp, plan, _answers_from(wb, key))


class LocalWorkbook:
    """One .xlsx file; implements ``graph.protocol.Workbook``."""

    def __init__(self, path: Path | None, key: str) -> None:
        self._path = path  # None: a key that names no file we would ever open
        self._key = key
        self._snapshot: Snapshot | None = None
        self._reload = asyncio.Lock()
        self._write = asyncio.Lock()

    @property
    def key(self) -> str:
        """The file name relative to the source (never an absolute path)."""
        return self._key

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return self._key

    def _file(self) -> Path:
        if self._path is None:
            raise WorkbookNotFound(f"Arbetsboken {self._key} finns inte.")
        return self._path

    async def _current(self) -> Snapshot:
        path = self._file()
        stamp = await asyncio.to_thread(_stamp, path, self._key)
        if self._snapshot is not None and self._snapshot.stamp == stamp:
            return self._snapshot
        async with self._reload:
            # Another task may have reloaded while we waited.
            if self._snapshot is not None and self._snapshot.stamp == stamp:
                return self._snapshot
            self._snapshot = await asyncio.to_thread(read_workbook_file, path, self._key)
            return self._snapshot

    async def read_plan(self) -> Plan:
        """The plan, with the rows that could not be understood listed in ``Plan.issues``."""
        return (await self._current()).plan

    async def read_answers(self) -> list[Answer]:
        """The rows of the Uppföljning table, as answers."""
        return list((await self._current()).answers)

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        """Upsert answers by (ID, År, Period) with one load and one save; all or nothing."""
        if not answers:
            return WriteResult()
        path = self._file()
        async with self._write:
            result, snapshot = await asyncio.to_thread(
                _write_file, path, self._key, list(answers), self._snapshot
            )
        self._snapshot = snapshot
        return result


def _check_unlocked(path: Path, name: str, expected: Stamp | None = None) -> Stamp:
    # Excel's owner file is "~$name"; LibreOffice's is ".~lock.name#".
    locks = (f"{LOCK_PREFIX}{path.name}", f".~lock.{path.name}#")
    if any((path.parent / lock).exists() for lock in locks):
        raise WorkbookLocked(
            f"Arbetsboken {name} är öppen i Excel. Svaren skrivs in när den stängs."
        )
    stamp = _stamp(path, name)
    if expected is not None and stamp != expected:
        raise WorkbookLocked(
            f"Arbetsboken {name} ändrades av någon annan medan boten skrev. Försöker igen."
        )
    return stamp


def _write_file(
    path: Path, key: str, answers: list[Answer], cached: Snapshot | None
) -> tuple[WriteResult, Snapshot | None]:
    """Load once, upsert, save atomically; return the result and the refreshed snapshot."""
    before = _check_unlocked(path, key)
    with _translated(key):
        mode = stat_mode.S_IMODE(os.stat(path).st_mode)
    wb = _load(path, key, data_only=False)
    found = find_sheet(wb, layout.ANSWER_SHEET)
    ws = found or add_answers_sheet(wb)
    area = _answer_area(ws)
    if area is None:
        raise WorkbookUnreadable(f"{key}: bladet {ws.title!r} saknar kolumnerna ID, År, Period.")
    header_row, columns, table = area
    added_columns = _add_missing_columns(ws, header_row, columns, table)
    result, last_row = _upsert(ws, header_row, columns, key, answers)
    if found is not None and not added_columns and result.added == result.updated == 0:
        # Nothing to change (a retried batch): leave the file and its mtime alone.
        return result, cached if cached is not None and cached.stamp == before else None
    if table is not None:
        _extend_table(table, last_row)
    wb.calculation.fullCalcOnLoad = True  # openpyxl drops cached formula results
    with _translated(key):
        fd, temp = tempfile.mkstemp(prefix=".~ikbot-", suffix=".xlsx", dir=path.parent)
        os.close(fd)
        try:
            wb.save(temp)
            os.chmod(temp, mode)  # mkstemp makes 0600; keep the share's permissions
            _check_unlocked(path, key, expected=before)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        after = _stamp(path, key)
    if cached is None or cached.stamp != before:
        return result, None  # the plan we hold is older than the file: read it next time
    return result, Snapshot(after, cached.plan, _answers_from(wb, key))


def _upsert(
    ws: Worksheet, header_row: int, columns: dict[str, int], key: str, answers: list[Answer]
) -> tuple[WriteResult, int]:
    """Apply the batch to the sheet; return the result and the last row now in use."""
    rows = ws.iter_rows(min_row=header_row + 1, values_only=True)
    upsert = layout.plan_upsert(rows, columns, key, answers)
    first_data = header_row + 1
    for index, answer in upsert.updates:
        _put_row(ws, first_data + index, columns, answer)
    for offset, answer in enumerate(upsert.appends):
        _put_row(ws, first_data + upsert.first_free + offset, columns, answer)
    return upsert.result, header_row + upsert.first_free + len(upsert.appends)


_FORMATS = {"Besvarad": layout.DATETIME_FORMAT, "Klart senast": layout.DATE_FORMAT}


def _put_row(ws: Worksheet, row: int, columns: dict[str, int], answer: Answer) -> None:
    for header, value in layout.answer_values(answer).items():
        put_cell(ws.cell(row, columns[header] + 1), value, _FORMATS.get(header))


def _add_missing_columns(
    ws: Worksheet, header_row: int, columns: dict[str, int], table: Table | None
) -> bool:
    # A sheet made by hand may lack e.g. Svar-ID; add what is missing to the right.
    missing = [h for h in layout.ANSWER_HEADERS if h not in columns]
    if not missing:
        return False
    if table is not None:
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        end = max_col
    else:
        end = max((i + 1 for i in columns.values()), default=0)
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


class LocalSource:
    """A .xlsx file or a folder of them; implements ``graph.protocol.WorkbookSource``."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._single = self._path.suffix.lower() == ".xlsx"
        self._books: dict[str, LocalWorkbook] = {}

    def _names(self) -> list[str]:
        if self._single:
            return [self._path.name]
        if not self._path.is_dir():
            raise WorkbookNotFound(f"Mappen {self._path.name} finns inte.")
        return list_workbook_names(self._path)

    async def workbooks(self) -> list[LocalWorkbook]:
        """Every workbook currently in the source."""
        names = await asyncio.to_thread(self._names)
        return [self.workbook(name) for name in names]

    def workbook(self, key: str) -> LocalWorkbook:
        """The workbook with this key; a key naming no file in the source reads as missing."""
        book = self._books.get(key)
        if book is None:
            path = self._resolve(key)
            book = LocalWorkbook(path, key)
            if path is not None:  # keep the cache per file; junk keys are not remembered
                self._books[key] = book
        return book

    def _resolve(self, key: str) -> Path | None:
        # Keys come back from card data: never let one reach outside the source.
        if self._single:
            return self._path if key == self._path.name else None
        plain = key == Path(key).name and "\\" not in key and key not in ("", ".", "..")
        if not plain or key.startswith((".", LOCK_PREFIX)) or not key.lower().endswith(".xlsx"):
            return None
        return self._path / key
