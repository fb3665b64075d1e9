"""The local writer patches the answers sheet inside the .xlsx package and keeps the rest.

Real files: a workbook with a chart, an image, a comment, formulas with cached values,
conditional formatting, data validation and an Excel 2010 extension gets answers written,
and every part the bot does not own comes out byte for byte; the answers read back as the
full openpyxl rewrite (still used when the patch cannot be) would have written them.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from lxml import etree
from openpyxl.drawing.image import Image
from PIL import Image as PILImage

from bot.domain.model import Action, Answer
from graph import layout, xlsx_writer
from graph.excel_local import LocalSource
from graph.xlsx_reader import read_workbook_file
from tests.graph.rich_workbook import FORMULA_SHEET, rich_workbook
from tests.graph.workbooks import HEADER, answer, deviation, plan_rows, write_xlsx

# openpyxl reads the answers sheet's x14 extension to drop it; the patch keeps it.
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")
KEY = "plan.xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ANSWERS = "xl/worksheets/sheet2.xml"  # rich_workbook's Uppföljning and its table
TABLE = "xl/tables/table1.xml"
T0 = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)


def members(path: Path) -> list[tuple[str, int, int, int, bytes]]:
    """Each zip member in order: name, compression, CRC, compressed size, content."""
    with zipfile.ZipFile(path) as package:
        return [
            (i.filename, i.compress_type, i.CRC, i.compress_size, package.read(i))
            for i in package.infolist()
        ]


def xml(data: bytes, drop: tuple[str, ...] = ()) -> list[bytes]:
    """A part's top-level children in canonical form, without those named in ``drop``."""
    root = etree.fromstring(data)
    return [
        etree.tostring(child, method="c14n")
        for child in root
        if etree.QName(child).localname not in drop
    ]


def book(folder: Path):  # type: ignore[no-untyped-def]
    return LocalSource(folder, revalidate_after=0, in_process=True).workbook(KEY)


def first_batch() -> list[Answer]:
    due = Action("Informera attestanterna", "maria.lind@example.com", date(2027, 3, 1))
    return [
        deviation("1", answer_id="a1", at=T0, action=due),
        answer("2", answer_id="a2", at=T0, observations="- en punkt\r\n- och en till"),
        answer("3", answer_id="a3", at=T0, observations="=1+1", checked=4),
    ]


async def test_every_part_but_the_answers_sheet_is_kept_byte_for_byte(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)
    before = members(path)
    result = await book(tmp_path).write_answers(first_batch())
    assert (result.added, result.updated) == (3, 0)
    after = members(path)
    assert [m[:2] for m in after] == [m[:2] for m in before]  # same names, order, compression
    owned = {ANSWERS, TABLE, "xl/styles.xml", "xl/workbook.xml"}
    kept = [m for m in after if m[0] not in owned]
    assert kept == [m for m in before if m[0] not in owned]  # raw: same CRC and sizes too
    assert {"xl/charts/chart1.xml", "xl/media/image1.png", "xl/comments/comment1.xml"} <= {
        m[0] for m in kept
    }
    old, new = dict((m[0], m[4]) for m in before), dict((m[0], m[4]) for m in after)
    # The answers sheet: only its rows and its dimension changed; extLst, conditional
    # formatting, data validation, panes, columns and table parts are as they were.
    rows = ("sheetData", "dimension")
    assert xml(new[ANSWERS], rows) == xml(old[ANSWERS], rows)
    assert b"x14:dataValidations" in new[ANSWERS]
    # Styles: the date and text-prefix styles were added after the existing ones.
    old_xfs = etree.fromstring(old["xl/styles.xml"]).find(f"{{{MAIN}}}cellXfs")
    new_xfs = etree.fromstring(new["xl/styles.xml"]).find(f"{{{MAIN}}}cellXfs")
    assert old_xfs is not None and new_xfs is not None and len(new_xfs) > len(old_xfs)
    assert [etree.tostring(x, method="c14n") for x in new_xfs[: len(old_xfs)]] == [
        etree.tostring(x, method="c14n") for x in old_xfs
    ]
    # The workbook part: Excel is asked to recalculate on open, nothing else.
    calc = etree.fromstring(new["xl/workbook.xml"]).find(f"{{{MAIN}}}calcPr")
    assert calc is not None and calc.get("fullCalcOnLoad") == "1"
    assert xml(new["xl/workbook.xml"], ("calcPr",)) == xml(old["xl/workbook.xml"], ("calcPr",))
    table = etree.fromstring(new[TABLE])
    assert table.get("ref") == "A1:P4" == table.find(f"{{{MAIN}}}autoFilter").get("ref")

    # A second batch (an update and a new row) touches the answers sheet and table only.
    await book(tmp_path).write_answers(
        [answer("2", answer_id="a2b", at=T0 + timedelta(hours=1)), answer("4", answer_id="a4")]
    )
    again = members(path)
    assert [m for m in again if m[0] not in {ANSWERS, TABLE}] == [
        m for m in after if m[0] not in {ANSWERS, TABLE}
    ]
    cached = openpyxl.load_workbook(path, data_only=True)[FORMULA_SHEET]
    assert [cached[f"B{r}"].value for r in (1, 2, 3)] == [3, 6, "Tre kontroller"]


async def test_the_answers_read_back_as_written_and_the_cache_agrees(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)
    workbook = book(tmp_path)
    await workbook.write_answers(first_batch())
    await workbook.write_answers([answer("3", answer_id="a3b", at=T0 + timedelta(days=1))])
    cached = await workbook.read_answers()
    fresh = list(read_workbook_file(path, KEY).answers)
    assert cached == fresh
    assert [(a.control_id, a.answer_id) for a in fresh] == [("1", "a1"), ("2", "a2"), ("3", "a3b")]
    assert fresh[0].action == first_batch()[0].action
    assert fresh[1].observations == "- en punkt\r\n- och en till"
    ws = openpyxl.load_workbook(path)[layout.ANSWER_SHEET]
    col = {h: i + 1 for i, h in enumerate(layout.ANSWER_HEADERS)}
    assert ws.cell(3, col["Iakttagelser"]).quotePrefix  # "- en punkt" stays text in Excel
    assert not ws.cell(2, col["Iakttagelser"]).quotePrefix
    assert ws.cell(2, col["Besvarad"]).number_format == layout.DATETIME_FORMAT
    assert ws.cell(2, col["Klart senast"]).number_format == layout.DATE_FORMAT
    assert ws.cell(2, col["Klart senast"]).value == datetime(2027, 3, 1)


BATCHES: list[list[Answer]] = [
    first_batch(),
    [
        answer("1", answer_id="old", at=T0 - timedelta(days=1)),  # older than the row: kept
        answer("2", answer_id="b2", at=T0 + timedelta(hours=2), observations=" mellanslag "),
        answer("2", answer_id="b2x", at=T0 + timedelta(hours=1)),  # superseded in the batch
        answer("5", answer_id="b5", analysis="_x0041_ och \t tabb", deviations=0),
        deviation("6", answer_id="b6", action=Action("Åtgärd", "", None)),
    ],
    [answer("3", answer_id="c3", at=T0 + timedelta(days=2), outcome="Större avvikelse")],
    [answer("3", answer_id="c3", at=T0 + timedelta(days=2), outcome="Större avvikelse")],
]


def cells(path: Path) -> list[tuple[Any, ...]]:
    """The answers sheet's cells as a reader sees them: value, type, text prefix, format."""
    ws = openpyxl.load_workbook(path)[layout.ANSWER_SHEET]
    return [
        (c.coordinate, c.value, c.data_type, c.quotePrefix, c.is_date)
        for row in ws.iter_rows()
        for c in row
        if c.value is not None
    ]


@pytest.mark.parametrize("start", ["rich", "typed"])
def test_a_patch_writes_what_a_full_rewrite_writes(tmp_path: Path, start: str) -> None:
    patched, rewritten = tmp_path / "a" / KEY, tmp_path / "b" / KEY
    if start == "rich":
        rich_workbook(patched)
    else:
        typed_answers(patched)
    rewritten.parent.mkdir()
    shutil.copy(patched, rewritten)
    for batch in BATCHES:
        prior = read_workbook_file(patched, KEY).answers
        done = xlsx_writer.write_workbook_file(patched, KEY, batch)
        expected = xlsx_writer.rewrite_workbook_file(rewritten, KEY, batch)
        assert done.result == expected.result
        fresh = read_workbook_file(patched, KEY).answers
        assert fresh == read_workbook_file(rewritten, KEY).answers
        assert done.answers_after(prior) == fresh  # what the cache is refreshed with
    assert cells(patched) == cells(rewritten)
    with zipfile.ZipFile(patched) as package:
        assert package.testzip() is None
        assert "xl/media/image1.png" in package.namelist()  # patched, never rewritten


def typed_answers(path: Path) -> Path:
    """A plan whose Uppföljning was typed by hand: a title row, people's own headers, no
    table, no År or Period column (the header names the term), a duplicate and a note."""

    def extra(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet(layout.ANSWER_SHEET)
        ws.append(["Uppföljning av internkontroll 2026"])
        ws.append(["Nr", "Resultat helår 2026", "Kommentar"])
        ws.append([1, "Ingen avvikelse", "Allt i sin ordning"])
        ws.append(["Anteckning utan nummer"])
        ws.append([1, "Mindre avvikelse", "En dubblett"])
        ws.append([2, "Inte kontrollerat", None])
        picture = io.BytesIO()
        PILImage.new("RGB", (8, 8), (200, 0, 0)).save(picture, format="PNG")
        wb["Kontrollplan"].add_image(Image(picture), "K2")

    return write_xlsx(path, [HEADER, *plan_rows(6)], extra=extra)


def test_a_table_without_the_bots_columns_gets_them(tmp_path: Path) -> None:
    def extra(wb: openpyxl.Workbook) -> None:
        ws = wb.create_sheet(layout.ANSWER_SHEET)
        ws.append(["ID", "År", "Period", "Bedömning"])
        ws.append([1, 2026, "Helår", "Ingen avvikelse"])
        ws.add_table(openpyxl.worksheet.table.Table(displayName="Svar", ref="A1:D2"))

    path = write_xlsx(tmp_path / KEY, [HEADER, *plan_rows(3)], extra=extra)
    done = xlsx_writer.write_workbook_file(path, KEY, [deviation("2", answer_id="x2")])
    assert done.answers is None  # patched (a rewrite returns the whole table)
    ws = openpyxl.load_workbook(path)[layout.ANSWER_SHEET]
    (table,) = ws.tables.values()
    names = [c.name for c in table.tableColumns]
    assert names == ["ID", "År", "Period", "Bedömning", *layout.ANSWER_HEADERS[4:]]
    assert table.ref == table.autoFilter.ref == "A1:P3"
    assert [c.value for c in ws[1]] == list(layout.ANSWER_HEADERS)
    (first, second) = read_workbook_file(path, KEY).answers
    assert (first.control_id, second.control_id, second.answer_id) == ("1", "2", "x2")


def test_a_formula_the_batch_would_overwrite_means_a_full_rewrite(tmp_path: Path) -> None:
    path = rich_workbook(tmp_path / KEY)
    xlsx_writer.write_workbook_file(path, KEY, [answer("1", answer_id="a1")])
    book_ = openpyxl.load_workbook(path)
    book_[layout.ANSWER_SHEET]["G2"] = '=""&"formel"'
    book_.save(path)
    done = xlsx_writer.write_workbook_file(
        path, KEY, [answer("1", answer_id="a1b", at=T0 + timedelta(hours=1), observations="Ny")]
    )
    assert done.answers is not None  # the openpyxl rewrite, which stays correct
    (only,) = read_workbook_file(path, KEY).answers
    assert (only.answer_id, only.observations) == ("a1b", "Ny")
