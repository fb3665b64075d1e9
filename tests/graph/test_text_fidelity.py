"""What a person typed is what the cell shows, on every backend: every character.

Excel takes a typed entry beginning with ``'`` as its text prefix, ``= + - @`` as a
formula, and digits, dates and TRUE as numbers, dates and truth values; its files carry a
carriage return as ``_x000D_``. None of that may change a text on its way into a workbook
or back out of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import openpyxl
import pytest
from openpyxl.utils.escape import unescape

from bot.domain.model import Action, Answer, Period
from bot.domain.periods import Term
from bot.domain.status import compile_status
from graph import cells, layout
from graph.excel_local import LocalSource
from graph.graph_requests import to_graph_value
from graph.protocol import Workbook
from graph.templates import put_cell
from tests.graph.conftest import FOLDER, GraphBackend, LocalBackend, graph_source
from tests.graph.workbooks import HEADER, answer, plan_rows, write_xlsx

KEY = "plan.xlsx"

NASTY = [
    "'Rutinen' följs inte alltid",
    "'",
    "''",
    "'=1+1",
    "=1+1",
    '=HYPERLINK("http://evil.example";"Klicka")',
    "+46 70 123 45 67",
    "+1",
    "-5",
    "- punkt ett",
    "@SUM(A1)",
    "@",
    "\tindraget",
    "\rvagnretur först",
    "rad ett\r\nrad två",
    "a\rb",
    "1/2",
    "00123",
    "1,5",
    "50 %",
    "(5)",
    "#N/A",
    "TRUE",
    "falskt",
    "2026-01-01",
    "2026-01-01 12:00",
    "12:30",
    "_x000D_",
    "_x005F_x000D_",
    " blanksteg först",
    "blanksteg sist ",
    "\n\nradbrytningar\n",
]


def nasty_answers() -> list[Answer]:
    """One answer per nasty value, in every free-text field (controls 1..n)."""
    return [
        answer(
            str(number),
            outcome="Mindre avvikelse",
            observations=text,
            analysis=text,
            action=Action(text, text, date(2027, 3, 31)),
        )
        for number, text in enumerate(NASTY, start=1)
    ]


async def helar_plan(backend: LocalBackend | GraphBackend) -> Workbook:
    """A plan of one helår control per nasty value."""
    rows = [[*row[:5], "Helår", row[6]] for row in plan_rows(len(NASTY))]
    write_xlsx(backend.path(KEY), [HEADER, *rows])
    return await backend.workbook(KEY)


async def read_anew(backend: LocalBackend | GraphBackend) -> list[Answer]:
    """The answers as a new process would read them: from the stored file, no cache."""
    if isinstance(backend, LocalBackend):
        return await LocalSource(backend.folder, in_process=True).workbook(KEY).read_answers()
    source = graph_source(backend.fake)
    try:
        return await source.workbook(backend.fake.item_id(f"{FOLDER}/{KEY}")).read_answers()
    finally:
        await source.close()


def shown(value: object) -> object:
    """What Excel shows for a stored cell value (its files escape a CR as _x000D_)."""
    return unescape(value) if isinstance(value, str) else value


def assert_no_formula(book: openpyxl.Workbook) -> None:
    formulas = [
        f"{ws.title}!{c.coordinate}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert not formulas


async def test_every_character_typed_lands_and_reads_back(backend) -> None:
    workbook = await helar_plan(backend)

    await workbook.write_answers(nasty_answers())

    for read in (await workbook.read_answers(), await read_anew(backend)):
        got = {a.control_id: a for a in read}
        for number, text in enumerate(NASTY, start=1):
            found = got[str(number)]
            assert found.action is not None
            typed = (found.observations, found.analysis, found.action.text, found.action.owner)
            assert typed == (text, text, text, text), number
    stored = openpyxl.load_workbook(await backend.file(KEY))
    assert_no_formula(stored)
    ws = stored[layout.ANSWER_SHEET]
    column = layout.ANSWER_HEADERS.index("Iakttagelser") + 1
    assert [shown(ws.cell(row, column).value) for row in range(2, len(NASTY) + 2)] == NASTY
    for row in range(2, len(NASTY) + 2):
        cell = ws.cell(row, column)
        assert cell.data_type == "s"
        # Quote-prefixed where Excel would otherwise not keep the text when it is edited.
        assert cell.quotePrefix or not cells.needs_quote_prefix(shown(cell.value))


async def test_the_plan_reads_back_as_it_was_typed(backend) -> None:
    """Text typed into a plan reads back as Excel shows it (surrounding blanks trimmed)."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Kontrollplan"
    ws.append(HEADER)
    for number, text in enumerate(NASTY, start=1):
        row = [number, "Verksamhet", text, text, text, "Helår", "alexw@example.com"]
        for column, value in enumerate(row, start=1):
            put_cell(ws.cell(number + 1, column), value)  # as Excel stores what was typed
    backend.path(KEY).parent.mkdir(parents=True, exist_ok=True)
    book.save(backend.path(KEY))

    plan = await (await backend.workbook(KEY)).read_plan()

    assert not plan.issues
    got = {c.id: c for c in plan.controls}
    for number, text in enumerate(NASTY, start=1):
        control = got[str(number)]
        assert (control.process, control.risk_text, control.description) == (text.strip(),) * 3


async def test_the_summary_sheet_shows_the_texts_as_typed(backend) -> None:
    workbook = await helar_plan(backend)
    await workbook.write_answers(nasty_answers())
    plan = await workbook.read_plan()
    summary = compile_status(
        [plan], await workbook.read_answers(), Term(2026, Period.YEAR), date(2027, 2, 1)
    )

    name = await workbook.write_summary(summary)

    stored = openpyxl.load_workbook(await backend.file(KEY))
    assert_no_formula(stored)
    texts = {shown(c.value) for row in stored[name].iter_rows() for c in row}
    missing = [text for text in NASTY if text not in texts]
    assert not missing


def test_every_text_goes_to_graph_with_the_text_prefix() -> None:
    # Excel takes what follows a leading apostrophe literally, whatever it looks like (a
    # formula, a number, a date in any locale, its own prefix): the one rule with no gaps.
    for text in [*NASTY, "Två", "Ingen avvikelse", "a@b.se", "maj 2026"]:
        assert to_graph_value(text) == "'" + cells.clean_text(text)
    assert to_graph_value("") == "" and to_graph_value(None) == ""
    assert to_graph_value(7) == 7 and to_graph_value(2.5) == 2.5 and to_graph_value(True) is True
    assert to_graph_value(datetime(2026, 9, 3, 12, 15)) == "2026-09-03 12:15:00"
    assert to_graph_value(datetime(2026, 9, 3, tzinfo=UTC).date()) == "2026-09-03"


@pytest.mark.parametrize("text", NASTY)
def test_a_file_carries_every_character(text: str, tmp_path) -> None:
    book = openpyxl.Workbook()
    put_cell(book.active["A1"], text)
    book.save(tmp_path / "a.xlsx")
    value = openpyxl.load_workbook(tmp_path / "a.xlsx").active["A1"].value
    assert cells.from_xlsx_text(value) == text
