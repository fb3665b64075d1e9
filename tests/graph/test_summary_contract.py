"""Workbook.write_summary on every backend: the sheet a strategist filters, and nothing else
touched."""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest

from bot.domain.model import Action, Period
from bot.domain.periods import Term
from bot.domain.status import compile_status
from graph import layout
from graph.protocol import WorkbookError
from graph.summary_sheet import BAND_FILLS, TABLE_STYLE, summary_sheet
from tests.graph.conftest import GraphBackend, LocalBackend
from tests.graph.workbooks import HEADER, answer, deviation, plan_rows, sheet_values, write_xlsx

KEY = "plan.xlsx"
TERM = Term(2026, Period.YEAR)
TODAY = date(2027, 2, 1)
SHEET = "Sammanställning helår 2026"


async def summarised(backend: LocalBackend | GraphBackend, answers=None):
    """A plan of 8 controls (with sannolikhet × konsekvens, so the sheet has a risk matrix)
    with some answers written, and its compiled helår summary."""
    rows = [[*r, 1 + i % 4, 1 + i // 4] for i, r in enumerate(plan_rows(8))]
    write_xlsx(backend.path(KEY), [[*HEADER, "Sannolikhet", "Konsekvens"], *rows])
    workbook = await backend.workbook(KEY)
    await workbook.write_answers(
        answers
        if answers is not None
        else [
            answer("3"),
            deviation(
                "4", observations='=HYPERLINK("http://x")', at=datetime(2027, 1, 11, tzinfo=UTC)
            ),
            answer(
                "7",
                outcome="Ej genomförd",
                action=Action("Gör om", "a@example.com", date(2027, 3, 1)),
            ),
        ]
    )
    plan = await workbook.read_plan()
    summary = compile_status([plan], await workbook.read_answers(), TERM, TODAY)
    return workbook, summary


def cell_values(ws) -> list[tuple]:
    return [tuple(row) for row in ws.iter_rows(values_only=True)]


async def test_writes_the_summary_sheet_with_tables_fills_and_values(backend) -> None:
    workbook, summary = await summarised(backend)
    before = sheet_values(await backend.file(KEY))

    name = await workbook.write_summary(summary, pending=1)

    assert name == SHEET
    book = await backend.load(KEY)
    ws = book[SHEET]
    expected = summary_sheet(summary, pending=1)
    values = cell_values(ws)
    assert values[0][0] == SHEET
    flat = [v for row in values for v in row if v is not None]
    assert "3 av 6 kontrollmoment besvarade (50 %)" in flat
    assert "Väntar på att skrivas till Excel" in flat
    # Text that looks like a formula stays text, on both backends.
    assert '=HYPERLINK("http://x")' in flat
    assert all(
        not (isinstance(v, str) and v.startswith("=")) or ws[c.coordinate].data_type == "s"
        for row in ws.iter_rows()
        for c in row
        for v in [c.value]
    )
    # The same tables, by name and address, as the layout says.
    assert {t: ws.tables[t].ref for t in ws.tables} == {
        t.name: t.area.address for t in expected.tables
    }
    assert {ws.tables[t].tableStyleInfo.name for t in ws.tables} == {TABLE_STYLE}
    # The risk matrix coloured by band.
    for fill in expected.fills:
        corner = ws.cell(fill.area.first_row + 1, fill.area.first_col + 1)
        assert corner.fill.fgColor.rgb[-6:].upper() == fill.rgb
    assert {f.rgb for f in expected.fills} == set(BAND_FILLS.values())
    assert ws["A1"].font.b
    # Every other sheet is exactly as it was.
    after = sheet_values(await backend.file(KEY), skip=[SHEET])
    assert after == before


async def test_writing_again_replaces_the_sheet(backend) -> None:
    workbook, summary = await summarised(backend)
    await workbook.write_summary(summary)
    await workbook.write_answers([answer("2", at=datetime(2027, 1, 20, tzinfo=UTC))])
    plan = await workbook.read_plan()
    again = compile_status([plan], await workbook.read_answers(), TERM, TODAY)

    assert await workbook.write_summary(again) == SHEET

    book = await backend.load(KEY)
    assert book.sheetnames.count(SHEET) == 1
    flat = [v for row in cell_values(book[SHEET]) for v in row if v is not None]
    assert "4 av 6 kontrollmoment besvarade (67 %)" in flat
    assert "3 av 6 kontrollmoment besvarade (50 %)" not in flat
    # The answers table still holds every answer; the plan still reads the same.
    assert len(await workbook.read_answers()) == 4
    assert [c.id for c in (await workbook.read_plan()).controls] == [str(i) for i in range(1, 9)]


async def test_summaries_of_different_periods_live_side_by_side(backend) -> None:
    workbook, summary = await summarised(backend)
    await workbook.write_summary(summary)
    plan = await workbook.read_plan()
    interim = compile_status([plan], await workbook.read_answers(), Term(2026, Period.T1), TODAY)

    assert await workbook.write_summary(interim) == "Sammanställning delår 1 2026"

    book = await backend.load(KEY)
    assert {SHEET, "Sammanställning delår 1 2026"} <= set(book.sheetnames)
    names = [t for ws in book.worksheets for t in ws.tables]
    assert len(names) == len(set(names))


async def test_a_hand_made_sheet_of_that_name_is_left_alone(backend) -> None:
    def own_sheet(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(SHEET)
        ws["A1"] = "Min egen sammanställning"
        ws["B5"] = "viktiga anteckningar"

    write_xlsx(backend.path(KEY), [HEADER, *plan_rows(4)], extra=own_sheet)
    workbook = await backend.workbook(KEY)
    plan = await workbook.read_plan()
    summary = compile_status([plan], [], TERM, TODAY)
    before = sheet_values(await backend.file(KEY))

    with pytest.raises(WorkbookError, match="inte är skapat av boten"):
        await workbook.write_summary(summary)

    assert sheet_values(await backend.file(KEY)) == before


async def test_an_empty_sheet_of_that_name_is_replaced(backend) -> None:
    write_xlsx(backend.path(KEY), [HEADER, *plan_rows(4)], extra=lambda b: b.create_sheet(SHEET))
    workbook = await backend.workbook(KEY)
    summary = compile_status([await workbook.read_plan()], [], TERM, TODAY)

    await workbook.write_summary(summary)

    assert (await backend.load(KEY))[SHEET]["A1"].value == SHEET


async def test_answers_written_after_a_summary_still_land(backend) -> None:
    workbook, summary = await summarised(backend)
    await workbook.write_summary(summary)

    result = await workbook.write_answers([answer("5", at=datetime(2027, 1, 21, tzinfo=UTC))])

    assert result.added == 1
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    ids = [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    assert sorted(str(i) for i in ids) == ["3", "4", "5", "7"]


async def test_a_summary_sheet_is_never_read_as_the_plan(backend) -> None:
    # The plan sheet has its own name (not Kontrollplan); the summary's "Har inte svarat"
    # table has ID, Kontrollmoment and Ansvarig columns too.
    write_xlsx(backend.path(KEY), [HEADER, *plan_rows(8)], sheet="Plan 2026")
    workbook = await backend.workbook(KEY)
    summary = compile_status([await workbook.read_plan()], [], TERM, TODAY)
    await workbook.write_summary(summary)

    book = openpyxl.load_workbook(backend.path(KEY))
    book["Plan 2026"].delete_rows(1, 9)  # someone empties the plan sheet
    book.save(backend.path(KEY))
    fresh = await backend.workbook(KEY)

    with pytest.raises(WorkbookError, match="inget blad har en rubrikrad"):
        await fresh.read_plan()
