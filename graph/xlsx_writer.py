"""Writing a batch of answers into an .xlsx file (blocking).

``write_workbook_file`` upserts rows in the Uppföljning table by (ID, År, Period) and
replaces the file atomically (temp file in the same folder, then ``os.replace``). A file
held by Excel (lock file ``~$name``), changed by someone else while we wrote, or not
writable raises ``WorkbookLocked``; the journal keeps the answers and the writer retries.

It patches the package rather than rewriting the workbook (``graph.xlsx_patch``,
``graph.xlsx_answers``): only the answers sheet's part and its table part change (and
``styles.xml`` gains a style the new cells need, if the workbook lacks it; the workbook
part asks Excel to recalculate on open), every other member is copied byte for byte, so
charts, images, shapes, pivot tables, comments, slicers, Excel 2010+ extensions and the
cached results of formulas survive, and a batch costs about the same however large the
plan sheet is. The first batch into a plan without an Uppföljning sheet builds it (and the
Åtgärder sheet, if missing) with openpyxl in a scratch workbook and grafts them into the
package (``graph.xlsx_graft``), with the same guarantee. Where neither can be used (a
formula in a cell the batch overwrites, a table with a totals row, the 1904 date system) the
workbook is loaded and saved with openpyxl instead (``rewrite_workbook_file``), as every
batch was before: that keeps values, styles, number formats, column widths, merged cells,
frozen panes, tables, data validations, conditional formatting, defined names and comments,
but drops images, charts, shapes, form controls, slicers and x14 extensions, and formulas
lose their cached results until Excel saves the file again.

The temp file (``.~ikbot-….xlsx``) must sit beside the workbook: only there is it surely on
the same file system, which ``os.replace`` needs to be atomic, and under the share's own
permissions. People see it there (a dot does not hide a file on a Windows share), so it
lives only while a save runs: a failed save removes it, the writer process removes it when
the bot process dies under it (``discard_in_flight``), and what a killed process still left
is swept at start-up and before each save (``sweep_leftovers``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat as stat_mode
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from bot.domain.model import Answer
from graph import layout
from graph.action_rows import ACTION_SHEET
from graph.protocol import WorkbookLocked
from graph.templates import add_actions_sheet, add_answers_sheet, find_sheet
from graph.workbook_names import LOCK_PREFIX
from graph.xlsx_answers import Written, header_index, patch_answers
from graph.xlsx_fill import fill_answers, scratch_for
from graph.xlsx_graft import Graft, scratch_package
from graph.xlsx_patch import CannotPatch, TablePatch
from graph.xlsx_reader import (
    Stamp,
    answers_from,
    file_stamp,
    load_xlsx,
    translated_errors,
)
from graph.xlsx_temp import TEMP_PREFIX, TEMP_SUFFIX, in_flight, sweep_leftovers

logger = logging.getLogger(__name__)


def check_unlocked(path: Path, name: str, expected: Stamp | None = None) -> Stamp:
    """The file's stamp, after checking nobody holds it open (and, with ``expected``, that
    nobody changed it since); else ``WorkbookLocked``."""
    # Excel's owner file is "~$name"; LibreOffice's is ".~lock.name#".
    locks = (f"{LOCK_PREFIX}{path.name}", f".~lock.{path.name}#")
    if any((path.parent / lock).exists() for lock in locks):
        raise WorkbookLocked(
            f"Arbetsboken {name} är öppen i Excel. Svaren skrivs in när den stängs."
        )
    stamp = file_stamp(path, name)
    if expected is not None and stamp != expected:
        raise WorkbookLocked(
            f"Arbetsboken {name} ändrades av någon annan medan boten skrev. Försöker igen."
        )
    return stamp


def write_workbook_file(path: Path, key: str, answers: list[Answer]) -> Written:
    """Upsert a batch into the file and replace it atomically; return what was done.

    The answers sheet is patched inside the package (``graph.xlsx_patch``); a workbook
    without one gets it (and the Åtgärder sheet) grafted in (``graph.xlsx_graft``); one
    neither can handle is rewritten with openpyxl. Runs in any process.
    """
    before = check_unlocked(path, key)
    with translated_errors(key):
        mode = stat_mode.S_IMODE(os.stat(path).st_mode)
        replace = partial(replace_atomically, path, key, before, mode)
        try:
            patch = TablePatch.open(
                path,
                sheet=layout.ANSWER_SHEET,
                table=layout.ANSWER_TABLE,
                find_header=header_index,
                stamp=before,
            )
            return patch_answers(patch, key, answers, before, replace)
        except CannotPatch as reason:
            why = reason
        try:
            return _graft_answers(path, key, answers, before, replace)
        except CannotPatch as reason:
            logger.info("%s: rewriting the whole workbook (%s; %s)", key, why, reason)
    return rewrite_workbook_file(path, key, answers)


def _graft_answers(
    path: Path,
    key: str,
    answers: list[Answer],
    before: Stamp,
    replace: Callable[[Callable[[str], None]], Stamp],
) -> Written:
    """The first batch into a workbook without an answers sheet: the sheet (and the
    Åtgärder sheet, when missing) built in a scratch workbook and grafted into the file."""
    graft = Graft.read(path)
    if graft.find(layout.ANSWER_SHEET) is not None:
        raise CannotPatch("the answers sheet is there")
    wb = scratch_for(graft)
    ws = add_answers_sheet(wb)
    titles = [ws.title]
    if graft.find(ACTION_SHEET) is None:
        titles.append(add_actions_sheet(wb).title)
    result, _ = fill_answers(ws, key, answers)
    scratch = scratch_package(wb)
    for title in titles:
        graft.add(scratch, title)
    after = replace(graft.prepare())
    return Written(result, before, after, tuple(answers_from(wb, key)))


def rewrite_workbook_file(path: Path, key: str, answers: list[Answer]) -> Written:
    """Load once with openpyxl, upsert, save atomically (when the patch cannot be used)."""
    wb, before, mode = open_for_write(path, key)
    found = find_sheet(wb, layout.ANSWER_SHEET)
    ws = found or add_answers_sheet(wb)
    if found is None and find_sheet(wb, ACTION_SHEET) is None:
        # The one full rewrite makes the Åtgärder sheet too: later batches patch both.
        add_actions_sheet(wb)
    result, added_columns = fill_answers(ws, key, answers)
    if found is not None and not added_columns and result.added == result.updated == 0:
        # Nothing to change (a retried batch): leave the file and its mtime alone.
        return Written(result, before, before, None)
    after = save_atomically(wb, path, key, before, mode)
    return Written(result, before, after, tuple(answers_from(wb, key)))


def open_for_write(path: Path, key: str) -> tuple[Workbook, Stamp, int]:
    """(the workbook with formulas, the file's stamp, its permission bits), after checking
    nobody holds the file."""
    before = check_unlocked(path, key)
    with translated_errors(key):
        mode = stat_mode.S_IMODE(os.stat(path).st_mode)
    return load_xlsx(path, key, data_only=False), before, mode


def save_atomically(wb: Workbook, path: Path, key: str, before: Stamp, mode: int) -> Stamp:
    """Save to a temp file beside ``path`` and replace it, unless the file changed since
    ``before`` (then ``WorkbookLocked``); return the new stamp."""
    wb.calculation.fullCalcOnLoad = True  # openpyxl drops cached formula results
    return replace_atomically(path, key, before, mode, wb.save)


def replace_atomically(
    path: Path, key: str, before: Stamp, mode: int, save: Callable[[str], None]
) -> Stamp:
    """Have ``save`` write a temp file beside ``path``, then replace ``path`` with it unless
    the file changed since ``before`` (then ``WorkbookLocked``); return the new stamp."""
    sweep_leftovers(path.parent)
    with translated_errors(key):
        fd, temp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        with in_flight(temp):
            try:
                os.close(fd)
                save(temp)
                os.chmod(temp, mode)  # mkstemp makes 0600; keep the share's permissions
                check_unlocked(path, key, expected=before)
                os.replace(temp, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
        return file_stamp(path, key)
