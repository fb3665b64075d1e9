"""The Åtgärder sheet of a local workbook: made with openpyxl on the first batch, then
patched inside the package like the answers (every other part kept byte for byte)."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from bot.domain.followup import ActionStatus, TrackedAction
from bot.domain.model import Action, Period
from graph.action_rows import ACTION_SHEET
from graph.xlsx_actions import write_actions_file
from tests.graph.rich_workbook import rich_workbook

pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")
T0 = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)


def tracked(control: str, status: ActionStatus, comment: str, at: datetime) -> TrackedAction:
    action = Action(f"Åtgärd för {control}", "maria.lind@example.com", date(2027, 3, 1))
    return TrackedAction(
        "plan.xlsx", control, 2026, Period.T2, action, status, comment, "anna@example.com", at
    )


def raw(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as package:
        return {i.filename: package.read(i) for i in package.infolist()}


def rows(path: Path) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(path)[ACTION_SHEET]
    return [r for r in sheet.iter_rows(min_row=2, values_only=True) if any(r)]


def test_after_the_first_batch_only_the_atgarder_sheet_changes(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / "plan.xlsx")
    first = [tracked("1", ActionStatus.NOT_STARTED, "", T0)]
    result, _, _ = write_actions_file(path, "plan.xlsx", first)
    assert result.added == 1  # the sheet made with openpyxl (the one full rewrite)
    before = raw(path)

    later = T0 + timedelta(days=3)
    batch = [
        tracked("1", ActionStatus.IN_PROGRESS, "Halva klart – ”citat”", later),
        tracked("2", ActionStatus.NOT_STARTED, "=1+1", later),
    ]
    result, _, after_stamp = write_actions_file(path, "plan.xlsx", batch)
    assert (result.added, result.updated) == (1, 1)
    after = raw(path)
    sheet = next(n for n, d in after.items() if n.startswith("xl/worksheets/") and d != before[n])
    changed = {n for n in after if after[n] != before.get(n)}
    # The Åtgärder sheet and its table (and, once, the styles), nothing else.
    assert sheet in changed and changed <= {sheet, "xl/tables/table2.xml", "xl/styles.xml"}, changed
    assert list(after) == list(before)

    got = rows(path)
    assert [(r[0], r[6], r[7]) for r in got] == [
        (1, "Pågår", "Halva klart – ”citat”"),
        (2, "Ej påbörjad", "=1+1"),  # text, never a formula
    ]
    # The same batch again changes nothing, not even the file's time.
    again, _, stamp = write_actions_file(path, "plan.xlsx", batch)
    assert (again.added, again.updated) == (0, 0) and stamp == after_stamp
