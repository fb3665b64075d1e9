"""The streaming reader gives exactly what the openpyxl reader gives: the same plan (every
control, issue and setting) and the same answers, on the real plans and on files with what
people's workbooks hold; what it leaves to openpyxl is read by openpyxl."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from bot.domain.model import Plan
from graph import layout
from graph.excel_local import LocalSource
from graph.xlsx_reader import load_xlsx, read_loaded, read_streamed, read_workbook_file
from graph.xlsx_stream import StreamBook, Unsupported
from tests.graph.real_plans import REAL_PLANS
from tests.graph.rich_workbook import rich_workbook
from tests.graph.test_text_fidelity import nasty_answers
from tests.graph.workbooks import HEADER, plan_rows, write_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# openpyxl's note on the rich workbook's Excel 2010 extension (the streaming reader ignores it)
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")


def _both(path: Path) -> tuple[tuple[Plan, tuple], tuple[Plan, tuple]]:
    loaded = read_loaded(load_xlsx(path, path.name, data_only=True), path.name)
    return read_streamed(path, path.name), loaded


def _assert_same(path: Path) -> tuple[Plan, tuple]:
    streamed, loaded = _both(path)
    assert streamed[0] == loaded[0]
    assert streamed[0].owners == loaded[0].owners  # not part of Plan's equality
    assert streamed[1] == loaded[1]
    return streamed


@pytest.mark.parametrize("mapped", [False, True], ids=["as-written", "mapped"])
@pytest.mark.parametrize("name", list(REAL_PLANS))
def test_the_real_plans_read_the_same(tmp_path: Path, name: str, mapped: bool) -> None:
    _, build = REAL_PLANS[name]
    plan, _ = _assert_same(build(tmp_path, mapped=mapped))
    assert plan.controls


def test_a_rich_workbook_reads_the_same(tmp_path: Path) -> None:
    # A chart, an image, formulas with cached values, conditional formatting, a comment.
    plan, _ = _assert_same(rich_workbook(tmp_path / "rich.xlsx"))
    assert len(plan.controls) == 3


async def test_every_typed_character_reads_the_same(tmp_path: Path) -> None:
    rows = [[*row[:5], "Helår", row[6]] for row in plan_rows(30)]
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *rows])
    await LocalSource(tmp_path, in_process=True).workbook(path.name).write_answers(nasty_answers())
    _, answers = _assert_same(path)
    assert len(answers) == len(nasty_answers())


def _people_made(book: openpyxl.Workbook) -> None:
    """What a person's workbook may hold around the plan."""
    plan = book["Plan 2026"]
    plan["N1"] = "Anteckning"  # a column the bot does not use, further out
    plan["M4"] = True
    plan["M5"] = date(2026, 12, 31)
    plan["M5"].number_format = "yyyy-mm-dd"
    plan["M6"] = datetime(2026, 6, 30, 12, 30)
    plan["M6"].number_format = "yyyy-mm-dd hh:mm"
    plan["M7"] = 0.5
    plan["M8"] = "=1+1"
    plan.cell(40, 1).fill = openpyxl.styles.PatternFill("solid", start_color="FFC7CE")
    book.create_sheet("Tomt blad")
    hidden = book.create_sheet("Gammal plan")
    hidden.sheet_state = "hidden"
    hidden.append(["Inget här"])
    answers = book.create_sheet(layout.ANSWER_SHEET)
    answers.append(["Uppföljning helår"])
    answers.append([])
    answers.append(list(layout.ANSWER_HEADERS))
    at = datetime(2027, 1, 9, 10, 0)
    answers.append(["1", 2026, "Helår", "Ingen avvikelse", "alexw@example.com", at])
    answers.append(["2", 2026, "Helår", "Mindre avvikelse", "alexw@example.com", at])
    answers["G5"] = "rad ett_x000D_\nrad två"


def test_a_hand_made_workbook_reads_the_same(tmp_path: Path) -> None:
    rows = [HEADER, *plan_rows(8)]
    rows.insert(3, ["Perspektiv: Ekonomi"])  # a section row, merged across below
    path = write_xlsx(
        tmp_path / "plan.xlsx",
        [["Internkontrollplan 2026"], [], *rows],
        sheet="Plan 2026",
        merges=["A6:G6", "B8:B10"],
        extra=_people_made,
    )
    plan, answers = _assert_same(path)
    assert plan.sheet == "Plan 2026" and len(plan.controls) >= 8
    assert {a.control_id for a in answers} == {"1", "2"}


def _rewrite(path: Path, member: str, change: Callable[[etree._Element], None]) -> None:
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            if info.filename == member:
                root = etree.fromstring(data)
                change(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            out.writestr(info, data)


def test_cells_without_references_and_inline_text_read_the_same(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(4)])

    def strip(root: etree._Element) -> None:
        rows = list(root.iter(f"{{{MAIN}}}row"))
        for cell in rows[2]:  # the second control: cells counted, not named
            del cell.attrib["r"]
        del rows[3].attrib["r"]  # a row counted from the one before

    _rewrite(path, "xl/worksheets/sheet1.xml", strip)
    _assert_same(path)


def test_a_workbook_in_the_1904_date_system_is_left_to_openpyxl(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(3)])

    def date1904(root: etree._Element) -> None:
        pr = root.find(f"{{{MAIN}}}workbookPr")
        if pr is None:
            pr = etree.SubElement(root, f"{{{MAIN}}}workbookPr")
            root.insert(0, pr)
        pr.set("date1904", "1")

    _rewrite(path, "xl/workbook.xml", date1904)
    with pytest.raises(Unsupported):
        StreamBook(path)
    snapshot = read_workbook_file(path, path.name)  # read by openpyxl instead
    loaded = read_loaded(load_xlsx(path, path.name, data_only=True), path.name)
    assert (snapshot.plan, snapshot.answers) == loaded
