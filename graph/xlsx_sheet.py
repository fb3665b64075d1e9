"""One worksheet part read into values and patched cell by cell, the rest of its XML kept.

Values read here are what openpyxl would give for the same cells (formulas as ``=…``,
numbers in a date style as dates, text unescaped as Excel shows it), so the answers
sheet's rows decide an upsert exactly as they do on the openpyxl path. Cells are written as
inline strings (``t="inlineStr"``) or numbers, so ``sharedStrings.xml`` stays as it was.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from lxml import etree
from openpyxl.utils.cell import column_index_from_string, get_column_letter, range_boundaries
from openpyxl.utils.datetime import from_ISO8601

from graph import cells
from graph.xlsx_package import MAIN, CannotPatch, parse_xml
from graph.xlsx_styles import Styles

_ROW, _C, _V, _F, _IS, _T, _R = (f"{{{MAIN}}}{t}" for t in ("row", "c", "v", "f", "is", "t", "r"))
_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_DIGITS = "0123456789"
STYLE_SCAN = 100  # rows searched from the bottom for a column's style
_columns: dict[str, int] = {}


def _column(ref: str) -> int:
    """0-based column of a cell reference ("K12" -> 10)."""
    letters = ref.rstrip(_DIGITS)
    found = _columns.get(letters)
    if found is None:
        found = _columns[letters] = column_index_from_string(letters) - 1
    return found


def text_of(node: etree._Element) -> str:
    """The text of a shared or inline string (``<t>``, or rich-text runs; no phonetics)."""
    # Walking the children is several times faster than lxml's find() with a namespace.
    parts = []
    for child in node:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts += [t.text or "" for t in child if t.tag == _T]
    return "".join(parts)


class SharedStrings:
    """The shared string table, each string decoded (as openpyxl reads it) when first asked."""

    def __init__(self, xml: bytes | None) -> None:
        self._items = [] if xml is None else list(parse_xml(xml).iterchildren(f"{{{MAIN}}}si"))
        self._texts: dict[int, str] = {}

    def __getitem__(self, index: int) -> str:
        text = self._texts.get(index)
        if text is None:
            text = self._texts[index] = text_of(self._items[index]).replace("x005F_", "")
        return text


class Sheet:
    """A worksheet part: its cells' values, read when asked, and cells written back."""

    def __init__(self, xml: bytes, strings: SharedStrings, styles: Styles) -> None:
        self.root = parse_xml(xml)
        data = self.root.find(f"{{{MAIN}}}sheetData")
        if data is None:
            raise CannotPatch("the sheet has no sheetData")
        if any(f.get("t") not in (None, "normal") for f in self.root.iter(_F)):
            raise CannotPatch("the sheet has shared or array formulas")
        self._data = data
        self._strings = strings
        self.styles = styles
        self._rows: dict[int, etree._Element] = {}
        number = 0
        for row in data.iterchildren(_ROW):
            ref = row.get("r")
            number = int(ref) if ref else number + 1
            self._rows[number] = row
        self._numbers = sorted(self._rows)
        self._extent = (0, 0)  # (last row, last column) written
        self._column_styles: dict[int, int] = {}
        self.changed = False

    @property
    def last_row(self) -> int:
        """The number of the sheet's last row (0 when it has none)."""
        return self._numbers[-1] if self._numbers else 0

    def row_values(self, number: int) -> list[object]:
        """A row's values from column A (trailing empty cells left out)."""
        values: list[object] = []
        row = self._rows.get(number)
        column = -1
        for cell in row.iterchildren(_C) if row is not None else ():
            ref = cell.get("r")
            column = _column(ref) if ref else column + 1
            value = self._value(cell)
            if value is not None:
                values.extend([None] * (column - len(values)))
                values.append(value)
        return values

    def some_values(self, number: int, columns: Sequence[int]) -> list[object]:
        """A row's values in only these columns (the others None), from column A."""
        values: list[object] = [None] * (max(columns, default=-1) + 1)
        for column in columns:
            cell = self._find(number, column)
            if cell is not None:
                values[column] = self._value(cell)
        return values

    def _find(self, number: int, column: int) -> etree._Element | None:
        row = self._rows.get(number)
        if row is None:
            return None
        if column < len(row):  # cells usually sit at their own position: try it first
            guess = row[column]
            ref = guess.get("r")
            if guess.tag == _C and ref and _column(ref) == column:
                return guess
        position = -1
        for cell in row.iterchildren(_C):
            ref = cell.get("r")
            position = _column(ref) if ref else position + 1
            if position >= column:
                return cell if position == column else None
        return None

    def _value(self, cell: etree._Element) -> object:
        value = formula = inline = None
        for child in cell:
            tag = child.tag
            if tag == _V:
                value = child.text or None
            elif tag == _F:
                formula = child
            elif tag == _IS:
                inline = child
        if formula is not None:
            return "=" + (formula.text or "")
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            return None if inline is None else cells.from_xlsx_text(text_of(inline))
        if value is None:
            return None
        if kind == "n":
            number = float(value) if any(c in value for c in ".Ee") else int(value)
            return self.styles.date_value(int(cell.get("s") or 0), number)
        if kind == "s":
            return cells.from_xlsx_text(self._strings[int(value)])
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return cells.from_xlsx_text(value) if kind == "str" else value

    def column_style(self, column: int, below: int) -> int:
        """The style of the column's last cell below row ``below`` among the sheet's last
        rows as read (a new cell in the column takes it); 0 when they have none."""
        style = self._column_styles.get(column)
        if style is None:
            # Files may leave empty cells out: a column can be empty for thousands of rows,
            # and a batch must not scan them all for each column.
            last = [n for n in self._numbers[-STYLE_SCAN:] if n > below]
            found = (self._style_at(number, column) for number in reversed(last))
            style = next((s for s in found if s is not None), 0)
            self._column_styles[column] = style
        return style

    def _style_at(self, number: int, column: int) -> int | None:
        """The style of a row's cell in ``column``; None when the row has no such cell."""
        cell = self._find(number, column)
        return None if cell is None else int(cell.get("s") or 0)

    def put_row(
        self,
        number: int,
        values: Mapping[int, Any],
        bases: Mapping[int, int],
        formats: Mapping[int, str],
    ) -> None:
        """Write values into a row by 0-based column (None or "" empties a cell, keeping
        its style); a new cell takes its column's ``bases`` style, and a date cell without a
        date style the one of ``formats``."""
        row = self._row(number)
        row.attrib.pop("spans", None)  # optional, and it would have to cover the new cells
        found: dict[int, etree._Element] = {}
        position = -1
        for cell in row.iterchildren(_C):
            ref = cell.get("r")
            position = _column(ref) if ref else position + 1
            found[position] = cell
        order = sorted(found)
        for column in sorted(values):
            cell = found.get(column)
            if cell is None:
                cell = etree.Element(_C)
                at = bisect.bisect(order, column)
                if at < len(order):
                    found[order[at]].addprevious(cell)
                else:
                    row.append(cell)
                order.insert(at, column)
                found[column] = cell
                base = bases.get(column, 0)
            else:
                base = int(cell.get("s") or 0)
            cell.set("r", f"{get_column_letter(column + 1)}{number}")
            self._write(cell, values[column], base, formats.get(column))
        last = max(values, default=-1) + 1
        self._extent = (max(self._extent[0], number), max(self._extent[1], last))
        self.changed = True

    def _write(self, cell: etree._Element, value: Any, base: int, date_format: str | None) -> None:
        if any(child.tag == _F for child in cell):
            raise CannotPatch("a formula cell would be overwritten")
        text = cells.clean_text(value) if isinstance(value, str) else None
        quoted = text is not None and cells.needs_quote_prefix(text)
        dated = isinstance(value, date)
        style = self.styles.style_for(
            base, date_format=date_format if dated else None, quoted=quoted
        )
        for child in list(cell):
            cell.remove(child)
        for attr in ("t", "cm", "vm", "ph"):
            cell.attrib.pop(attr, None)
        if style:
            cell.set("s", str(style))
        else:
            cell.attrib.pop("s", None)
        if text:
            cell.set("t", "inlineStr")
            node = etree.SubElement(etree.SubElement(cell, _IS), _T)
            node.text = cells.xlsx_text(text)
            if text != text.strip() or "\n" in text:
                node.set(_SPACE, "preserve")
        elif isinstance(value, bool):
            cell.set("t", "b")
            etree.SubElement(cell, _V).text = str(int(value))
        elif isinstance(value, int | float) or dated:
            number = cells.to_serial(value) if isinstance(value, date) else value
            etree.SubElement(cell, _V).text = repr(number)

    def _row(self, number: int) -> etree._Element:
        row = self._rows.get(number)
        if row is None:
            row = etree.Element(_ROW, r=str(number))
            at = bisect.bisect(self._numbers, number)
            if at < len(self._numbers):
                self._rows[self._numbers[at]].addprevious(row)
            else:
                self._data.append(row)
            self._numbers.insert(at, number)
            self._rows[number] = row
        return row

    def finish_keep(self) -> None:
        """Start afresh from the sheet as written (it is kept for the next batch)."""
        self._extent = (0, 0)
        self.changed = False

    def finish(self) -> None:
        """Make the sheet's ``dimension`` cover the cells written."""
        dimension = self.root.find(f"{{{MAIN}}}dimension")
        if dimension is None or not self._extent[0]:
            return
        try:
            min_col, min_row, max_col, max_row = range_boundaries(dimension.get("ref", "A1"))
        except ValueError:
            return
        max_row = max(max_row or 1, self._extent[0])
        max_col = max(max_col or 1, self._extent[1])
        first = f"{get_column_letter(min_col or 1)}{min_row or 1}"
        dimension.set("ref", f"{first}:{get_column_letter(max_col)}{max_row}")
