"""Patching one table of an .xlsx file: only its sheet's part and its table part change.

``TablePatch.open`` reads one sheet of the package (by name) and its Excel table (by name,
or the sheet's first; or, without a table, the header row ``find_header`` picks), gives its
header and data rows as values, and takes cell writes, new columns and rows; ``write``
puts the package back together with every other member copied byte for byte. The
caller decides what to write (for the answers: ``graph.answer_rows.plan_upsert``, keyed by
ID, År and Period) and does the locking and the atomic replace (``graph.xlsx_writer``).
The same calls serve any table the bot owns (answers, åtgärder): sheet name, table name,
the header, the rows, and the values per column to put.

Whatever the patcher does not handle raises ``CannotPatch`` before anything is written: the
sheet or table is missing, a table with a totals row, formulas that would be overwritten,
the 1904 date system. The caller then rewrites the workbook with openpyxl, as before. A
cell style the workbook lacks (a date format, Excel's text prefix) is appended to
``styles.xml`` (see ``graph.xlsx_styles``), the one shared part a patch may add to.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from lxml import etree
from openpyxl.utils.cell import get_column_letter, range_boundaries

from graph.xlsx_package import (
    MAIN,
    CannotPatch,
    Package,
    parse_xml,
    to_xml,
    workbook_children_before,
    write_package,
)
from graph.xlsx_sheet import Sheet
from graph.xlsx_splice import LazyStrings, SplicedSheet, spliced
from graph.xlsx_styles import Styles

__all__ = ["CannotPatch", "TablePatch"]

# The last patch written in this process, kept for the next batch into the same file.
_kept: tuple[Path, str, str | None, object, TablePatch] | None = None
_keeping = threading.Lock()
_STYLES = "/styles"
_STRINGS = "/sharedStrings"
HEADER_SCAN = 50  # rows searched for a header when the sheet has no table


class TablePatch:
    """One sheet's table in an .xlsx package, opened for reading rows and writing cells."""

    def __init__(
        self,
        package: Package,
        parts: tuple[str, str, str | None],  # the workbook's, the sheet's and the styles' part
        sheet: Sheet,
        header_row: int,
    ) -> None:
        self.package = package
        self._book_part, self._sheet_part, self._styles_part = parts
        self.sheet = sheet
        self.header_row = header_row  # 1-based
        self._table_part: str | None = None
        self._table: etree._Element | None = None
        self._added = False
        self._crcs: dict[str, int] = {}  # every member's CRC in the package ``prepare`` makes
        self.memo: dict[str, object] = {}  # the caller's own index of the rows, kept with it
        self._opened: tuple[Path, str, str | None] = (Path(), "", None)  # set by open

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        sheet: str,
        table: str | None,
        find_header: Callable[[list[list[object]]], int | None],
        stamp: object = None,
    ) -> TablePatch:
        """Read the sheet and its table; ``find_header`` gets the first rows' values when
        the sheet has no table and returns the header's index among them, or None.

        With the ``stamp`` the file had when this process last patched it (``keep``), and
        every member's CRC as it wrote them, the sheet read then is used again."""
        package = Package.read(path)
        package.check_copyable()
        global _kept
        with _keeping:  # taken: a failed write must never leave a changed tree behind
            kept, _kept = _kept, None
        if kept is not None and kept[:4] == (path, sheet, table, stamp):
            patch = kept[4]
            crcs = {name: info.CRC for name, info in package.members.items()}
            if crcs == patch._crcs and _refreshed(patch.sheet):
                patch.package = package
                patch.sheet.changed = patch.sheet.styles.changed = patch._added = False
                return patch
        book_part = package.workbook_part()
        book = parse_xml(package.part(book_part))
        props = book.find(f"{{{MAIN}}}workbookPr")
        if props is not None and props.get("date1904") in ("1", "true"):
            raise CannotPatch("the workbook uses the 1904 date system")
        sheet_part = package.sheet_part(sheet)
        if sheet_part is None:
            raise CannotPatch(f"the workbook has no sheet {sheet}")
        parts = {kind: target for kind, target in package.relationships(book_part).values()}
        styles_part = next((t for k, t in parts.items() if k.endswith(_STYLES)), None)
        strings_part = next((t for k, t in parts.items() if k.endswith(_STRINGS)), None)
        xml = package.part(sheet_part)
        # Shared strings are parsed only if a cell read needs one.
        strings = LazyStrings(lambda: package.part(strings_part) if strings_part else None)
        styles = Styles(package.part(styles_part) if styles_part else None)
        found = spliced(xml, strings, styles) or Sheet(xml, strings, styles)
        patch_parts = (book_part, sheet_part, styles_part)
        listed = package.table_parts(sheet_part, found.root)
        tables = [(p, parse_xml(package.part(p))) for p in listed]
        chosen = next((t for t in tables if t[1].get("name") == table), None) or (
            tables[0] if tables else None
        )
        if chosen is None:
            first = [found.row_values(n) for n in range(1, HEADER_SCAN + 1)]
            index = find_header(first)
            if index is None:
                raise CannotPatch(f"the sheet {sheet} has no header row")
            patch = cls(package, patch_parts, found, index + 1)
            patch._opened = (path, sheet, table)
            return patch
        table_part, root = chosen
        if root.get("headerRowCount") == "0" or int(root.get("totalsRowCount") or 0):
            raise CannotPatch("the table has no header row, or a totals row")
        _, first_row, _, _ = range_boundaries(root.get("ref", ""))
        patch = cls(package, patch_parts, found, first_row)
        patch._opened = (path, sheet, table)
        patch._table_part, patch._table = table_part, root
        return patch

    @property
    def header(self) -> list[object]:
        """The header row's values from column A (only the table's own columns, if any)."""
        values = self.sheet.row_values(self.header_row)
        if self._table is None:
            return values
        min_col, _, max_col, _ = range_boundaries(self._table.get("ref", ""))
        values += [None] * (max_col - len(values))
        return [None] * (min_col - 1) + values[min_col - 1 : max_col]

    @property
    def row_count(self) -> int:
        """How many rows there are below the header, to the sheet's last."""
        return max(self.sheet.last_row - self.header_row, 0)

    def row(self, index: int) -> list[object]:
        """A data row's values from column A (index 0 is the row under the header)."""
        return self.sheet.row_values(self.header_row + 1 + index)

    def cells(self, index: int, columns: Sequence[int]) -> list[object]:
        """A data row's values in only these columns (the others None): the cheap read
        for keys, since a batch needs whole rows only where its keys are found."""
        return self.sheet.some_values(self.header_row + 1 + index, columns)

    def key_cells(self, columns: Sequence[int]) -> list[list[object]]:
        """Every data row's values in only these columns: ``cells`` for all rows at once."""
        if isinstance(self.sheet, SplicedSheet):
            return self.sheet.many_values(self.header_row + 1, self.sheet.last_row, columns)
        return [self.cells(i, columns) for i in range(self.row_count)]

    def first_free(self) -> int:
        """The data row index after the last row with a value: where new rows go."""
        for index in range(self.row_count - 1, -1, -1):
            if any(v not in (None, "") for v in self.row(index)):
                return index + 1
        return 0

    def add_columns(self, names: Sequence[str], known: Sequence[int]) -> list[int]:
        """Add columns with these headers at the table's right end (or after the header's
        last cell and the ``known`` columns); return their 0-based indexes."""
        if self._table is not None:
            min_col, min_row, end, max_row = range_boundaries(self._table.get("ref", ""))
        else:
            filled = [i + 1 for i, v in enumerate(self.header) if v not in (None, "")]
            end = max([*filled, *(i + 1 for i in known)], default=0)
        added = []
        for name in names:
            self.sheet.put_row(self.header_row, {end: name}, {}, {})
            added.append(end)
            end += 1
            if self._table is not None:
                self._add_table_column(name)
        if self._table is not None and names:
            self._set_ref(
                f"{get_column_letter(min_col)}{min_row}:{get_column_letter(end)}{max_row}"
            )
        self._added = self._added or bool(names)
        return added

    def put_row(self, index: int, values: Mapping[int, object], formats: Mapping[int, str]) -> None:
        """Write a data row (index 0 is the row under the header), column by column;
        ``formats`` gives date columns the number format to use when they have none."""
        number = self.header_row + 1 + index
        bases = {c: self.sheet.column_style(c, self.header_row) for c in values}
        self.sheet.put_row(number, values, bases, formats)
        if self._table is not None:
            min_col, min_row, max_col, max_row = range_boundaries(self._table.get("ref", ""))
            if number > max_row:
                first, last = get_column_letter(min_col), get_column_letter(max_col)
                self._set_ref(f"{first}{min_row}:{last}{number}")

    def _add_table_column(self, name: str) -> None:
        assert self._table is not None
        columns = self._table.find(f"{{{MAIN}}}tableColumns")
        if columns is None:
            raise CannotPatch("the table lists no columns")
        next_id = max((int(c.get("id") or 0) for c in columns), default=0) + 1
        etree.SubElement(columns, f"{{{MAIN}}}tableColumn", id=str(next_id), name=name)
        columns.set("count", str(len(columns)))

    def _set_ref(self, ref: str) -> None:
        assert self._table is not None
        self._table.set("ref", ref)
        auto = self._table.find(f"{{{MAIN}}}autoFilter")
        if auto is not None:
            auto.set("ref", ref)

    @property
    def changed(self) -> bool:
        """Whether anything was written."""
        return self.sheet.changed

    def prepare(self) -> Callable[[str], None]:
        """The changed parts made ready; returns what writes the package to a temp file
        (the caller replaces the workbook with it)."""
        self.sheet.finish()
        sheet = self.sheet
        xml = sheet.to_bytes() if isinstance(sheet, SplicedSheet) else to_xml(sheet.root)
        changed = {self._sheet_part: xml}
        if self._table_part is not None and self._table is not None:
            changed[self._table_part] = to_xml(self._table)
        if self._styles_part is not None and self.sheet.styles.changed:
            changed[self._styles_part] = self.sheet.styles.to_xml()
        book = parse_xml(self.package.part(self._book_part))
        if calculate_on_load(book):
            changed[self._book_part] = to_xml(book)
        self._crcs = {name: info.CRC for name, info in self.package.members.items()}
        self._crcs.update((name, zlib.crc32(data)) for name, data in changed.items())
        return lambda temp: write_package(self.package, changed, temp)

    def keep(self, stamp: object) -> None:
        """Remember this patch, its file now at ``stamp``, for the next ``open`` of the
        same sheet (one workbook at a time)."""
        global _kept
        self.sheet.finish_keep()
        with _keeping:
            _kept = (*self._opened, stamp, self)


def _refreshed(sheet: Sheet) -> bool:
    """Whether a kept sheet is ready again (a spliced one indexes the rows it wrote)."""
    return not isinstance(sheet, SplicedSheet) or sheet.refresh()


_BEFORE_CALC = workbook_children_before("calcPr")


def calculate_on_load(book: etree._Element) -> bool:
    """Ask Excel to recalculate on open; False when the workbook already asks."""
    # Formulas elsewhere may read the answers: Excel recalculates them on open (their
    # cached values stay in the file until then), as after a full rewrite.
    calc = book.find(f"{{{MAIN}}}calcPr")
    if calc is None:
        earlier = [child for child in book if child.tag in _BEFORE_CALC]
        calc = etree.Element(f"{{{MAIN}}}calcPr")
        if not earlier:
            raise CannotPatch("the workbook part has no sheets")
        earlier[-1].addnext(calc)
    elif calc.get("fullCalcOnLoad") in ("1", "true"):
        return False
    calc.set("fullCalcOnLoad", "1")
    return True
