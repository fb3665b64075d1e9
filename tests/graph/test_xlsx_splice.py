"""The answers sheet patched as bytes: rows people typed, in a file Excel saved, come out right.

The patch parses only the rows a batch reads whole or writes and splices them back into the
part's bytes (``graph.xlsx_splice``). The workbook here holds rows the bot did not write —
shared strings, an ID typed as text, a period in lower case with a space, a key cell in
rich text, a formula beside a row, an empty styled row — in the form Excel saves a sheet
(namespaces for its extensions on every row, whitespace between rows). Each batch must
land as the openpyxl rewrite lands it, and the same when the part holds something the byte
index does not handle (then the whole part is parsed, as before).
"""

from __future__ import annotations

import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.cell import get_column_letter

from graph import layout, xlsx_writer
from graph.xlsx_package import CannotPatch, Package
from graph.xlsx_reader import read_workbook_file
from graph.xlsx_sheet import SharedStrings
from graph.xlsx_splice import spliced
from graph.xlsx_styles import Styles
from tests.graph.rich_workbook import rich_workbook
from tests.graph.test_xlsx_patch import BATCHES, KEY, T0, cells
from tests.graph.workbooks import answer

pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")
ANSWERS = "xl/worksheets/sheet2.xml"  # rich_workbook's Uppföljning
EXCEL_ROOT = (
    b' xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'
    b' xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    b' mc:Ignorable="x14ac"'
)
TYPED = [  # what people typed into Uppföljning before the bot wrote anything
    [1, 2026, "Helår", "Ingen avvikelse", 5, 0, "Inskrivet för hand"],
    ["2", "2026", "helår ", "Mindre avvikelse", 8, 1, "ID och år som text"],
    [3, 2026, "Helår", "Ingen avvikelse", 3, 0, "Perioden i rich text"],
    [9, 2025, "Helår", "Större avvikelse", 2, 2, "Förra året, rörs inte"],
    [None, None, None, None, None, None, "En anteckning utan nyckel"],
]
SST = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d">%s</sst>'
)
STRINGS_REL = (
    b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" Type="http://schemas.'
    b'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
)
STRINGS_TYPE = (
    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
)
RICH_PERIOD = (
    b'<c r="C4" t="inlineStr"><is><r><t>Hel</t></r>'
    b'<r><rPr><b/><sz val="11"/></rPr><t>&#229;r</t></r></is></c>'
)


def typed_workbook(path: Path, *, comment: bool = False) -> Path:
    """A plan whose answers sheet holds ``TYPED``, saved as Excel saves a sheet; with
    ``comment`` an XML comment among the rows (which the byte index refuses)."""
    rich_workbook(path)
    book = openpyxl.load_workbook(path)
    ws = book[layout.ANSWER_SHEET]
    for number, values in enumerate(TYPED, start=2):
        for column, value in enumerate(values, start=1):
            ws.cell(number, column, value)
    last = len(TYPED) + 2  # an empty row below them, styled
    table = ws.tables[layout.ANSWER_TABLE]
    table.ref = f"A1:{get_column_letter(len(layout.ANSWER_HEADERS))}{last}"
    if table.autoFilter is not None:
        table.autoFilter.ref = table.ref
    book.save(path)
    strings: list[bytes] = []
    _rewrite_parts(
        path,
        {
            ANSWERS: lambda data: _shared(_as_excel_saves(data, last, comment), strings),
            "xl/_rels/workbook.xml.rels": lambda data: data.replace(
                b"</Relationships>", STRINGS_REL + b"</Relationships>"
            ),
            "[Content_Types].xml": lambda data: data.replace(
                b"</Types>", STRINGS_TYPE + b"</Types>"
            ),
        },
    )
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as out:
        items = b"".join(b'<si><t xml:space="preserve">' + t + b"</t></si>" for t in strings)
        out.writestr("xl/sharedStrings.xml", SST % (len(strings), items))
    return path


def _shared(data: bytes, strings: list[bytes]) -> bytes:
    """Columns A to D of the typed rows as Excel stores text: in the shared strings."""

    def share(cell: re.Match[bytes]) -> bytes:
        strings.append(cell.group(2))
        return b'<c r="%s" t="s"><v>%d</v></c>' % (cell.group(1), len(strings) - 1)

    typed = (
        rb'<c r="([A-D][2-6])" t="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is></c>'
    )
    return re.sub(typed, share, data)


def _as_excel_saves(data: bytes, empty_row: int, comment: bool) -> bytes:
    data = data.replace(b"<worksheet ", b"<worksheet" + EXCEL_ROOT + b" ", 1)
    data = re.sub(rb'<c r="C4"[^>]*?(?:/>|>.*?</c>)', RICH_PERIOD, data, count=1, flags=re.S)
    # A formula beside row 3, in a column the bot does not write.
    data = data.replace(b'</row><row r="4"', b'<c r="Q3"><f>E3*2</f><v>16</v></c></row><row r="4"')
    data = data.replace(
        b"</sheetData>",
        f'<row r="{empty_row}" spans="1:16" s="0" customFormat="1"/></sheetData>'.encode(),
    )
    data = re.sub(rb'<row r="(\d+)"', rb'<row r="\1" x14ac:dyDescent="0.25"', data)
    data = data.replace(b"<row ", b"\n  <row ")
    if comment:
        data = data.replace(b'\n  <row r="3"', b'<!-- skrivet i Excel --><row r="3"')
    return data


def _rewrite_parts(path: Path, changes: dict[str, Callable[[bytes], bytes]]) -> None:
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in members:
            change = changes.get(info.filename)
            out.writestr(info, change(data) if change else data)


def answers_part(path: Path) -> bytes:
    with zipfile.ZipFile(path) as package:
        return package.read(ANSWERS)


def row_bytes(part: bytes, number: int) -> bytes:
    found = re.search(rb'<row r="%d"[^>]*?(?:/>|>.*?</row>)' % number, part, re.S)
    assert found is not None
    return found.group()


def indexed(path: Path) -> bool:
    """Whether the answers sheet's rows can be patched as bytes."""
    package = Package.read(path)
    styles = Styles(package.part("xl/styles.xml"))
    return spliced(package.part(ANSWERS), SharedStrings(None), styles) is not None


@pytest.mark.parametrize("comment", [False, True], ids=["spliced", "parsed"])
def test_rows_people_typed_land_as_the_openpyxl_rewrite_lands_them(
    tmp_path: Path, comment: bool
) -> None:
    patched, rewritten = tmp_path / "a" / KEY, tmp_path / "b" / KEY
    typed_workbook(patched, comment=comment)
    assert indexed(patched) is not comment
    rewritten.parent.mkdir()
    shutil.copy(patched, rewritten)
    typed_in = read_workbook_file(patched, KEY).answers
    assert [(a.control_id, a.year) for a in typed_in] == [
        ("1", 2026),
        ("2", 2026),
        ("3", 2026),
        ("9", 2025),
    ]
    for batch in BATCHES:
        prior = read_workbook_file(patched, KEY).answers
        done = xlsx_writer.write_workbook_file(patched, KEY, batch)
        expected = xlsx_writer.rewrite_workbook_file(rewritten, KEY, batch)
        assert done.result == expected.result
        fresh = read_workbook_file(patched, KEY).answers
        assert fresh == read_workbook_file(rewritten, KEY).answers
        assert done.answers_after(prior) == fresh
    assert cells(patched) == cells(rewritten)
    ws = openpyxl.load_workbook(patched)[layout.ANSWER_SHEET]
    assert ws["Q3"].value == "=E3*2"  # the formula beside an updated row stays
    assert ws["G6"].value == "En anteckning utan nyckel"
    # The typed rows were updated in place, not written again below.
    keys = [(r[0], r[2]) for r in ws.iter_rows(min_row=2, max_col=3, values_only=True) if r[0]]
    assert len(keys) == len(set(keys)) == len(fresh)


async def test_rows_a_batch_does_not_touch_keep_their_bytes(tmp_path: Path) -> None:
    path = typed_workbook(tmp_path / KEY)
    before = answers_part(path)
    batch = [
        answer("2", answer_id="n2", at=T0, observations="'=1+1"),  # the row typed as text
        answer("3", answer_id="n3", at=T0),  # its period in rich text
        answer("4", answer_id="n4", at=T0, observations="\t-tabb\r\nrad"),  # new rows
        answer("5", answer_id="n5", at=T0),
    ]
    done = xlsx_writer.write_workbook_file(path, KEY, batch)
    assert (done.result.added, done.result.updated) == (2, 2)
    after = answers_part(path)
    for untouched in (1, 2, 5, 6):
        assert row_bytes(after, untouched) == row_bytes(before, untouched)
    assert row_bytes(after, 3) != row_bytes(before, 3)
    ws = openpyxl.load_workbook(path)[layout.ANSWER_SHEET]
    assert [r[0] for r in ws.iter_rows(min_row=2, max_col=1, values_only=True)] == [
        *(1, 2, 3, 9, None),
        *(4, 5),
    ]
    assert ws["G3"].value == "'=1+1" and ws["G3"].quotePrefix
    assert ws["G7"].value == "\t-tabb_x000D_\nrad"  # as Excel stores a CR
    assert ws["G7"].quotePrefix
    assert ws.tables[layout.ANSWER_TABLE].ref == "A1:P8"
    assert b'<dimension ref="A1:P8"/>' in after
    landed = {a.answer_id: a for a in read_workbook_file(path, KEY).answers}
    assert landed["n2"].observations == "'=1+1"
    assert landed["n4"].observations == "\t-tabb\r\nrad"


async def test_a_sheet_kept_between_batches_and_edited_in_between(tmp_path: Path) -> None:
    path = typed_workbook(tmp_path / KEY)
    for step in range(3):  # the parsed sheet is kept and used again
        xlsx_writer.write_workbook_file(
            path, KEY, [answer("1", answer_id=f"k{step}", at=T0.replace(minute=step))]
        )
    theirs = openpyxl.load_workbook(path)
    theirs[layout.ANSWER_SHEET]["G2"] = "Rättat av Maria"
    theirs.save(path)  # as someone else saved it: shared strings, no byte index kept
    xlsx_writer.write_workbook_file(path, KEY, [answer("5", answer_id="k5", at=T0)])
    landed = read_workbook_file(path, KEY).answers
    assert [(a.control_id, a.answer_id) for a in landed][:1] == [("1", "k2")]
    assert landed[0].observations == "Rättat av Maria"
    assert [a.answer_id for a in landed].count("k5") == 1


@pytest.mark.parametrize(
    "rows",
    [
        b'<row r="2"><!-- x --><c r="A2"><v>1</v></c></row>',
        b'<row r="2"><c r="A2"><v><![CDATA[1]]></v></c></row>',
        b'<row><c r="A2"><v>1</v></c></row>',
        b'<row r="2"><c s="1" r="A2"><v>1</v></c></row>',
        b'<row r="2"><c><v>1</v></c></row>',
        b'<row r="3"></row><row r="2"></row>',
        b'<row r="2"></row>text<row r="3"></row>',
        b'<row r="2"><c r="A2"><v>1</v></c>',
    ],
    ids=["comment", "cdata", "row-no-r", "cell-r-later", "cell-no-r", "order", "text", "open"],
)
def test_a_part_the_byte_index_cannot_read_safely_is_parsed_whole(rows: bytes) -> None:
    part = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b"<sheetData>" + rows + b"</sheetData></worksheet>"
    )
    assert spliced(part, SharedStrings(None), Styles(None)) is None


def test_a_shared_formula_is_refused_as_by_the_parsed_sheet() -> None:
    part = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2</f><v>1</v></c>'
        b"</row></sheetData></worksheet>"
    )
    with pytest.raises(CannotPatch):
        spliced(part, SharedStrings(None), Styles(None))


def test_a_part_in_another_encoding_or_with_prefixes_is_parsed_whole() -> None:
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rows = b'<row r="2"><c r="A2"><v>1</v></c></row>'
    good = b'<worksheet xmlns="' + main + b'"><sheetData>' + rows + b"</sheetData></worksheet>"
    assert spliced(good, SharedStrings(None), Styles(None)) is not None
    latin = b'<?xml version="1.0" encoding="ISO-8859-1"?>' + good
    prefixed = (
        good.replace(b"<", b"<x:").replace(b"<x:/", b"</x:").replace(b'xmlns="', b'xmlns:x="')
    )
    for part in (latin, prefixed):
        assert spliced(part, SharedStrings(None), Styles(None)) is None
