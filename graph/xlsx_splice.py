"""A worksheet part patched as bytes: only the rows a batch reads whole or writes are parsed.

``graph.xlsx_sheet.Sheet`` parses the whole part into a tree, which at 10,000 answer rows
(6 MB of XML) costs more than the rest of a batch together. ``SplicedSheet`` gives the same
reads and writes from an index of the rows' byte ranges instead: a row is parsed with lxml
only when it is read whole or written, the key cells an upsert looks for are read with a
regex where they hold a plain value, and the part is written back by splicing the changed
rows' new XML into the old bytes (new rows go before the next row, or at the end). The
rest of the part (everything outside ``sheetData``) goes through lxml as it did before, so
the ``dimension`` is kept up to date the same way.

``spliced`` returns None for a part it cannot index safely (another encoding, a DOCTYPE,
comments or CDATA among the rows, namespace prefixes, rows or cells without their ``r``,
rows out of order, single-quoted attributes); the caller then parses the whole part.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Sequence

from lxml import etree
from openpyxl.utils.cell import get_column_letter

from graph import cells
from graph.xlsx_package import MAIN, CannotPatch, parse_xml, to_xml
from graph.xlsx_sheet import SharedStrings, Sheet
from graph.xlsx_styles import Styles

__all__ = ["SplicedSheet", "spliced"]

_ROW_TAG = f"{{{MAIN}}}row"
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml[^>]*?\?>)?\s*")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_DEFAULT_NS = f' xmlns="{MAIN}"'.encode()
_DATA_OPEN = re.compile(rb"<sheetData\s*(/?)>")
_DATA_CLOSE = b"</sheetData>"
_ROW_START = re.compile(rb"<row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_SHARED_FORMULA = re.compile(rb'<f\b[^>]*\st="(?!normal")')
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_PLAIN_VALUE = re.compile(rb"<v>([^<]*)</v>")
_PLAIN_INLINE = re.compile(rb'<is><t(?: xml:space="preserve")?>([^<]*)</t></is>')
_PLAIN_BODY = rb'<v>[^<]*</v>|<is><t(?: xml:space="preserve")?>[^<]*</t></is>'

_XMLNS = re.compile(rb'\s+xmlns(?::[\w.-]+)?="[^"]*"')
_SKELETON_DATA = b"<sheetData/>"
_PLAIN_CACHE = 100_000  # decoded key cells kept (bytes -> value)
_UNREAD = object()  # a cell the regex read cannot decode: the row is parsed instead


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
    head = _DECLARATION.match(xml)
    assert head is not None, "the pattern matches the empty string"
    encoding = _ENCODING.search(head.group())
    if encoding is not None and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    root = _ROOT.match(xml, head.end())
    if root is None or _DEFAULT_NS not in root.group():
        return None
    opened = _DATA_OPEN.search(xml, root.end())
    if opened is None or b"<!DOCTYPE" in xml[: opened.start()]:
        return None
    start = opened.end()
    if opened.group(1):
        end = rest = start  # <sheetData/>: no rows
    else:
        end = xml.rfind(_DATA_CLOSE)
        if end < start:
            return None
        rest = end + len(_DATA_CLOSE)
    if xml.find(b"<sheetData", rest) >= 0:
        return None
    content = xml[start:end]
    if b"<!" in content:
        return None  # comments or CDATA: rows and cells cannot be found by their tags
    if not _cells_have_refs(content):
        return None
    if _SHARED_FORMULA.search(content):
        raise CannotPatch("the sheet has shared or array formulas")
    skeleton = xml[: opened.start()] + _SKELETON_DATA + xml[rest:]
    index = _index(content)
    if index is None:
        return None
    return SplicedSheet(root.group(), skeleton, content, index, strings, styles)


def _cells_have_refs(content: bytes) -> bool:
    """Whether every cell's start tag begins ``<c r="`` (the key reads find cells so)."""
    # Two counts in the usual case; tags that merely begin with "c" are rich-text run
    # properties (<color>, <condense>, <charset>), counted only when there is a difference.
    other = content.count(b"<c") - content.count(b'<c r="')
    return not other or other == content.count(b"<co") + content.count(b"<ch")


def _index(content: bytes) -> dict[int, tuple[int, int]] | None:
    """Each row's number -> its byte range in ``content``; None unless the rows fill it,
    each with its number, in ascending order."""
    # Rows tile sheetData: a row ends where the next begins (a regex scanning for each
    # row's end tag would cost a pass of Python's matcher over every byte).
    starts = [(m.start(), m.group(1)) for m in _ROW_START.finditer(content)]
    if content[: starts[0][0] if starts else len(content)].strip():
        return None
    spans: dict[int, tuple[int, int]] = {}
    previous = 0
    ends = [start for start, _ in starts[1:]] + [len(content)]
    for (start, attributes), end in zip(starts, ends, strict=True):
        if attributes.startswith(b' r="'):  # as Excel, LibreOffice and openpyxl write it
            number = int(attributes[4 : attributes.index(b'"', 4)])
        else:
            found = _ROW_NUMBER.search(attributes)
            if found is None:
                return None
            number = int(found.group(1))
        if number <= previous:
            return None
        if attributes.endswith(b"/"):  # <row r="5"/>
            tag_end = start + len(b"<row>") + len(attributes)
            if content[tag_end:end].strip():
                return None
            end = tag_end
        elif not content.endswith(b"</row>", start, end):
            end = start + len(content[start:end].rstrip())  # whitespace between rows
            if not content.endswith(b"</row>", start, end):
                return None
        spans[number] = (start, end)
        previous = number
    return spans


class SplicedSheet(Sheet):
    """A worksheet part read from an index of its rows' bytes, written back by splicing."""

    def __init__(
        self,
        root_tag: bytes,
        skeleton: bytes,
        content: bytes,
        index: dict[int, tuple[int, int]],
        strings: SharedStrings,
        styles: Styles,
    ) -> None:
        # Sheet.__init__ parses the whole part: only its state is set up here.
        self.root = parse_xml(skeleton)
        self._strings = strings
        self.styles = styles
        self._open, self._close = root_tag, b"</worksheet>"
        self._scratch: etree._Element | None = None
        self._extent = (0, 0)
        self._column_styles: dict[int, int] = {}
        self.changed = False
        self._cell_patterns: dict[tuple[bytes, ...], re.Pattern[bytes]] = {}
        self._plain: dict[tuple[bytes, bytes], object] = {}
        self._reset(content, index)

    def _reset(self, content: bytes, index: dict[int, tuple[int, int]]) -> None:
        self._content = content
        self._spans = index
        self._numbers = list(index)
        self._rows = _LazyRows(self._parse_row)
        self._dirty: set[int] = set()
        self._written: bytes | None = None

    def _parse_row(self, number: int) -> etree._Element:
        start, end = self._spans[number]
        return parse_xml(self._open + self._content[start:end] + self._close)[0]

    def some_values(self, number: int, columns: Sequence[int]) -> list[object]:
        """A row's values in only these columns (the others None), from column A."""
        if number in self._rows or number not in self._spans:
            return super().some_values(number, columns)
        return self.many_values(number, number, columns)[0]

    def many_values(self, first: int, last: int, columns: Sequence[int]) -> list[list[object]]:
        """The values of rows ``first`` to ``last`` in only these columns (the others None),
        from column A: one scan over the bytes for those columns' cells."""
        width = max(columns, default=-1) + 1
        wanted = {get_column_letter(c + 1).encode(): c for c in set(columns)}
        pattern = self._cell_pattern(tuple(sorted(wanted)))
        spans = self._spans
        after = bisect.bisect_left(self._numbers, first)
        begin = spans[self._numbers[after]][0] if after < len(self._numbers) else None
        end = spans[self._numbers[bisect.bisect_right(self._numbers, last) - 1]][1]
        found: dict[int, list[object]] = {}
        parsed: set[int] = set(self._rows)  # rows parsed already may have been written
        plain, unread = self._plain, _UNREAD
        # findall builds every match's groups in C; a cell's row is the number in its
        # reference, as in every file Excel, LibreOffice and openpyxl write.
        cells = pattern.findall(self._content, begin, end) if begin is not None else []
        for letter, digits, attributes, body, closed in cells:
            number = int(digits)
            if number in parsed:
                continue
            if not closed and not attributes.endswith(b"/"):
                parsed.add(number)  # more in the cell than one plain value: parse the row
                continue
            value = plain.get((attributes, body), unread)
            if value is unread:
                value = self._plain_value(attributes, body)
                if value is unread:
                    parsed.add(number)
                    continue
            row = found.get(number)
            if row is None:
                row = found[number] = [None] * width
            row[wanted[letter]] = value
        for number in parsed:
            if first <= number <= last:
                found[number] = super().some_values(number, columns)
        return [found.get(n) or [None] * width for n in range(first, last + 1)]

    def _cell_pattern(self, letters: tuple[bytes, ...]) -> re.Pattern[bytes]:
        pattern = self._cell_patterns.get(letters)
        if pattern is None:
            either = b"|".join(letters)
            # A cell's start tag, then at most one plain value and the end tag; a cell
            # whose end tag does not follow holds more (a formula, rich text).
            pattern = re.compile(
                rb'<c r="(' + either + rb')(\d+)"([^>]*)>(' + _PLAIN_BODY + rb")?(</c>)?"
            )
            self._cell_patterns[letters] = pattern
        return pattern

    def _plain_value(self, attributes: bytes, body: bytes) -> object:
        """A cell's value read from its bytes as ``Sheet._value`` reads it; ``_UNREAD``
        when it holds more than one plain value (a formula, rich text, an odd space)."""
        key = (attributes, body)
        value = self._plain.get(key, _UNREAD)
        if value is _UNREAD:
            value = self._decode(attributes, body)
            if value is not _UNREAD and len(self._plain) < _PLAIN_CACHE:
                self._plain[key] = value  # key cells repeat: years, periods
        return value

    def _decode(self, attributes: bytes, body: bytes) -> object:
        if attributes.endswith(b"/") or not body:
            return None  # <c r="A2" s="1"/> or <c r="A2"></c>
        attrs = {name: double or single for name, double, single in _ATTRIBUTE.findall(attributes)}
        kind = attrs.get(b"t", b"n")
        if kind == b"inlineStr":
            found = _PLAIN_INLINE.fullmatch(body)
            if found is None:
                return _UNREAD
            text = _text(found.group(1))
            return _UNREAD if text is None else cells.from_xlsx_text(text)
        found = _PLAIN_VALUE.fullmatch(body)
        if found is None:
            return _UNREAD
        value = _text(found.group(1))
        if value is None:
            return _UNREAD
        if not value:
            return None
        if kind == b"n":
            try:
                number = float(value) if any(c in value for c in ".Ee") else int(value)
            except ValueError:
                return _UNREAD
            return self.styles.date_value(int(attrs.get(b"s") or 0), number)
        if kind == b"s":
            return cells.from_xlsx_text(self._strings[int(value)])
        if kind == b"str":
            return cells.from_xlsx_text(value)
        return _UNREAD  # booleans, dates, errors: rare in key cells, read as Sheet does

    def _row(self, number: int) -> etree._Element:
        row = self._rows.get(number)
        if row is None:
            if self._scratch is None:
                self._scratch = parse_xml(self._open + self._close)
            row = etree.SubElement(self._scratch, _ROW_TAG, r=str(number))
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
            edits.append((start, end, _row_xml(self._rows[number])))
        edits.sort(key=lambda edit: edit[0])  # stable: new rows keep their order
        pieces, last = [], 0
        for start, end, xml in edits:
            pieces += [content[last:start], xml]
            last = end
        pieces.append(content[last:])
        self._written = b"".join(pieces)
        skeleton = to_xml(self.root)
        if skeleton.count(_SKELETON_DATA) != 1:
            raise CannotPatch("the sheet's skeleton does not hold one sheetData")
        before, after = skeleton.split(_SKELETON_DATA)
        return b"".join((before, b"<sheetData>", self._written, _DATA_CLOSE, after))

    def refresh(self) -> bool:
        """Index the rows as the last batch wrote them, to be used again (the next batch
        pays for it, not the one that wrote them); False when they cannot be."""
        if self._written is not None:
            index = _index(self._written)
            if index is None:
                return False
            self._reset(self._written, index)
            self._scratch = None
        return True


def _row_xml(row: etree._Element) -> bytes:
    """A row's XML without the namespace declarations lxml repeats on a detached row."""
    xml = etree.tostring(row, encoding="UTF-8", with_tail=False)
    end = xml.find(b">")
    return _XMLNS.sub(b"", xml[:end]) + xml[end:]


def _text(raw: bytes) -> str | None:
    """Element text as a parser gives it; None where line ends would be normalised."""
    if b"\r" in raw:
        return None
    text = raw.decode()
    return html.unescape(text) if "&" in text else text
