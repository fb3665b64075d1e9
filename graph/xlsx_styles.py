"""A workbook's cell styles as the patcher needs them: which are dates, and close variants.

A cell the patcher writes takes the style its column already has, or the workbook's own
style that differs from it only in the number format (a date) or Excel's text prefix
(``quotePrefix``). When the workbook has no such style yet, one is *appended* to
``cellXfs`` (and its date format to ``numFmts``): every existing style keeps its index and
its meaning, so no other cell changes, and the next batch finds it there.
"""

from __future__ import annotations

import copy

from lxml import etree
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

from graph.xlsx_package import MAIN, CannotPatch, parse_xml, to_xml

_VARIANT_ATTRS = ("numFmtId", "applyNumberFormat", "quotePrefix")
FIRST_CUSTOM = 164  # number format ids below are Excel's built-in ones


def format_id(root: etree._Element, formats: dict[int, str], code: str) -> int:
    """The id of a number format in a styleSheet (``formats``: its custom ones by id),
    added to both when it is not there yet."""
    known = next((i for i, c in formats.items() if c == code), None)
    if known is not None:
        return known
    listed = root.find(f"{{{MAIN}}}numFmts")
    if listed is None:
        listed = etree.Element(f"{{{MAIN}}}numFmts")
        root.insert(0, listed)  # numFmts comes first in a styleSheet
    new = max([FIRST_CUSTOM - 1, *formats]) + 1
    etree.SubElement(listed, f"{{{MAIN}}}numFmt", numFmtId=str(new), formatCode=code)
    listed.set("count", str(len(listed)))
    formats[new] = code
    return new


class Styles:
    """The ``cellXfs`` of ``styles.xml`` and the number formats they use."""

    def __init__(self, xml: bytes | None) -> None:
        self.root = parse_xml(xml) if xml is not None else None
        self.formats: dict[int, str] = dict(BUILTIN_FORMATS)
        self._xfs: list[etree._Element] = []
        self._keys: list[tuple[object, ...]] = []
        self._dates: set[int] = set()
        self._durations: set[int] = set()
        self.changed = False
        if self.root is None:
            return
        for fmt in self.root.iterfind(f"{{{MAIN}}}numFmts/{{{MAIN}}}numFmt"):
            self.formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        for xf in self.root.iterfind(f"{{{MAIN}}}cellXfs/{{{MAIN}}}xf"):
            self._index(xf)

    def _index(self, xf: etree._Element) -> int:
        style = len(self._xfs)
        self._xfs.append(xf)
        rest = tuple(sorted((k, v) for k, v in xf.attrib.items() if k not in _VARIANT_ATTRS))
        # Alignment and protection are children: compare them as written.
        children = tuple((str(c.tag), tuple(sorted(c.attrib.items()))) for c in xf)
        self._keys.append((rest, children))
        number_format = self.number_format(style)
        if is_date_format(number_format):
            self._dates.add(style)
            if is_timedelta_format(number_format):
                self._durations.add(style)
        return style

    def number_format(self, style: int) -> str:
        """The number format code of a style (``General`` for an unknown one)."""
        if not 0 <= style < len(self._xfs):
            return "General"
        return self.formats.get(int(self._xfs[style].get("numFmtId", "0")), "General")

    def quoted(self, style: int) -> bool:
        """Whether a style carries Excel's text prefix."""
        return 0 <= style < len(self._xfs) and self._xfs[style].get("quotePrefix") in ("1", "true")

    @property
    def date_styles(self) -> frozenset[int]:
        """The styles that show a number as a date or a duration."""
        return frozenset(self._dates)

    def date_value(self, style: int, number: float) -> object:
        """A number cell's value as openpyxl reads it: a date or duration in a date style."""
        if style not in self._dates:
            return number
        try:
            return from_excel(number, CALENDAR_WINDOWS_1900, timedelta=style in self._durations)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def style_for(self, base: int, *, date_format: str | None, quoted: bool) -> int:
        """A style like ``base`` with the text prefix as asked and, for a date, a date format
        (``base``'s own if it has one, else ``date_format``), added when there is none."""
        if not self._xfs:
            if quoted or date_format:
                raise CannotPatch("the workbook has no cell styles")
            return 0
        base = base if 0 <= base < len(self._xfs) else 0

        def fits(style: int, exact: bool) -> bool:
            if self.quoted(style) != quoted:
                return False
            if date_format is None:
                return exact or self.number_format(style) == self.number_format(base)
            return style in self._dates and (exact or self.number_format(style) == date_format)

        if fits(base, exact=True):
            return base
        key = self._keys[base]
        found = next((i for i, k in enumerate(self._keys) if k == key and fits(i, False)), None)
        return found if found is not None else self._add(base, date_format, quoted)

    def _add(self, base: int, date_format: str | None, quoted: bool) -> int:
        assert self.root is not None
        xf = copy.deepcopy(self._xfs[base])
        if date_format is not None and base not in self._dates:
            xf.set("numFmtId", str(self._format_id(date_format)))
            xf.set("applyNumberFormat", "1")
        if quoted:
            xf.set("quotePrefix", "1")
        else:
            xf.attrib.pop("quotePrefix", None)
        xfs = self.root.find(f"{{{MAIN}}}cellXfs")
        assert xfs is not None, "a style was read from it"
        xfs.append(xf)
        xfs.set("count", str(len(xfs)))
        self.changed = True
        return self._index(xf)

    def _format_id(self, code: str) -> int:
        assert self.root is not None
        return format_id(self.root, self.formats, code)

    def to_xml(self) -> bytes:
        """``styles.xml`` with the styles added."""
        assert self.root is not None
        return to_xml(self.root)
