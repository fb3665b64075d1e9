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
import re
from datetime import date
from typing import Any

from openpyxl.utils.cell import column_index_from_string

from graph import cells

# A cell's start tag: its column letters, its attributes after r ("/" last if it is empty).
CELL_HEAD = re.compile(rb'<c r="([A-Z]{1,3})\d+"([^>]*)>')
Cell = tuple[bytes, bytes, bytes]  # the cell's bytes, its attributes after r, its body
# A plain cell's body: one value, or one inline string of one run.
PLAIN_BODY = rb'<v>[^<]*</v>|<is><t(?: xml:space="preserve")?>[^<]*</t></is>'
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
