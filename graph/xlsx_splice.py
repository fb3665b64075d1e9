"""A worksheet part patched as bytes: rows found by their tags, only the changed ones anew.

``graph.xlsx_sheet.Sheet`` parses the whole part into a tree, which at 10,000 answer rows
(6 MB of XML) cost more than the rest of a batch together. ``SplicedSheet`` gives the same
reads and writes from an index of the rows' byte ranges instead: the key cells an upsert
looks for are read by one regex scan, a row of plain cells is read and written as bytes
(``graph.xlsx_splice_cells``: a written cell's XML is what ``Sheet`` would make), a row
holding more (a formula, rich text) is parsed with lxml and written through ``Sheet``'s
own code, and the part is written back by splicing the changed rows into the old bytes
(new rows go before the next row, or at the end); every other row keeps its bytes. The
rest of the part (everything outside ``sheetData``) goes through lxml as before, so the
``dimension`` is kept up to date the same way.

``spliced`` returns None for a part it cannot index safely (another encoding, a DOCTYPE,
comments or CDATA among the rows, namespace prefixes, rows without their ``r``, cells whose
``r`` is not first, rows out of order); the caller then parses the whole part.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Any

from lxml import etree
from openpyxl.utils.cell import get_column_letter

from graph import cells
from graph.xlsx_package import MAIN, CannotPatch, parse_xml, to_xml
from graph.xlsx_sheet import SharedStrings, Sheet
from graph.xlsx_splice_cells import (
    PLAIN_BODY,
    UNREAD,
    Cell,
    CellValues,
    cell_xml,
    is_formula,
    kept_attributes,
    split_row,
)
from graph.xlsx_splice_index import DATA_CLOSE, SKELETON_DATA, Index, index_rows, locate
from graph.xlsx_styles import Styles

__all__ = ["SplicedSheet", "spliced"]

_ROW_TAG = f"{{{MAIN}}}row"
_XMLNS = re.compile(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"')


class LazyStrings(SharedStrings):
    """The shared strings, parsed on the first lookup (the key reads may need none)."""

    def __init__(self, load: Callable[[], bytes | None]) -> None:
        # SharedStrings.__init__ would parse them now.
        self._load = load
        self._strings: SharedStrings | None = None

    def __getitem__(self, index: int) -> str:
        if self._strings is None:
            self._strings = SharedStrings(self._load())
        return self._strings[index]


class _LazyRows(dict[int, etree._Element]):
    """Row number -> row element, each parsed from the part's bytes when first asked."""

    def __init__(self, load: Callable[[int], etree._Element]) -> None:
        super().__init__()
        self._load = load

    def __missing__(self, number: int) -> etree._Element:
        row = self[number] = self._load(number)  # KeyError when there is no such row
        return row

    def get(self, number: int, default: etree._Element | None = None) -> etree._Element | None:  # type: ignore[override]
        try:
            return self[number]
        except KeyError:
            return default


def spliced(xml: bytes, strings: SharedStrings, styles: Styles) -> SplicedSheet | None:
    """The part as a ``SplicedSheet``; None when it cannot be indexed safely."""
    located = locate(xml)
    return None if located is None else SplicedSheet(*located, strings, styles)


class SplicedSheet(Sheet):
    """A worksheet part read from an index of its rows' bytes, written back by splicing.

    A row is bytes until something needs it as a tree (a cell the byte reads cannot
    decode, a row with more than cells); from then on ``Sheet``'s own code reads and
    writes that row's element, which is serialised when the part is written."""

    def __init__(
        self,
        root_tag: bytes,
        skeleton: bytes,
        content: bytes,
        index: Index,
        strings: SharedStrings,
        styles: Styles,
    ) -> None:
        # Sheet.__init__ parses the whole part: only its state is set up here.
        self.root = parse_xml(skeleton)
        self._strings = strings
        self.styles = styles
        self._open, self._close = root_tag, b"</worksheet>"
        self._extent = (0, 0)
        self._column_styles: dict[int, int] = {}
        self.changed = False
        self._cell_patterns: dict[tuple[bytes, ...], re.Pattern[bytes]] = {}
        self._values = CellValues(styles, strings)
        self._style_for: dict[tuple[int, str | None, bool], int] = {}
        self._reset(content, index)

    def _reset(self, content: bytes, index: Index) -> None:
        self._content = content
        self._spans = index
        self._numbers = list(index)
        self._rows = _LazyRows(self._parse_row)  # the rows parsed into elements
        self._fresh: dict[int, bytes] = {}  # rows written as bytes (not parsed)
        self._style_rows: dict[int, object] = {}  # the last rows split, for column styles
        self._dirty: set[int] = set()
        self._written: bytes | None = None

    def _current(self, number: int) -> bytes | None:
        """A row's bytes as they are now (None: no such row, or it is parsed)."""
        fresh = self._fresh.get(number)
        if fresh is not None:
            return fresh
        span = self._spans.get(number)
        return None if span is None else self._content[span[0] : span[1]]

    def _parse_row(self, number: int) -> etree._Element:
        xml = self._current(number)
        if xml is None:
            raise KeyError(number)
        self._fresh.pop(number, None)  # the element holds the row from now on
        self._style_rows[number] = None
        return parse_xml(self._open + xml + self._close)[0]

    def row_values(self, number: int) -> list[object]:
        """A row's values from column A (trailing empty cells left out)."""
        xml = None if number in self._rows else self._current(number)
        if xml is None:
            return super().row_values(number)
        split = split_row(xml)
        if split is None:
            return super().row_values(number)
        values: list[object] = []
        for column, (_, attributes, body) in sorted(split[1].items()):
            value = self._values.cell_value(attributes, body)
            if value is UNREAD:
                return super().row_values(number)
            if value is not None:
                values.extend([None] * (column - len(values)))
                values.append(value)
        return values

    def some_values(self, number: int, columns: Sequence[int]) -> list[object]:
        """A row's values in only these columns (the others None), from column A."""
        if number in self._rows or number in self._fresh or number not in self._spans:
            return self._picked(number, columns)
        return self.many_values(number, number, columns)[0]

    def _picked(self, number: int, columns: Sequence[int]) -> list[object]:
        row, wanted = self.row_values(number), set(columns)
        width = max(columns, default=-1) + 1
        return [row[c] if c in wanted and c < len(row) else None for c in range(width)]

    def _style_at(self, number: int, column: int) -> int | None:
        # Read from the row's bytes where it holds plain cells (it is not parsed for this).
        split = self._style_rows.get(number, UNREAD)
        if split is UNREAD:
            xml = None if number in self._rows else self._current(number)
            split = self._style_rows[number] = split_row(xml) if xml is not None else None
        if split is None:
            return super()._style_at(number, column)
        found = split[1].get(column)  # type: ignore[index]
        return None if found is None else self._values.kind(found[1].rstrip(b"/"))[1]

    def many_values(self, first: int, last: int, columns: Sequence[int]) -> list[list[object]]:
        """The values of rows ``first`` to ``last`` in only these columns (the others None),
        from column A: one scan over the bytes for those columns' cells."""
        width = max(columns, default=-1) + 1
        wanted = {get_column_letter(c + 1).encode(): c for c in set(columns)}
        pattern = self._cell_pattern(tuple(sorted(wanted)))
        spans = self._spans
        after = bisect.bisect_left(self._numbers, first)
        begin = spans[self._numbers[after]][0] if after < len(self._numbers) else None
        before = bisect.bisect_right(self._numbers, last) - 1
        end = spans[self._numbers[before]][1] if before >= 0 else 0
        found: dict[bytes, list[object]] = {}  # by the row number's digits
        unread_rows: list[bytes] = []
        plain, unread = self._values.plain, UNREAD
        # findall builds every match's groups in C; a cell's row is the number in its
        # reference, as in every file Excel, LibreOffice and openpyxl write.
        cells = pattern.findall(self._content, begin, end) if begin is not None else []
        for letter, digits, attributes, body, closed in cells:
            if not closed and not attributes.endswith(b"/"):
                unread_rows.append(digits)  # more in the cell than one plain value
                continue
            value = plain.get((attributes, body), unread)
            if value is unread:
                value = self._values.plain_value(attributes, body)
                if value is unread:
                    unread_rows.append(digits)
                    continue
            row = found.get(digits)
            if row is None:
                row = found[digits] = [None] * width
            row[wanted[letter]] = value
        rows = {int(digits): values for digits, values in found.items()}
        # Rows read whole instead: those no longer as the scanned bytes have them, and
        # those with a cell the scan cannot decode.
        for number in {*self._rows, *self._fresh, *map(int, unread_rows)}:
            if first <= number <= last:
                rows[number] = self._picked(number, columns)
        return [rows.get(n) or [None] * width for n in range(first, last + 1)]

    def _cell_pattern(self, letters: tuple[bytes, ...]) -> re.Pattern[bytes]:
        pattern = self._cell_patterns.get(letters)
        if pattern is None:
            either = b"|".join(letters)
            # A cell's start tag, then at most one plain value and the end tag; a cell
            # whose end tag does not follow holds more (a formula, rich text).
            pattern = re.compile(
                rb'<c r="(' + either + rb')(\d+)"([^>]*)>(' + PLAIN_BODY + rb")?(</c>)?"
            )
            self._cell_patterns[letters] = pattern
        return pattern

    def put_row(
        self,
        number: int,
        values: Mapping[int, Any],
        bases: Mapping[int, int],
        formats: Mapping[int, str],
    ) -> None:
        """Write values into a row by 0-based column, as ``Sheet.put_row`` does; a row of
        plain cells is written as bytes, any other through its parsed element."""
        xml = None if number in self._rows else self._current(number)
        if xml is not None:
            split = split_row(xml)
        else:  # a new row, or one parsed already
            split = None if number in self._rows else (b'<row r="%d">' % number, {})
        fresh = None if split is None else self._row_bytes(number, split, values, bases, formats)
        if fresh is None:
            super().put_row(number, values, bases, formats)
            return
        if number not in self._spans and number not in self._fresh:
            bisect.insort(self._numbers, number)
        self._fresh[number] = fresh
        self._style_rows.pop(number, None)
        self._dirty.add(number)
        last = max(values, default=-1) + 1
        self._extent = (max(self._extent[0], number), max(self._extent[1], last))
        self.changed = True

    def _row_bytes(
        self,
        number: int,
        split: tuple[bytes, dict[int, Cell]],
        values: Mapping[int, Any],
        bases: Mapping[int, int],
        formats: Mapping[int, str],
    ) -> bytes | None:
        """The row with these cells written; None when a cell cannot be kept as bytes."""
        tag, found = split
        cells_now = {column: cell[0] for column, cell in found.items()}
        row_ref = str(number).encode()
        for column, value in values.items():
            old = found.get(column)
            if old is None:
                kept, base = b"", bases.get(column, 0)
            else:
                if old[2] and is_formula(old[2]):
                    raise CannotPatch("a formula cell would be overwritten")
                attributes = kept_attributes(old[1])
                if attributes is None:
                    return None
                kept, base = attributes
            text = cells.clean_text(value) if isinstance(value, str) else None
            quoted = text is not None and cells.needs_quote_prefix(text)
            dated = isinstance(value, date)
            date_format = formats.get(column) if dated else None
            key = (base, date_format, quoted)
            style = self._style_for.get(key, -1)
            if style < 0:  # Styles only ever adds a style: an answer once found holds
                style = self._style_for[key] = self.styles.style_for(
                    base, date_format=date_format, quoted=quoted
                )
            ref = get_column_letter(column + 1).encode() + row_ref
            cells_now[column] = cell_xml(ref, kept, value, style, text)
        return b"".join((tag, *(cells_now[c] for c in sorted(cells_now)), b"</row>"))

    def _row(self, number: int) -> etree._Element:
        row = self._rows.get(number)
        if row is None:
            scratch = parse_xml(self._open + self._close)
            row = etree.SubElement(scratch, _ROW_TAG, r=str(number))
            bisect.insort(self._numbers, number)
            self._rows[number] = row
        self._dirty.add(number)
        return row

    def to_bytes(self) -> bytes:
        """The part as XML: the skeleton with the rows spliced in, changed ones anew."""
        content = self._content
        originals = sorted(self._spans)
        edits = []
        for number in sorted(self._dirty):
            if number in self._spans:
                start, end = self._spans[number]
            else:
                at = bisect.bisect(originals, number)
                start = end = self._spans[originals[at]][0] if at < len(originals) else len(content)
            fresh = self._fresh.get(number)
            edits.append((start, end, fresh if fresh is not None else _row_xml(self._rows[number])))
        edits.sort(key=lambda edit: edit[0])  # stable: new rows keep their order
        pieces, last = [], 0
        for start, end, xml in edits:
            pieces += [content[last:start], xml]
            last = end
        pieces.append(content[last:])
        self._written = b"".join(pieces)
        skeleton = to_xml(self.root)
        if skeleton.count(SKELETON_DATA) != 1:
            raise CannotPatch("the sheet's skeleton does not hold one sheetData")
        before, after = skeleton.split(SKELETON_DATA)
        return b"".join((before, b"<sheetData>", self._written, DATA_CLOSE, after))

    def refresh(self) -> bool:
        """Index the rows as the last batch wrote them, to be used again (the next batch
        pays for it, not the one that wrote them); False when they cannot be."""
        if self._written is not None:
            index = index_rows(self._written)
            if index is None:
                return False
            self._reset(self._written, index)
        return True


def _row_xml(row: etree._Element) -> bytes:
    """A row's XML without the namespace declarations lxml repeats on a detached row."""
    xml = etree.tostring(row, encoding="UTF-8", with_tail=False)
    end = xml.find(b">")
    return _XMLNS.sub(b"", xml[:end]) + xml[end:]
