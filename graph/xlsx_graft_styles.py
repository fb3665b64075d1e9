"""Cell styles of a sheet built elsewhere, carried into a workbook's ``styles.xml``.

A sheet the bot builds in a scratch workbook (``graph.xlsx_graft``) refers to that
workbook's styles by index (``s="N"``). Each style it uses is looked up in the target
workbook, with its font, fill, border and number format, and *appended* where the target
has none like it: every existing style keeps its index and meaning, so no other cell
changes, and writing the same sheet again finds the styles the first write appended.
Index 0 of every list (and the reserved ``gray125`` fill, 1) is the workbook's own default,
as for a cell openpyxl adds to a loaded workbook.
"""

from __future__ import annotations

import copy

from lxml import etree

from graph.xlsx_package import MAIN, CannotPatch, to_xml
from graph.xlsx_styles import FIRST_CUSTOM, format_id

_PARTS = {"fontId": "fonts", "fillId": "fills", "borderId": "borders"}
_DEFAULTS = {"fonts": 1, "fills": 2, "borders": 1}  # the leading entries that mean "default"


def _shape(element: etree._Element) -> tuple[object, ...]:
    """An element as comparable data (tag, attributes, children), whatever namespaces
    its document declares."""
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        (element.text or "").strip(),
        tuple(_shape(child) for child in element if isinstance(child.tag, str)),
    )


def _formats(root: etree._Element) -> dict[int, str]:
    return {
        int(fmt.get("numFmtId", "0")): fmt.get("formatCode", "")
        for fmt in root.iterfind(f"{{{MAIN}}}numFmts/{{{MAIN}}}numFmt")
    }


class StyleGraft:
    """The target's ``styles.xml``, taking styles from scratch workbooks."""

    def __init__(self, root: etree._Element) -> None:
        self.root = root
        self.changed = False
        self._lists: dict[str, etree._Element] = {}
        self._known: dict[str, dict[tuple[object, ...], int]] = {}
        for name in (*_PARTS.values(), "cellXfs"):
            found = root.find(f"{{{MAIN}}}{name}")
            if found is None or not len(found):
                raise CannotPatch(f"styles.xml has no {name}")
            self._lists[name] = found
            known: dict[tuple[object, ...], int] = {}
            for index, child in enumerate(found):
                known.setdefault(_shape(child), index)
            self._known[name] = known
        self._formats = _formats(root)

    def mapping(self, scratch: etree._Element) -> dict[int, int]:
        """For each cell style of the scratch ``styles.xml``, the target's index of it."""
        lists = {name: scratch.find(f"{{{MAIN}}}{name}") for name in (*_PARTS.values(), "cellXfs")}
        xfs = lists["cellXfs"]
        if xfs is None or any(found is None for found in lists.values()):
            raise CannotPatch("the scratch styles are incomplete")
        formats = _formats(scratch)
        mapping = {0: 0}
        for index, xf in enumerate(xfs):
            if index:
                mapping[index] = self._xf(xf, lists, formats)
        return mapping

    def _xf(
        self,
        xf: etree._Element,
        lists: dict[str, etree._Element | None],
        formats: dict[int, str],
    ) -> int:
        made = copy.deepcopy(xf)
        for attribute, name in _PARTS.items():
            index = int(xf.get(attribute) or 0)
            if index >= _DEFAULTS[name]:
                source = lists[name]
                assert source is not None
                made.set(attribute, str(self._entry(name, source[index])))
        number = int(xf.get("numFmtId") or 0)
        if number >= FIRST_CUSTOM:
            made.set("numFmtId", str(self._format_id(formats[number])))
        made.set("xfId", "0")  # the workbook's Normal cell style
        return self._entry("cellXfs", made)

    def _entry(self, name: str, element: etree._Element) -> int:
        """The index of an entry like ``element`` in the target's list, appended if new."""
        shape = _shape(element)
        known = self._known[name]
        if shape in known:
            return known[shape]
        target = self._lists[name]
        target.append(copy.deepcopy(element))
        target.set("count", str(len(target)))
        known[shape] = len(target) - 1
        self.changed = True
        return known[shape]

    def _format_id(self, code: str) -> int:
        before = len(self._formats)
        found = format_id(self.root, self._formats, code)
        self.changed = self.changed or len(self._formats) != before
        return found

    def to_xml(self) -> bytes:
        """``styles.xml`` with the styles appended."""
        return to_xml(self.root)
