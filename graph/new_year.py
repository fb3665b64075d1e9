"""Next year's plan workbook from this year's (``ikbot new-year``), as a new file.

Which kontrollmoment go on is what the helår answers said (Uppföljning column): one that
"fortsätter nästa år" (or whose "nästa kontroll år" is the new year) is carried over, with
Ursprunglig risk "kvarstår från {år}" and its open åtgärder (its answers that proposed
them stay in Uppföljning, their rows in Åtgärder); one that is "avslutat" (or checked again
a later year) is left out; one nobody said anything about stays, for the kommun to decide.
Everything else the kommun typed stays as it was: the other columns, the sheets, the
formats, Inställningar. The year moves on in the title, the År column and Sista svarsdag;
the bot's summary sheets are left behind. The old file is never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from openpyxl.utils.cell import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.table import TableColumn
from openpyxl.worksheet.worksheet import Worksheet

from bot.domain.followup import ActionStatus, continues_in, parse_continuation
from bot.domain.model import Answer, Period, Plan, latest_by_slot
from graph import layout, plan_reader
from graph.action_rows import ACTION_SHEET, action_columns
from graph.cells import cell_text, normalise_id
from graph.protocol import WorkbookError
from graph.templates import find_sheet, put_cell
from graph.xlsx_reader import answer_area, load_xlsx, read_workbook_file, sheet_rows

ORIGIN_HEADER = "Ursprunglig risk"
_KVARSTAR = re.compile(r"kvarstår från \d{4}", re.IGNORECASE)


@dataclass(slots=True)
class NewYear:
    """What ``new_year`` did: the new file, and the kontrollmoment by what became of them."""

    path: Path
    continued: list[str] = field(default_factory=list)  # IDs carried over as "kvarstår"
    closed: list[str] = field(default_factory=list)  # IDs left out
    kept: list[str] = field(default_factory=list)  # IDs nobody said anything about
    actions: int = 0  # open åtgärder carried over


def new_year_path(path: Path, old: int, new: int) -> Path:
    """Where next year's plan goes: the year in the name moved on, else " {new}" added."""
    stem = path.stem
    if str(old) in stem:
        return path.with_name(stem.replace(str(old), str(new)) + path.suffix)
    return path.with_name(f"{stem} {new}{path.suffix}")


def new_year(path: Path, old: int, new: int, target: Path | None = None) -> NewYear:
    """Write next year's plan from ``path`` to ``target`` (refused if it exists)."""
    target = target or new_year_path(path, old, new)
    if target.exists():
        raise WorkbookError(f"{target.name} finns redan; jag skriver inte över den.")
    key = path.name
    snapshot = read_workbook_file(path, key)
    plan = snapshot.plan
    decisions = _decisions(plan, snapshot.answers, old, new)
    wb = load_xlsx(path, key, data_only=False)
    result = NewYear(target)
    plan_ws = find_sheet(wb, plan.sheet)
    if plan_ws is None:
        raise WorkbookError(f"{key}: bladet {plan.sheet} finns inte.")
    header_index, columns = _plan_header(plan_ws)
    drop: list[int] = []
    for control in plan.controls:
        decision = decisions.get(control.id)
        if decision == "closed":
            result.closed.append(control.id)
            drop.append(control.row)
        elif decision == "continued":
            result.continued.append(control.id)
        else:
            result.kept.append(control.id)
    origin = columns.get("origin")
    if result.continued and origin is None:
        origin = _add_column(plan_ws, header_index, ORIGIN_HEADER)
    for control in plan.controls:
        if control.id in result.continued and origin is not None:
            cell = plan_ws.cell(control.row, origin + 1)
            if not _KVARSTAR.search(cell_text(cell.value)):  # from an earlier year: kept
                put_cell(cell, f"kvarstår från {old}")
    _move_years(plan_ws, header_index, columns, plan, old, new)
    if str(old) in plan_ws.title:  # "Internkontroll 2021"
        plan_ws.title = plan_ws.title.replace(str(old), str(new))
    _delete_rows(plan_ws, drop)
    carried = set(result.continued)
    open_slots = _keep_open_actions(wb, carried, old)
    result.actions = len(open_slots) if open_slots is not None else 0
    _clear_answers(wb, carried, old, open_slots)
    for ws in list(wb.worksheets):
        if ws.title.startswith(layout.SUMMARY_PREFIX):
            wb.remove(ws)
    _move_settings_year(wb, old, new)
    wb.save(target)
    return result


def _decisions(plan: Plan, answers: tuple[Answer, ...], old: int, new: int) -> dict[str, str]:
    """Per control ID: "continued", "closed", or nothing (nobody said)."""
    found: dict[str, str] = {}
    for (control_id, year, period), answer in latest_by_slot(answers).items():
        if year != old or period is not Period.YEAR:
            continue
        # The bot's Uppföljning column, else what a kommun typed as the result ("Status").
        said = answer.continuation or answer.outcome
        if parse_continuation(said) is None:
            continue
        found[control_id] = "continued" if continues_in(said, new, old) else "closed"
    return found


def _plan_header(ws: Worksheet) -> tuple[int, dict[str, int]]:
    rows = list(sheet_rows(ws))
    header = plan_reader.find_header(rows)
    if header is None:
        raise WorkbookError(f"Bladet {ws.title} saknar en rubrikrad med ID och Kontrollmoment.")
    return header.index + 1, header.columns


def _add_column(ws: Worksheet, header_row: int, name: str) -> int:
    last = max((c.column for c in ws[header_row] if cell_text(c.value)), default=0)
    put_cell(ws.cell(header_row, last + 1), name)
    for table in ws.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if min_row == header_row and max_col == last:
            # openpyxl keeps no column list in sync: the new column joins the table.
            table.tableColumns.append(TableColumn(id=len(table.tableColumns) + 1, name=name))
            table.ref = (
                f"{get_column_letter(min_col)}{min_row}:{get_column_letter(last + 1)}{max_row}"
            )
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref
    return last  # 0-based index of the new column


def _next(value: object, old: int, new: int) -> object:
    if isinstance(value, int) and not isinstance(value, bool) and value == old:
        return new
    if isinstance(value, datetime | date) and value.year in (old, old + 1):
        try:
            return value.replace(year=value.year + new - old)
        except ValueError:  # 29 februari
            return value.replace(year=value.year + new - old, day=28)
    if isinstance(value, str) and str(old) in value:
        return value.replace(str(old), str(new))
    return value


def _move_years(
    ws: Worksheet, header_row: int, columns: dict[str, int], plan: Plan, old: int, new: int
) -> None:
    for row in range(1, header_row):  # the title lines: "Internkontrollplan 2026"
        for cell in ws[row]:
            if isinstance(cell.value, str) and str(old) in cell.value:
                cell.value = cell.value.replace(str(old), str(new))
    for name in ("year", "due_date"):
        column = columns.get(name)
        if column is None:
            continue
        for control in plan.controls:
            cell = ws.cell(control.row, column + 1)
            moved = _next(cell.value, old, new)
            if name == "year" and isinstance(cell.value, str) and cell_text(cell.value) == str(old):
                moved = new
            if moved is not cell.value:
                cell.value = moved


def _delete_rows(ws: Worksheet, rows: list[int]) -> None:
    for row in sorted(rows, reverse=True):
        ws.delete_rows(row)
        _shift_merges(ws, row)
        for table in ws.tables.values():
            min_col, min_row, max_col, max_row = range_boundaries(table.ref)
            if min_row < row <= max_row:
                ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}"
                table.ref = f"{ref}{max(max_row - 1, min_row + 1)}"
                if table.autoFilter is not None:
                    table.autoFilter.ref = table.ref


def _shift_merges(ws: Worksheet, row: int) -> None:
    """Openpyxl moves cells but not merged ranges: move those below a deleted row up."""
    for merged in list(ws.merged_cells.ranges):
        if merged.min_row == row == merged.max_row:
            ws.merged_cells.remove(merged)
        elif merged.min_row > row:
            merged.shift(0, -1)
        elif merged.max_row >= row:
            merged.shrink(bottom=1)  # the deleted row was inside it


def _keep_open_actions(wb: Workbook, carried: set[str], old: int) -> set[tuple[str, str]] | None:
    """Keep the Åtgärder rows of carried controls that are not Klar; return their
    (ID, Period) (None: the workbook has no Åtgärder sheet)."""
    ws = find_sheet(wb, ACTION_SHEET)
    if ws is None:
        return None
    columns = action_columns([c.value for c in ws[1]])
    kept: set[tuple[str, str]] = set()
    drop = []
    for number, row in enumerate(sheet_rows(ws, 2), start=2):
        if not any(v not in (None, "") for v in row):
            continue
        control = normalise_id(row[columns["ID"]]) if "ID" in columns else ""
        status = cell_text(row[columns["Status"]]) if "Status" in columns else ""
        year = cell_text(row[columns["År"]]) if "År" in columns else ""
        period = cell_text(row[columns["Period"]]) if "Period" in columns else ""
        if control in carried and year == str(old) and status != ActionStatus.DONE.value:
            kept.add((control, period.casefold()))
        else:
            drop.append(number)
    _delete_rows(ws, drop)
    return kept


def _clear_answers(
    wb: Workbook, carried: set[str], old: int, open_slots: set[tuple[str, str]] | None
) -> None:
    """Leave Uppföljning empty but for this year's answers of carried controls whose
    åtgärd is still open (the bot follows those åtgärder from them); without an Åtgärder
    sheet, every such answer that proposed one."""
    ws = find_sheet(wb, layout.ANSWER_SHEET)
    area = answer_area(ws) if ws is not None else None
    if ws is None or area is None:
        return
    header_row, columns, _ = area
    drop = []
    for number, row in enumerate(sheet_rows(ws, header_row + 1), start=header_row + 1):
        if not any(v not in (None, "") for v in row):
            continue

        def get(name: str, row: list[object] = row) -> str:
            index = columns.get(name)
            return cell_text(row[index]) if index is not None and index < len(row) else ""

        keep = get("ID") in carried and get("År") == str(old) and bool(get("Åtgärd"))
        if keep and open_slots is not None:
            keep = (get("ID"), get("Period").casefold()) in open_slots
        if not keep:
            drop.append(number)
    _delete_rows(ws, drop)


def _move_settings_year(wb: Workbook, old: int, new: int) -> None:
    ws = find_sheet(wb, layout.SETTINGS_SHEET)
    if ws is None:
        return
    for row in ws.iter_rows():
        label = cell_text(row[0].value).casefold() if row else ""
        if label in {w.casefold() for w in layout.YEAR_WORDS}:
            for cell in row[1:]:
                if cell_text(cell.value) == str(old):
                    cell.value = new
