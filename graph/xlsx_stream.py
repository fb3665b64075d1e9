"""Reading a workbook's plan and answers by streaming the sheets' XML, without openpyxl.

Loading a 10,000-row plan with openpyxl takes seconds (it builds a Cell object for every
cell of every sheet, charts and styles included); this reader parses only the sheets the
plan reader looks at — the plan sheet (or the candidates), Inställningar and Uppföljning —
with lxml's ``iterparse``, one row at a time (or, written plainly, its cells with one
regular expression: ``graph.xlsx_scan``), and gives the plan reader exactly the rows
openpyxl would give it (``load_workbook(data_only=True)`` and ``iter_rows``): every row
from the first to the last with a cell, each as wide as the widest, cached values for
formulas, numbers in a date style as dates, merged ranges blank but their top-left cell.
A workbook it does not read the way openpyxl would (the 1904 date system, a part it cannot
find) raises ``Unsupported``, and the caller reads it with openpyxl instead.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from graph import layout, lazy_openpyxl, xlsx_scan
from graph.cells import from_xlsx_text
from graph.xlsx_package import MAIN, REL, WORKSHEET_TYPE, CannotPatch, Package, parse_xml

if TYPE_CHECKING:
    from graph.xlsx_sheet import SharedStrings
    from graph.xlsx_styles import Styles

_ROW, _C, _V, _IS, _T = (f"{{{MAIN}}}{t}" for t in ("row", "c", "v", "is", "t"))
_MERGE, _TABLE_PART = f"{{{MAIN}}}mergeCell", f"{{{MAIN}}}tablePart"
_SHEET_DATA = f"{{{MAIN}}}sheetData"
_SHARED = f"{REL}/sharedStrings"
_STYLES = f"{REL}/styles"
_TABLE = f"{REL}/table"
_DIGITS = "0123456789"


class Unsupported(Exception):  # noqa: N818 - a reason to fall back, not a failure
    """The workbook holds something this reader does not read as openpyxl would."""


@dataclass(slots=True)
class SheetData:
    """One worksheet as the plan reader needs it: rows, merged ranges and tables."""

    title: str
    rows: list[list[Any]]  # rows[0] is Excel row 1; text unescaped as Excel shows it
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # bounds, 1-based
    tables: list[tuple[str, str]] = field(default_factory=list)  # (name, ref), listed order


class StreamBook:
    """An .xlsx file's worksheets, each parsed when first asked for."""

    def __init__(self, path: Path) -> None:
        try:
            self._package = Package.read(path)
            book = self._package.workbook_part()
            rels = self._package.relationships(book)
            root = parse_xml(self._package.part(book))
        except CannotPatch as error:
            raise Unsupported(str(error)) from error
        pr = root.find(f"{{{MAIN}}}workbookPr")
        if pr is not None and pr.get("date1904") in ("1", "true"):
            raise Unsupported("the 1904 date system")
        self.sheets: list[tuple[str, str]] = []  # (title, part), worksheets in book order
        for sheet in root.iter(f"{{{MAIN}}}sheet"):
            kind, target = rels.get(sheet.get(f"{{{REL}}}id", ""), ("", ""))
            if kind == WORKSHEET_TYPE:
                if target not in self._package.members:
                    raise Unsupported(f"the sheet part {target} is missing")
                self.sheets.append((str(sheet.get("name", "")), target))
        by_kind = {kind: target for kind, target in rels.values()}
        shared = by_kind.get(_SHARED)
        styles = by_kind.get(_STYLES)
        self._shared_part, self._styles_part = shared, styles
        self._parsed: dict[str, SheetData] = {}

    # The shared strings and the styles are read when a sheet is parsed here: a start whose
    # plan a child process read (graph.read_ahead) needs neither, nor openpyxl, which the
    # styles' number formats import.
    @functools.cached_property
    def _strings(self) -> SharedStrings:
        lazy_openpyxl.load()
        from graph.xlsx_sheet import SharedStrings

        return SharedStrings(self._part(self._shared_part))

    @functools.cached_property
    def _styles(self) -> Styles:
        lazy_openpyxl.load()
        from graph.xlsx_styles import Styles

        return Styles(self._part(self._styles_part))

    def _part(self, name: str | None) -> bytes | None:
        if name is None or name not in self._package.members:
            return None
        return self._package.part(name)

    @property
    def titles(self) -> list[str]:
        """The worksheets' titles, in the workbook's order."""
        return [title for title, _ in self.sheets]

    def named(self, title: str) -> str | None:
        """The title of the worksheet with this title, ignoring case and surrounding
        whitespace (the first, if several)."""
        return layout.sheet_named(self.titles, title)

    def find(self, title: str) -> SheetData | None:
        """The worksheet with this title, ignoring case and surrounding whitespace."""
        found = self.named(title)
        return self.sheet(found) if found is not None else None

    def sheet(self, title: str) -> SheetData:
        """The worksheet with exactly this title, parsed."""
        data = self._parsed.get(title)
        if data is None:
            part = next(p for t, p in self.sheets if t == title)
            # Inflated in one go: lxml reads a zip member's stream in small pieces, and
            # zipfile's per-read overhead then costs more than the parsing.
            data = self._parsed[title] = self._read(title, part, self._package.part(part))
        return data

    def _read(self, title: str, part: str, xml: bytes) -> SheetData:
        split = xlsx_scan.split_sheet_data(xml)
        if split is not None:  # the cells read by one regular expression if written plainly
            cells = xlsx_scan.scan_cells(split[0], self._typed)
            if cells is not None:
                try:  # the rest of the part (merged ranges, tables) parsed as before
                    return self._parse(title, part, split[1], cells)
                except (etree.XMLSyntaxError, xlsx_scan.NotPlain):
                    pass  # cut in the wrong place after all: read it all with lxml
        return self._parse(title, part, xml, None)

    def _parse(
        self, title: str, part: str, xml: bytes, scanned: dict[int, list[Any]] | None
    ) -> SheetData:
        # Excel row -> its values from column A (the scanned cells, or read below)
        cells: dict[int, list[Any]] = {} if scanned is None else scanned
        merged: list[tuple[int, int, int, int]] = []
        table_ids: list[str] = []
        sheet_data = 0
        number = 0
        events = etree.iterparse(
            io.BytesIO(xml),
            events=("end",),
            tag=(_ROW, _MERGE, _TABLE_PART, _SHEET_DATA),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        )
        # The loop below runs once per cell (some 200,000 in a large plan), so it reads the
        # common cells (text, shared strings, plain numbers) inline rather than through
        # ``_value``, and looks a reference's column up by its letters.
        value_of = self._value
        strings = self._strings
        dates = self._styles.date_styles
        date_value = self._styles.date_value
        columns = xlsx_scan.COLUMNS
        for _, element in events:
            tag = element.tag
            if tag == _ROW:
                ref = element.get("r")
                number = int(ref) if ref else number + 1
                digits = -len(str(number))
                values = cells.get(number)
                if values is None:
                    values = cells[number] = []
                column = 0
                for cell in element.iterchildren(_C):
                    coordinate = cell.get("r")
                    if not coordinate:
                        column += 1
                    else:
                        found = columns.get(coordinate[:digits])
                        column = (
                            found
                            if found is not None
                            else xlsx_scan.column_number(coordinate.rstrip(_DIGITS))
                        )
                    kind = cell.get("t")
                    first = cell[0] if len(cell) else None
                    value: Any = None
                    if first is None:
                        pass  # no value (a styled blank)
                    elif kind == "s" and first.tag == _V:
                        text = first.text
                        if text:
                            value = strings[int(text)]
                            if "_x" in value:
                                value = from_xlsx_text(value)
                    elif kind == "inlineStr" and first.tag == _IS and len(first) == 1:
                        run = first[0]
                        if run.tag == _T:
                            value = run.text or ""
                            if "_x" in value:
                                value = from_xlsx_text(value)
                        else:
                            value = value_of(cell)
                    elif (kind is None or kind == "n") and first.tag == _V:
                        text = first.text
                        if text:
                            value = (
                                float(text)
                                if "." in text or "E" in text or "e" in text
                                else int(text)
                            )
                            style = cell.get("s")
                            if style and int(style) in dates:
                                value = date_value(int(style), value)
                    else:
                        value = value_of(cell)  # formulas, booleans, rich text, errors
                    if column > len(values):  # cells come in column order: mostly appended
                        values.extend([None] * (column - 1 - len(values)))
                        values.append(value)
                    else:
                        values[column - 1] = value
                if not values:
                    del cells[number]  # a row without cells (only its height): not a row
                element.clear()
                while element.getprevious() is not None:  # rows already read: free them
                    del element.getparent()[0]
            elif tag == _MERGE:
                try:
                    bounds = xlsx_scan.cell_range(element.get("ref", ""))
                except (TypeError, ValueError) as error:
                    raise Unsupported("a merged range without bounds") from error
                if None in bounds:
                    raise Unsupported("a merged range of whole rows or columns")
                merged.append(bounds)  # type: ignore[arg-type]
            elif tag == _SHEET_DATA:
                sheet_data += 1
                if scanned is not None and len(element):
                    raise xlsx_scan.NotPlain("the scanned sheetData was not the sheet's")
            else:
                table_ids.append(element.get(f"{{{REL}}}id", ""))
        if scanned is not None and sheet_data != 1:
            raise xlsx_scan.NotPlain("the scanned sheetData was not the sheet's")
        for min_col, min_row, max_col, max_row in merged:
            # openpyxl blanks every cell of a merged range but its top-left one, and the
            # range counts towards the sheet's size.
            for r in range(min_row, max_row + 1):
                row = cells.setdefault(r, [])
                if len(row) < max_col:
                    row.extend([None] * (max_col - len(row)))
                for c in range(min_col - 1, max_col):
                    if (r, c) != (min_row, min_col - 1):
                        row[c] = None
        rows: list[list[Any]] = [[None]]  # openpyxl's empty sheet: one empty cell
        if cells:
            width = max(len(r) for r in cells.values())
            rows = [cells.get(r, []) for r in range(1, max(cells) + 1)]
            for row in rows:
                if len(row) < width:
                    row.extend([None] * (width - len(row)))
        return SheetData(title, rows, merged, self._tables(part, table_ids))

    def _tables(self, part: str, ids: list[str]) -> list[tuple[str, str]]:
        if not ids:
            return []
        rels = self._package.relationships(part)
        found = []
        for rel_id in ids:
            kind, target = rels.get(rel_id, ("", ""))
            if kind != _TABLE or target not in self._package.members:
                continue
            table = parse_xml(self._package.part(target))
            found.append((str(table.get("name", "")), str(table.get("ref", ""))))
        return found

    def _value(self, cell: etree._Element) -> Any:
        """The cell's value as openpyxl reads it with ``data_only=True`` (a formula's cached
        value), text unescaped as Excel shows it."""
        value = inline = None
        # Walking the children is several times faster than lxml's find() with a namespace.
        for child in cell:
            tag = child.tag
            if tag == _V:
                if value is None:
                    value = child.text
            elif tag == _IS:
                inline = child
        kind = cell.get("t")
        if kind == "inlineStr":
            lazy_openpyxl.load()
            from graph.xlsx_sheet import text_of

            return from_xlsx_text(text_of(inline)) if inline is not None else None
        if not value:
            return None
        style = cell.get("s")
        return self._typed(kind, value, int(style) if style else None)

    def _typed(self, kind: str | None, value: str, style: int | None) -> Any:
        """A value element's text (not empty) as openpyxl reads it, by the cell's type."""
        if kind is None or kind == "n":
            number: float = float(value) if any(c in value for c in ".Ee") else int(value)
            return self._styles.date_value(style, number) if style is not None else number
        if kind == "s":
            return from_xlsx_text(self._strings[int(value)])
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            lazy_openpyxl.load()  # rare: openpyxl only then
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(value)
        return from_xlsx_text(value)  # "str" (a formula's text) and "e" (an error: #N/A)


def answer_header(sheet: SheetData) -> tuple[int, layout.AnswerColumns] | None:
    """The answers' header row (1-based) and columns: the table's, or the first row of the
    first 50 that reads as the answers header (as ``xlsx_reader.answer_area``)."""
    tables = dict(sheet.tables)
    ref = tables.get(layout.ANSWER_TABLE) or (sheet.tables[0][1] if sheet.tables else None)
    if ref is not None:
        min_col, min_row, max_col, _ = xlsx_scan.cell_range(ref)
        assert min_col is not None and min_row is not None and max_col is not None
        row = sheet.rows[min_row - 1] if min_row <= len(sheet.rows) else []
        header: list[object] = [None] * (min_col - 1)
        header += [row[c - 1] if c <= len(row) else None for c in range(min_col, max_col + 1)]
        return min_row, layout.answer_columns(header)
    for number, row in enumerate(sheet.rows[:50], start=1):
        columns = layout.answer_columns(row)
        if layout.is_answer_header(columns):
            return number, columns
    return None


def rows_below(sheet: SheetData, header_row: int) -> Iterator[list[Any]]:
    """The sheet's rows after the header row."""
    return iter(sheet.rows[header_row:])
