"""The regular-expression scan of a sheet's cells reads exactly what lxml reads, and gives up
(so lxml reads the sheet) on anything it does not read as an XML parser would.

Each case compares ``StreamBook._read`` (the scan where it applies) with ``StreamBook._parse``
given no scanned cells (lxml's row loop, as before the scan); both are the reader's own
paths, on real files and on sheets drawn by Hypothesis."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, range_boundaries

from graph import layout, xlsx_scan
from graph.excel_local import LocalSource
from graph.xlsx_stream import SheetData, StreamBook
from tests.graph.real_plans import REAL_PLANS
from tests.graph.rich_workbook import rich_workbook
from tests.graph.test_text_fidelity import nasty_answers
from tests.graph.test_xlsx_splice import ANSWERS, RICH_PERIOD, _rewrite_parts, typed_workbook
from tests.graph.workbooks import HEADER, plan_rows, write_xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROOT = f'<worksheet xmlns="{MAIN}">'
PART = "xl/worksheets/sheet1.xml"
pytestmark = pytest.mark.filterwarnings("ignore:Data Validation extension:UserWarning")


def _read_both(book: StreamBook, title: str, part: str, xml: bytes) -> tuple[Any, Any]:
    """(what the reader reads, what lxml alone reads): a SheetData, or the exception's type."""
    found: list[Any] = []
    for read in (
        lambda: book._read(title, part, xml),
        lambda: book._parse(title, part, xml, None),
    ):
        try:
            found.append(read())
        except Exception as error:  # noqa: BLE001 - compared: both paths fail alike
            found.append(type(error))
    return found[0], found[1]


def _scanned(xml: bytes) -> bool:
    split = xlsx_scan.split_sheet_data(xml)
    return split is not None and xlsx_scan.scan_cells(split[0], lambda *_: None) is not None


def _every_sheet(path: Path) -> list[tuple[str, bool]]:
    """Each worksheet of the file read both ways (asserted equal): (title, scanned)."""
    book = StreamBook(path)
    found = []
    for title, part in book.sheets:
        xml = book._package.part(part)
        read, parsed = _read_both(book, title, part, xml)
        assert read == parsed, title
        assert isinstance(read, SheetData)
        found.append((title, _scanned(xml)))
    return found


@pytest.mark.parametrize("name", list(REAL_PLANS))
def test_the_real_plans_are_scanned_and_read_as_lxml_reads_them(tmp_path: Path, name: str) -> None:
    _, build = REAL_PLANS[name]
    sheets = _every_sheet(build(tmp_path, mapped=True))
    assert all(scanned for _, scanned in sheets), sheets


def test_a_rich_workbook_reads_the_same(tmp_path: Path) -> None:
    # Formulas with cached values, merged cells, a chart, conditional formatting, a comment.
    sheets = dict(_every_sheet(rich_workbook(tmp_path / "rich.xlsx")))
    assert sheets["Kontrollplan"] is True


async def test_the_answers_the_bot_wrote_are_scanned_as_typed(tmp_path: Path) -> None:
    rows = [[*row[:5], "Helår", row[6]] for row in plan_rows(30)]
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *rows])
    await LocalSource(tmp_path, in_process=True).workbook(path.name).write_answers(nasty_answers())
    sheets = dict(_every_sheet(path))
    assert sheets[layout.ANSWER_SHEET] is True  # tabs, quotes, "_x000D_", "#N/A", "<&>" …


@pytest.mark.parametrize("comment", [False, True])
def test_a_sheet_as_excel_saves_it_reads_the_same(tmp_path: Path, comment: bool) -> None:
    # Shared strings, rows on their own lines with Excel's x14ac attributes, a formula; with
    # an XML comment among the rows, or a rich-text inline string, only lxml reads it.
    path = typed_workbook(tmp_path / "typed.xlsx", comment=comment)
    assert dict(_every_sheet(path))[layout.ANSWER_SHEET] is False  # the rich inline string
    plain = b'<c r="C4" t="s"><v>0</v></c>'
    _rewrite_parts(path, {ANSWERS: lambda data: data.replace(RICH_PERIOD, plain)})
    assert dict(_every_sheet(path))[layout.ANSWER_SHEET] is not comment


def test_a_large_plan_is_scanned(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "plan.xlsx", [HEADER, *plan_rows(2_000)])
    assert _every_sheet(path) == [("Kontrollplan", True)]


# --- sheets drawn by Hypothesis ------------------------------------------------------------


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> StreamBook:
    """A workbook saved as Excel saves one (shared strings, date styles), whose sheets the
    tests replace with drawn XML."""
    return StreamBook(typed_workbook(tmp_path_factory.mktemp("scan") / "book.xlsx"))


XML_CHARACTERS = st.characters(
    blacklist_categories=["Cs"],
    blacklist_characters=[chr(c) for c in range(0x20) if c not in (0x9, 0xA)] + ["\r"],
).filter(lambda c: c not in "\ufffe\uffff")


@st.composite
def xml_text(draw: st.DrawFn) -> str:
    """Text as a writer may escape it: raw, by name, by decimal or hexadecimal reference."""
    out = []
    for char in draw(st.lists(XML_CHARACTERS | st.sampled_from("<>&\"'\r_x0D"), max_size=12)):
        how = draw(st.sampled_from(["raw", "decimal", "hex", "name"]))
        named = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;"}
        if how == "decimal" or char == "\r":
            out.append(f"&#{ord(char)};")
        elif how == "hex":
            out.append(f"&#x{ord(char):x};")
        elif char in "<&" or (how == "name" and char in named):
            out.append(named[char])
        else:
            out.append(char)
    return "".join(out)


@st.composite
def cell(draw: st.DrawFn, row: int, column: int) -> tuple[str, bool]:
    """A cell, and whether it is one of the plain shapes the scan reads."""
    attributes = ""
    if draw(st.booleans()):
        letters = get_column_letter(column)
        attributes += f' r="{letters}{row}"'
    if draw(st.booleans()):
        attributes += f' s="{draw(st.sampled_from(["0", "1", "2", "7"]))}"'
    kind = draw(st.sampled_from([None, "n", "s", "inlineStr", "str", "b", "e", "d", "x"]))
    if kind is not None:
        attributes += f' t="{kind}"'
    values = {
        None: st.sampled_from(["1", "2.5", "1E3", "45000", "-0.25", "", "x", " 7 "]),
        "n": st.sampled_from(["1", "0.5", "45000.75"]),
        "s": st.sampled_from(["0", "1", "2", "3"]),
        "b": st.sampled_from(["0", "1"]),
        "d": st.sampled_from(["2026-12-31", "2026-06-30T12:30:00"]),
    }
    value = draw(values.get(kind, xml_text()))
    content = draw(
        st.sampled_from(
            ["", "v", "v", "v/", "is", "is", "t/", "f", "f/", "fv", "rich", "extra", "order"]
        )
    )
    inner = {
        "": None,
        "v": f"<v>{value}</v>",
        "v/": "<v/>",
        "is": f"<is><t>{value}</t></is>",
        "t/": "<is><t/></is>",
        "f": f"<f>A1&amp;B1</f><v>{value}</v>",
        "f/": f'<f t="shared" si="0"/><v>{value}</v>',
        "fv": "<f>1+1</f>",
        "rich": f"<is><r><t>{value}</t></r><r><t>!</t></r></is>",  # not plain: lxml reads it
        "extra": f'<v>{value}</v><extLst><ext uri="x"/></extLst>',  # not plain either
        "order": f'<v xml:space="preserve">{value}</v>',  # nor an attribute on <v>
    }[content]
    plain = content not in ("rich", "extra", "order")
    return (f"<c{attributes}/>" if inner is None else f"<c{attributes}>{inner}</c>"), plain


@st.composite
def sheet_xml(draw: st.DrawFn) -> tuple[bytes, bool]:
    """A worksheet part, and whether the scan should read its cells (all plain)."""
    rows = []
    plain = True
    number = 0
    for _ in range(draw(st.integers(0, 5))):
        number += draw(st.integers(1, 3))
        attributes = f' r="{number}"' if draw(st.booleans()) else ""
        if draw(st.booleans()):
            attributes += ' spans="1:4" ht="15"'
        columns = sorted(draw(st.sets(st.integers(1, 30), max_size=5)))
        drawn = [draw(cell(number, c)) for c in columns]
        cells = [text for text, _ in drawn]
        plain = plain and all(ok for _, ok in drawn)
        separator = draw(st.sampled_from(["", "", "\n  "]))
        if not cells and draw(st.booleans()):
            rows.append(f"<row{attributes}/>")
        else:
            rows.append(f"<row{attributes}>{separator.join(cells)}</row>")
    body = draw(st.sampled_from(["", "\n"])).join(rows)
    quirk = draw(
        st.sampled_from(["", "", "", "comment", "quote", "prefix", "cdata", "swap", "entity"])
    )
    before = body
    body = {
        "": body,
        "comment": f"<!-- a note -->{body}",
        "quote": body.replace('r="', "r='", 1).replace('">', "'>", 1) if 'r="' in body else body,
        "prefix": body,
        "cdata": body.replace("<v>", "<v><![CDATA[]]>", 1),
        "swap": body.replace(' s="0" t="n"', ' t="n" s="0"'),
        "entity": body.replace("<v>", "<v>&nbsp;", 1),
    }[quirk]
    plain = plain and body == before and quirk != "comment" and "]]>" not in body
    merges = draw(
        st.sampled_from(["", '<mergeCells count="1"><mergeCell ref="A1:B2"/></mergeCells>'])
    )
    data = f"<sheetData>{body}</sheetData>" if body or draw(st.booleans()) else "<sheetData/>"
    if quirk == "prefix":
        data = data.replace("<", "<x:").replace("<x:/", "</x:")
        return f'<x:worksheet xmlns:x="{MAIN}">{data}</x:worksheet>'.encode(), False
    declaration = draw(
        st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'])
    )
    xml = f'{declaration}<worksheet xmlns="{MAIN}">{data}{merges}</worksheet>'.encode()
    return xml, plain


@settings(max_examples=600)
@given(drawn=sheet_xml())
def test_any_sheet_reads_as_lxml_reads_it(book: StreamBook, drawn: tuple[bytes, bool]) -> None:
    xml, plain = drawn
    assert _scanned(xml) is plain
    read, parsed = _read_both(book, "Blad", PART, xml)
    assert read == parsed


@pytest.mark.parametrize(
    "body",
    [
        '<row r="1"><c r="A1" t="s" s="0"><v>1</v></c></row>',  # attributes in another order
        "<row r='1'><c r=\"A1\"><v>1</v></c></row>",  # single quotes
        '<row r="1"><!-- note --><c r="A1"><v>1</v></c></row>',  # a comment
        '<row r="1"><c r="A1" t="inlineStr"><is><r><t>a</t></r></is></c></row>',  # rich text
        '<row r="1"><c r="A1"><v>&nbsp;</v></c></row>',  # an entity XML does not define
        '<row r="1"><c r="A1"><v>&#1;</v></c></row>',  # a reference XML does not allow
        '<row r="1"><c r="A1"><v>1\r</v></c></row>',  # a carriage return XML reads as a line feed
        '<row r="1"><c r="A1"><v>]]></v></c></row>',
        '<c r="A1"><v>1</v></c>',  # a cell outside a row
        '<row r="1"><row r="2"></row></row>',
        '<row r="1"><c r="A1"><v>1</v></c>',  # a row not ended
        '<row spans="1:2" r="1"><c r="A1"><v>1</v></c></row>',  # its number not first
    ],
)
def test_what_is_not_plain_is_left_to_lxml(book: StreamBook, body: str) -> None:
    xml = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()
    assert not _scanned(xml)
    read, parsed = _read_both(book, "Blad", PART, xml)
    assert read == parsed


@pytest.mark.parametrize(
    "xml",
    [
        b"\xef\xbb\xbf<worksheet><sheetData/></worksheet>",  # a byte order mark
        '<?xml version="1.0" encoding="ISO-8859-1"?><worksheet><sheetData/></worksheet>'.encode(
            "latin-1"
        ),
        f'<worksheet xmlns="{MAIN}"><sheetData/><sheetData></sheetData></worksheet>'.encode(),
        f'<worksheet xmlns="{MAIN}"><!-- <sheetData> --><sheetData/></worksheet>'.encode(),
        (ROOT + "<!-- <sheetData> --><sheetData> </sheetData></worksheet>").encode(),
    ],
)
def test_a_part_not_plainly_one_sheet_data_in_utf8_is_left_to_lxml(
    book: StreamBook, xml: bytes
) -> None:
    read, parsed = _read_both(book, "Blad", PART, xml)
    assert read == parsed


def test_what_the_scan_decodes(book: StreamBook) -> None:
    body = (
        '<row r="2" spans="1:5"><c r="A2" t="inlineStr"><is><t xml:space="preserve">'
        " &lt;&amp;lt;&gt;&#228;&#xE5;&quot;&apos;\t_x000D_</t></is></c>"
        '<c r="C2" t="s"><v>1</v></c><c r="D2" s="1"/><c r="E2"><f>1+1</f><v>2</v></c>'
        '<c r="F2" t="b"><v>1</v></c><c r="G2" t="e"><f>NA()</f><v>#N/A</v></c></row><row/>'
        '<row><c t="inlineStr"><is><t/></is></c><c><v>2.5</v></c></row>'
    )
    xml = f'<worksheet xmlns="{MAIN}"><sheetData>{body}</sheetData></worksheet>'.encode()
    assert _scanned(xml)
    read, parsed = _read_both(book, "Blad", PART, xml)
    assert read == parsed
    assert read.rows == [
        [None, None, None, None, None, None, None],
        [" <&lt;>äå\"'\t\r", None, book._strings[1], None, 2, True, "#N/A"],
        [None] * 7,
        ["", 2.5, None, None, None, None, None],
    ]


def test_a_broken_part_fails_as_it_did(book: StreamBook) -> None:
    xml = f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"></row></sheetData>'.encode()
    with pytest.raises(etree.XMLSyntaxError):
        book._read("Blad", PART, xml)


def _outcome(read: Callable[[], object]) -> object:
    try:
        return read()
    except Exception as error:  # noqa: BLE001 - compared: both refuse alike
        return type(error)


@pytest.mark.parametrize(
    "ref",
    ["A1", "A1:P7001", "$A$1:$B$2", "XFD1048576", "ZZZ1", "B5:A1", "a1:b2", "A:A", "1:3", "AAAA1"],
)
def test_a_range_reads_as_openpyxl_reads_it(ref: str) -> None:
    assert _outcome(lambda: xlsx_scan.cell_range(ref)) == _outcome(lambda: range_boundaries(ref))


@pytest.mark.parametrize("letters", ["A", "Z", "AA", "AZ", "ZZ", "AAA", "ZZZ", "a", "AAAA", ""])
def test_a_column_reads_as_openpyxl_reads_it(letters: str) -> None:
    ours = _outcome(lambda: xlsx_scan.column_number(letters))
    assert ours == _outcome(lambda: column_index_from_string(letters))
