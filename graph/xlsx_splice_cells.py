"""Rows and cells of a worksheet part as bytes: split a row into its cells, write a cell.

``graph.xlsx_splice`` reads and writes the rows a batch touches without a tree: a row is
split into its start tag and its cells' bytes (``split_row``), a written cell's XML is
made here (``cell_xml``) exactly as ``graph.xlsx_sheet.Sheet`` would make it through lxml
(an inline string or a number, the style ``Styles.style_for`` picks), and the cells the
batch does not write keep their bytes. Whatever a row holds besides plain cells (an
extension list, text between cells) makes ``split_row`` return None; the row is then
parsed with lxml as before.
"""

from __future__ import annotations

import functools
import html
import re
from datetime import date
from typing import Any

from openpyxl.utils.cell import column_index_from_string

from graph import cells
from graph.xlsx_sheet import SharedStrings
from graph.xlsx_styles import Styles

# A cell's start tag: its column letters, its attributes after r ("/" last if it is empty).
CELL_HEAD = re.compile(rb'<c r="([A-Z]{1,3})\d+"([^>]*)>')
Cell = tuple[bytes, bytes, bytes]  # the cell's bytes, its attributes after r, its body
# A plain cell's body: one value, or one inline string of one run.
PLAIN_BODY = rb'<v>[^<]*</v>|<is><t(?: xml:space="preserve")?>[^<]*</t></is>'
_PLAIN = re.compile(PLAIN_BODY)
PLAIN_CACHE = 100_000  # decoded cells kept (bytes -> value)
UNREAD = object()  # a cell the byte reads cannot decode: its row is parsed instead
ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_ROW_START = re.compile(rb"<row\b([^>]*?)(/?)>")
_SPANS = re.compile(rb'\sspans\s*=\s*"[^"]*"')
_REPLACED = frozenset((b"r", b"s", b"t", b"cm", b"vm", b"ph"))  # Sheet._write drops or sets
_letters: dict[bytes, int] = {}


def column_of(letters: bytes) -> int:
    """0-based column of a cell's column letters (b"K" -> 10)."""
    found = _letters.get(letters)
    if found is None:
        found = _letters[letters] = column_index_from_string(letters.decode()) - 1
    return found


def split_row(xml: bytes) -> tuple[bytes, dict[int, Cell]] | None:
    """(the row's start tag without ``spans``, column -> its cell) for a row of only
    cells; None when it holds anything else or a column twice."""
    start = _ROW_START.match(xml)
    if start is None:
        return None
    tag = b"<row" + _SPANS.sub(b"", start.group(1)) + b">"
    if start.group(2):
        return tag, {}
    body_end = len(xml) - len(b"</row>")
    found: dict[int, Cell] = {}
    position = start.end()
    while position < body_end:
        # Anchored matches and finds: a pattern scanning each cell's body is slower.
        head = CELL_HEAD.match(xml, position)
        if head is None:
            return None
        attributes = head.group(2)
        if attributes.endswith(b"/"):
            end, body = head.end(), b""
        else:
            close = xml.find(b"</c>", head.end(), body_end)
            if close < 0:
                return None
            end, body = close + len(b"</c>"), xml[head.end() : close]
        column = column_of(head.group(1))
        if column in found:
            return None
        found[column] = (xml[position:end], attributes, body)
        position = end
    return (tag, found) if position == body_end else None


@functools.lru_cache(maxsize=1024)  # a sheet's cells have a handful of variants
def kept_attributes(attributes: bytes) -> tuple[bytes, int] | None:
    """(those of a cell's attributes after r that a write keeps, its style); None when one
    cannot be copied as it is (a quote inside a single-quoted value)."""
    kept = []
    style = 0
    for name, double, single in ATTRIBUTE.findall(attributes):
        if name == b"s":
            style = int(double or single or b"0")
        elif name not in _REPLACED:
            if b'"' in single:
                return None
            kept.append(b" " + name + b'="' + (double or single) + b'"')
    return b"".join(kept), style


def is_formula(body: bytes) -> bool:
    """Whether a cell's body holds a formula."""
    return b"<f" in body and re.search(rb"<f[\s>/]", body) is not None


def cell_xml(ref: bytes, kept: bytes, value: Any, style: int, text: str | None) -> bytes:
    """A cell as ``Sheet._write`` writes it: ``text`` (``cells.clean_text`` of a str value)
    as an inline string, a bool, a number or a date as a number, else only the style."""
    head = b'<c r="' + ref + b'"' + kept + (b' s="%d"' % style if style else b"")
    if text:
        stored = cells.xlsx_text(text)
        escaped = stored.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
        return b"".join(
            (head, b' t="inlineStr"><is><t', space, b">", escaped.encode(), b"</t></is></c>")
        )
    if isinstance(value, bool):
        return head + b' t="b"><v>%d</v></c>' % int(value)
    if isinstance(value, int | float | date):
        number = cells.to_serial(value) if isinstance(value, date) else value
        return head + b"><v>" + repr(number).encode() + b"</v></c>"
    return head + b"/>"


class CellValues:
    """Plain cells' values decoded from their bytes as ``Sheet._value`` reads them."""

    def __init__(self, styles: Styles, strings: SharedStrings) -> None:
        self.styles = styles
        self._strings = strings
        self.plain: dict[tuple[bytes, bytes], object] = {}  # (attributes, body) -> value
        self._kinds: dict[bytes, tuple[str, int]] = {}

    def cell_value(self, attributes: bytes, body: bytes) -> object:
        """A whole cell's value from its bytes (``UNREAD`` unless it is plain)."""
        if body and _PLAIN.fullmatch(body) is None:
            return UNREAD
        return self.plain_value(attributes, body)

    def plain_value(self, attributes: bytes, body: bytes) -> object:
        """A cell's value read from its bytes as ``Sheet._value`` reads it; ``UNREAD``
        when it holds more than one plain value (a formula, rich text, an odd space)."""
        key = (attributes, body)
        value = self.plain.get(key, UNREAD)
        if value is UNREAD:
            value = self._decode(attributes, body)
            if value is not UNREAD and len(self.plain) < PLAIN_CACHE:
                self.plain[key] = value  # key cells repeat: years, periods
        return value

    def _decode(self, attributes: bytes, body: bytes) -> object:
        # ``body`` is what the cell pattern allows: "", <v>…</v> or <is><t …>…</t></is>.
        if attributes.endswith(b"/") or not body:
            return None  # <c r="A2" s="1"/> or <c r="A2"></c>
        kind, style = self.kind(attributes)
        inline = body.startswith(b"<is>")
        if inline != (kind == "inlineStr"):
            return None  # Sheet._value finds no value of the cell's type
        raw = body[body.index(b">", 4) + 1 : -len(b"</t></is>")] if inline else body[3:-4]
        value = _text(raw)
        if value is None:
            return UNREAD
        if inline:
            return cells.from_xlsx_text(value)
        if not value:
            return None
        if kind == "n":
            if value.isdecimal():  # most numbers: IDs, years, counts
                number: int | float = int(value)
            else:
                try:
                    number = float(value) if any(c in value for c in ".Ee") else int(value)
                except ValueError:
                    return UNREAD
            return self.styles.date_value(style, number)
        if kind == "s":
            return cells.from_xlsx_text(self._strings[int(value)])
        if kind == "str":
            return cells.from_xlsx_text(value)
        return UNREAD  # booleans, dates, errors: rare in key cells, read as Sheet does

    def kind(self, attributes: bytes) -> tuple[str, int]:
        """A cell's type and style from its attributes' bytes (a handful of variants)."""
        found = self._kinds.get(attributes)
        if found is None:
            pairs = ATTRIBUTE.findall(attributes)
            attrs = {name.decode(): (double or single).decode() for name, double, single in pairs}
            found = self._kinds[attributes] = (attrs.get("t", "n"), int(attrs.get("s") or 0))
        return found


def _text(raw: bytes) -> str | None:
    """Element text as a parser gives it; None where line ends would be normalised."""
    if b"\r" in raw:
        return None
    text = raw.decode()
    return html.unescape(text) if "&" in text else text
