"""The Underlag column of Uppföljning on both backends: written and read back, added to a
sheet that lacks it, and an older Excel table without it still gets the rest of each row."""

from __future__ import annotations

from dataclasses import replace

import openpyxl
from openpyxl.worksheet.table import Table

from graph import layout
from tests.graph.conftest import LocalBackend
from tests.graph.test_workbook_contract import KEY, plan_workbook
from tests.graph.workbooks import answer

LINKS = ("https://kommun.sharepoint.com/sites/ik/Underlag/2026/Helår/1/lista.pdf", "https://x.se/a")
OLD_HEADERS = [h for h in layout.ANSWER_HEADERS if h != "Underlag"]


async def test_links_are_written_one_a_line_and_read_back(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    await workbook.write_answers([replace(answer("1", answer_id="a1"), evidence=LINKS)])
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("Underlag") + 1).value == "\n".join(LINKS)
    [read] = await workbook.read_answers()
    assert read.evidence == LINKS


async def test_a_table_made_before_the_column_still_gets_the_answer(
    backend: LocalBackend,
) -> None:
    def old_table(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.ANSWER_SHEET)
        ws.append(OLD_HEADERS)
        ws.append([None] * len(OLD_HEADERS))
        last = openpyxl.utils.get_column_letter(len(OLD_HEADERS))
        ws.add_table(Table(displayName=layout.ANSWER_TABLE, ref=f"A1:{last}2"))

    workbook = await plan_workbook(backend, extra=old_table)
    await workbook.write_answers([replace(answer("1", answer_id="a1"), evidence=LINKS)])
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    header = [c.value for c in ws[1]]
    assert ws.cell(2, header.index("Svar-ID") + 1).value == "a1"
    if backend.name == "local":  # openpyxl widens the table; Graph cannot in the same write
        assert ws.cell(2, header.index("Underlag") + 1).value == "\n".join(LINKS)
    else:
        assert "Underlag" not in header
