"""A workbook's cell styles as the patcher needs them: which are dates, and close variants.

The patcher never adds a style (``styles.xml`` is copied as it is): a cell it writes takes
the style its column already has, or another of the workbook's own styles that differs only
in its number format or Excel's text prefix (``quotePrefix``). When there is none, the
caller falls back to a full rewrite, which adds it; from then on the patch finds it.
"""

from __future__ import annotations

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

from graph.xlsx_package import MAIN, parse_xml

_VARIANT_ATTRS = ("numFmtId", "applyNumberFormat", "quotePrefix")


class Styles:
    """The ``cellXfs`` of ``styles.xml`` and the number formats they use."""

    def __init__(self, xml: bytes | None) -> None:
        self.formats: dict[int, str] = dict(BUILTIN_FORMATS)
        self.xfs: list[dict[str, str]] = []
        self._keys: list[tuple[object, ...]] = []
        if xml is None:
            return
        root = parse_xml(xml)
        for fmt in root.iterfind(f"{{{MAIN}}}numFmts/{{{MAIN}}}numFmt"):
            self.formats[int(fmt.get("numFmtId", "0"))] = fmt.get("formatCode", "")
        for xf in root.iterfind(f"{{{MAIN}}}cellXfs/{{{MAIN}}}xf"):
            attrs = dict(xf.attrib)
            self.xfs.append(attrs)
            rest = tuple(sorted((k, v) for k, v in attrs.items() if k not in _VARIANT_ATTRS))
            # Alignment and protection are children: compare them as written.
            children = tuple(parse_child(child) for child in xf)
            self._keys.append((rest, children))
        self._dates = {i for i in range(len(self.xfs)) if is_date_format(self.number_format(i))}
        self._durations = {i for i in self._dates if is_timedelta_format(self.number_format(i))}

    def number_format(self, style: int) -> str:
        """The number format code of a style (``General`` for an unknown one)."""
        if not 0 <= style < len(self.xfs):
            return "General"
        return self.formats.get(int(self.xfs[style].get("numFmtId", "0")), "General")

    def quoted(self, style: int) -> bool:
        """Whether a style carries Excel's text prefix."""
        return 0 <= style < len(self.xfs) and self.xfs[style].get("quotePrefix") in ("1", "true")

    def date_value(self, style: int, number: float) -> object:
        """A number cell's value as openpyxl reads it: a date or duration in a date style."""
        if style not in self._dates:
            return number
        try:
            return from_excel(number, CALENDAR_WINDOWS_1900, timedelta=style in self._durations)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def variant(self, base: int, *, date_format: str | None, quoted: bool) -> int | None:
        """A style like ``base`` with the text prefix as asked and, for a date, a date format
        (``base``'s own if it has one, else ``date_format``); None when the workbook has none."""
        if not self.xfs:
            return None if quoted or date_format else 0
        base = base if 0 <= base < len(self.xfs) else 0

        def fits(style: int, exact: bool) -> bool:
            if self.quoted(style) != quoted:
                return False
            if date_format is None:
                return exact or self.number_format(style) == self.number_format(base)
            return style in self._dates and (exact or self.number_format(style) == date_format)

        if fits(base, exact=True):
            return base
        key = self._keys[base]
        return next(
            (i for i, k in enumerate(self._keys) if k == key and fits(i, exact=False)), None
        )


def parse_child(child: object) -> tuple[str, tuple[tuple[str, str], ...]]:
    """An xf child (alignment, protection) as comparable data."""
    tag = getattr(child, "tag", "")
    attrib = getattr(child, "attrib", {})
    return str(tag), tuple(sorted(attrib.items()))
