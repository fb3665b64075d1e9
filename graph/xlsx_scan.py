"""A worksheet's cells read with one regular expression, when the sheet is written plainly.

lxml parses a large plan sheet in about a fifth of the time ``xlsx_stream``'s row loop then
spends creating a Python object for every row, cell and value element it looks at. The
cells that Excel, LibreOffice, openpyxl and this bot write are a handful of shapes:
``<c r="B7" s="3" t="s"><v>12</v></c>``, an inline string, an empty styled cell, a formula
with its cached value. ``scan_cells`` reads ``<sheetData>`` with one regular expression over
those shapes and returns the cells exactly as ``xlsx_stream``'s lxml loop would have read
them — or None as soon as anything in it is not one of those shapes (another attribute
order, a namespace prefix, rich text, a comment, a character or entity the regular
expression does not decode as an XML parser would), and the caller parses the sheet with
lxml as before. Everything outside ``<sheetData>`` (merged ranges, table parts) is still
read by lxml from the rest of the part, which is small.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from graph import lazy_openpyxl
from graph.cells import from_xlsx_text

# One token of <sheetData>: a row's start (its number first, the other attributes in double
# quotes), a row's end, a cell (its attributes in the order Excel writes them), or any other
# character that is not white space, which makes the scan give up.
_TOKEN = re.compile(
    r"(<row)(?: r=\"(\d+)\")?((?: [\w:]+=\"[^\"<>]*\")*)(/?)>"  # 1, 2: number, 3, 4: "/"
    r"|(</row>)"  # 5
    r"|(<c)(?: r=\"([A-Z]{1,3})\d+\")?(?: s=\"(\d+)\")?(?: t=\"(\w+)\")?"  # 6, 7: column, 8, 9
    r"(?: (?:cm|vm|ph)=\"\w+\")*"
    r"(?:/>|>(?:<f\b[^<>]*/>|<f\b[^<>]*>[^<]*</f>)?"  # a formula: its cached value only
    r"(?:<v>([^<]*)</v>|<v/>|(<is>)(?:<t(?: xml:space=\"preserve\")?>([^<]*)</t>|<t/>)</is>)?"
    r"</c>)"  # 10: the value's text, 11: an inline string, 12: its text
    r"|(\S)"  # 13
)
# Every reference but "&lt;" and "&amp;" is replaced in the whole text before the scan (a
# reference to "<" or "&" becomes one of those two), and those two in each value after it.
_REFERENCE = re.compile(r"&(?:(gt|quot|apos)|#([0-9]{1,7})|#x([0-9a-fA-F]{1,6}));")
_NAMED = {"gt": ">", "quot": '"', "apos": "'"}
# Bytes an XML parser refuses in text (control characters) or rewrites (a carriage return
# becomes a line feed); U+FFFE and U+FFFF, which XML does not allow, in UTF-8; and "]]>".
_CONTROL = bytes(c for c in range(0x20) if c not in (0x9, 0xA))
_NOT_ALLOWED = (b"\xef\xbf\xbe", b"\xef\xbf\xbf", b"]]>")
_START, _END, _EMPTY = b"<sheetData>", b"</sheetData>", b"<sheetData/>"


class NotPlain(Exception):  # noqa: N818 - a reason to parse with lxml, not a failure
    """Something in the sheet that only an XML parser reads right."""


def split_sheet_data(xml: bytes) -> tuple[str, bytes] | None:
    """The text inside ``<sheetData>``, references but "&lt;" and "&amp;" replaced, and the
    part without it (``<sheetData></sheetData>`` left in its place); None when the part is
    not plainly UTF-8 with one such element and only text an XML parser reads as it is."""
    head = xml[:200]
    if head.startswith(b"\xef\xbb\xbf"):
        return None
    if head.startswith(b"<?xml"):
        declaration = head[: head.find(b"?>")].lower()
        if b"encoding" in declaration and b"utf-8" not in declaration:
            return None
    start = xml.find(_START)
    if start < 0:
        if xml.count(_EMPTY) == 1 and xml.find(b"sheetData") == xml.find(_EMPTY) + 1:
            return "", xml
        return None
    inner = start + len(_START)
    end = xml.find(_END, inner)
    if end < 0 or xml.find(b"sheetData", end + len(_END)) >= 0:
        return None
    raw = xml[inner:end]
    if len(raw.translate(None, _CONTROL)) != len(raw) or any(b in raw for b in _NOT_ALLOWED):
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "&" in text:
        try:
            text = _REFERENCE.sub(_referenced, text)
        except NotPlain:
            return None
        if text.count("&") != text.count("&lt;") + text.count("&amp;"):
            return None  # an entity other than XML's own
    return text, xml[:inner] + xml[end:]


_references: dict[str, str] = {}


def _referenced(match: re.Match[str]) -> str:
    """What a reference stands for ("<" and "&" kept as references)."""
    found = _references.get(match.group())
    if found is not None:
        return found
    name, decimal, hexadecimal = match.groups()
    if name:
        found = _NAMED[name]
    else:
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if not (
            code in (0x9, 0xA, 0xD)
            or 0x20 <= code <= 0xD7FF
            or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF
        ):
            raise NotPlain("a character reference XML does not allow")
        found = {"<": "&lt;", "&": "&amp;"}.get(chr(code), chr(code))
    _references[match.group()] = found
    return found


def scan_cells(
    text: str, value: Callable[[str | None, str, int | None], Any]
) -> dict[int, list[Any]] | None:
    """The cells inside ``<sheetData>`` (as ``split_sheet_data`` gives them) as ``{Excel
    row: values from column A}``, rows without cells left out; None when the text is not
    only plain rows and cells. ``value(kind, text, style)`` converts a cell's ``<v>`` text
    (references replaced)."""
    cells: dict[int, list[Any]] = {}
    values: list[Any] | None = None
    number = column = 0
    columns = COLUMNS
    for (
        row,
        ref,
        attributes,
        empty,
        row_end,
        cell,
        letters,
        style,
        kind,
        v,
        inline,
        t,
        _,
    ) in _TOKEN.findall(text):
        if cell:
            if values is None:
                return None  # a cell outside a row
            if letters:
                found_column = columns.get(letters)
                column = found_column if found_column is not None else column_number(letters)
            else:
                column += 1
            found: Any = None
            if kind == "inlineStr":
                if inline:
                    found = t
                    if "&" in found:
                        found = found.replace("&lt;", "<").replace("&amp;", "&")
                    if "_x" in found:
                        found = from_xlsx_text(found)
            elif v:
                if "&" in v:
                    v = v.replace("&lt;", "<").replace("&amp;", "&")
                found = value(kind or None, v, int(style) if style else None)
            if column > len(values):  # cells come in column order: mostly appended
                values.extend([None] * (column - 1 - len(values)))
                values.append(found)
            else:
                values[column - 1] = found
        elif row:
            if values is not None:
                return None  # a row inside a row
            if ' r="' in attributes:
                return None  # the number after other attributes
            number = int(ref) if ref else number + 1
            values = cells.get(number)
            if values is None:
                values = cells[number] = []
            column = 0
            if empty:
                if not values:
                    del cells[number]
                values = None
        elif row_end:
            if values is None:
                return None
            if not values:
                del cells[number]  # a row without cells (only its height): not a row
            values = None
        else:
            return None  # something that is not a plain row or cell
    return cells if values is None else None


COLUMNS: dict[str, int] = {}  # a reference's letters -> its column, filled as met


def column_number(letters: str) -> int:
    """1-based column of a reference's letters ("K" -> 11, "AB" -> 28), as openpyxl's
    ``column_index_from_string`` reads them."""
    found = COLUMNS.get(letters)
    if found is None:
        found = 0
        if letters.isascii() and letters.isalpha() and letters.isupper():
            for letter in letters:  # base 26 without a zero: A = 1 … Z = 26, AA = 27
                found = found * 26 + ord(letter) - 64
        if not 1 <= found <= 18_278:  # lower case, or beyond ZZZ: openpyxl says what it is
            lazy_openpyxl.load()
            from openpyxl.utils.cell import column_index_from_string

            return column_index_from_string(letters)  # type: ignore[no-any-return]
        COLUMNS[letters] = found
    return found


_CELL_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?")


def cell_range(ref: str) -> tuple[int, int, int, int]:
    """A range's bounds as openpyxl's ``range_boundaries`` reads them: "A1:P7001" -> (1, 1,
    16, 7001) as (min_col, min_row, max_col, max_row), "C3" -> (3, 3, 3, 3)."""
    match = _CELL_RANGE.fullmatch(ref)
    if match is None:  # whole rows or columns, lower case …: openpyxl reads those
        lazy_openpyxl.load()
        from openpyxl.utils.cell import range_boundaries

        return range_boundaries(ref)  # type: ignore[no-any-return]
    first, top, last, bottom = match.groups()
    return (
        column_number(first),
        int(top),
        column_number(last or first),
        int(bottom or top),
    )
