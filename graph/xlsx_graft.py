"""Adding a sheet the bot built to an .xlsx package, or replacing its own, without a rewrite.

The bot's new sheets (Uppföljning, Åtgärder, a summary) are built with openpyxl in a
scratch workbook (``scratch_package``) and grafted into the target package: the sheet's
part, its table parts and relationships, an entry in the workbook's ``<sheets>`` (with the
sheet's own print area and print titles among the defined names), the workbook's
relationships, the content types, and the styles the sheet uses appended to
``styles.xml`` (``graph.xlsx_graft_styles``). Every other member is copied byte for byte
(``graph.xlsx_package.write_package``), so charts, images, pivot tables, comments and the
cached results of formulas elsewhere survive, which a full openpyxl load and save drops.

A replaced sheet keeps its place, its ``sheetId`` and its relationship, so the defined
names of other sheets (by position) stay valid; its old table parts are removed. Whatever
this does not handle raises ``CannotPatch`` before anything is written, and the caller
falls back to the openpyxl rewrite.
"""

from __future__ import annotations

import io
import posixpath
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

from lxml import etree
from openpyxl.workbook.workbook import Workbook

from graph.xlsx_graft_styles import StyleGraft
from graph.xlsx_package import (
    MAIN,
    PKG_REL,
    REL,
    TABLE_TYPE,
    WORKSHEET_TYPE,
    CannotPatch,
    Package,
    parse_xml,
    rels_part,
    to_xml,
    workbook_children_before,
    write_package,
)
from graph.xlsx_patch import calculate_on_load
from graph.xlsx_sheet import SharedStrings, Sheet
from graph.xlsx_styles import Styles

TYPES = "[Content_Types].xml"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
WORKSHEET_CT, TABLE_CT = f"{_CONTENT}worksheet+xml", f"{_CONTENT}table+xml"
_PRINTER_TYPE = f"{REL}/printerSettings"
_SHEET_NAMES = ("_xlnm.Print_Area", "_xlnm.Print_Titles", "_xlnm._FilterDatabase")
_BEFORE_NAMES = workbook_children_before("definedNames")


def scratch_package(wb: Workbook) -> Package:
    """A scratch workbook saved into memory, to graft its sheets from."""
    buffer = io.BytesIO()
    wb.save(buffer)
    return Package(buffer.getvalue())


def m(tag: str) -> str:
    """A tag of the spreadsheet namespace."""
    return f"{{{MAIN}}}{tag}"


class Graft:
    """A target package taking sheets from scratch packages; ``prepare`` writes it."""

    def __init__(self, package: Package) -> None:
        package.check_copyable()
        self.package = package
        self.book_part = package.workbook_part()
        self.book = parse_xml(package.part(self.book_part))
        props = self.book.find(m("workbookPr"))
        if props is not None and props.get("date1904") in ("1", "true"):
            raise CannotPatch("the workbook uses the 1904 date system")
        sheets = self.book.find(m("sheets"))
        if sheets is None:
            raise CannotPatch("the workbook part has no sheets")
        self.sheets = sheets
        self.book_rels = parse_xml(package.part(rels_part(self.book_part)))
        self.types = parse_xml(package.part(TYPES))
        self._rels = package.relationships(self.book_part)
        parts = {kind: target for kind, target in self._rels.values()}
        styles = next((t for k, t in parts.items() if k.endswith("/styles")), None)
        strings = next((t for k, t in parts.items() if k.endswith("/sharedStrings")), None)
        if styles is None:
            raise CannotPatch("the workbook has no styles part")
        self.styles_part, self.strings_part = styles, strings
        self.styles = StyleGraft(parse_xml(package.part(styles)))
        self.changed: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self._tables: dict[str, tuple[int, set[str]]] = {}  # part -> (id, names casefolded)
        # A table's name must differ from every other table's and every defined name.
        self._defined = {
            str(n.get("name", "")).casefold()
            for n in self.book.iterfind(f"{m('definedNames')}/{m('definedName')}")
        }
        for override in self.types.iterfind(f"{{{_CT}}}Override"):
            if override.get("ContentType") == TABLE_CT:
                name = str(override.get("PartName", "")).lstrip("/")
                root = parse_xml(package.part(name))
                names = {str(root.get(a, "")).casefold() for a in ("name", "displayName")}
                self._tables[name] = (int(root.get("id") or 0), names)

    @classmethod
    def read(cls, path: Path) -> Graft:
        """The file at ``path``, opened for grafting."""
        return cls(Package.read(path))

    def find(self, title: str) -> int | None:
        """The position of the sheet with this title (case and spaces ignored), or None."""
        wanted = title.strip().casefold()
        names = (str(s.get("name", "")).strip().casefold() for s in self.sheets)
        return next((i for i, name in enumerate(names) if name == wanted), None)

    def sheet(self, position: int) -> Sheet:
        """The worksheet at ``position`` read into values (e.g. to see whose it is)."""
        part = self._part_of(position)
        strings = self.package.part(self.strings_part) if self.strings_part else None
        styles = Styles(self.package.part(self.styles_part))
        return Sheet(self.package.part(part), SharedStrings(strings), styles)

    def _part_of(self, position: int) -> str:
        kind, part = self._rels.get(self.sheets[position].get(f"{{{REL}}}id", ""), ("", ""))
        if kind != WORKSHEET_TYPE:
            raise CannotPatch("the sheet is not a worksheet")
        return part

    def add(self, scratch: Package, title: str) -> None:
        """Append the scratch workbook's sheet ``title`` as the last sheet."""
        if self.find(title) is not None:
            raise CannotPatch(f"the workbook already has a sheet {title}")
        part = self._free("xl/worksheets/sheet{}.xml")
        self._sheet(scratch, title, part, ())
        ids = [rel.get("Id", "") for rel in self.book_rels]
        rid = next(f"rId{n}" for n in range(1, len(ids) + 2) if f"rId{n}" not in ids)
        target = posixpath.relpath(part, posixpath.dirname(self.book_part))
        etree.SubElement(
            self.book_rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=WORKSHEET_TYPE, Target=target
        )
        self._override(part, WORKSHEET_CT)
        sheet_id = max((int(s.get("sheetId") or 0) for s in self.sheets), default=0) + 1
        entry = etree.SubElement(self.sheets, m("sheet"), name=title, sheetId=str(sheet_id))
        entry.set(f"{{{REL}}}id", rid)
        self._names(scratch, title, len(self.sheets) - 1)

    def replace(self, scratch: Package, title: str, position: int) -> None:
        """Put the scratch workbook's sheet ``title`` in place of the sheet at ``position``:
        the same part, place, sheetId and relationship; its old tables are removed."""
        part = self._part_of(position)
        freed = []
        for kind, target in self.package.relationships(part).values():
            if kind not in (TABLE_TYPE, _PRINTER_TYPE):
                raise CannotPatch(f"the sheet holds more than tables ({kind})")
            self._drop(target)
            if kind == TABLE_TYPE:  # its name may serve a new table
                freed.append(target)
        rels = rels_part(part)
        if rels in self.package.members:
            self.removed.add(rels)  # written again below if the new sheet has tables
        self._sheet(scratch, title, part, freed)
        self.sheets[position].set("name", title)
        for name in list(self.book.iterfind(f"{m('definedNames')}/{m('definedName')}")):
            if name.get("localSheetId") == str(position) and name.get("name") in _SHEET_NAMES:
                parent = name.getparent()
                assert parent is not None
                parent.remove(name)
        self._names(scratch, title, position)

    def prepare(self) -> Callable[[str], None]:
        """The changed parts made ready; returns what writes the package to a temp file."""
        calculate_on_load(self.book)  # formulas elsewhere may read the new sheet
        self.changed[self.book_part] = to_xml(self.book)
        self.changed[rels_part(self.book_part)] = to_xml(self.book_rels)
        self.changed[TYPES] = to_xml(self.types)
        if self.styles.changed:
            self.changed[self.styles_part] = self.styles.to_xml()
        for name in set(self.added) & self.removed:  # a part written again in its place
            self.changed[name] = self.added.pop(name)
            self.removed.discard(name)
        if set(self.added) & self.package.members.keys():
            raise CannotPatch("a new part's name is taken")
        changed, added, removed = dict(self.changed), dict(self.added), set(self.removed)
        return lambda temp: write_package(self.package, changed, temp, added=added, removed=removed)

    def _sheet(self, scratch: Package, title: str, part: str, freed: Sequence[str]) -> None:
        """Graft the sheet's XML to ``part`` (new or replaced) with its tables."""
        source = scratch.sheet_part(title)
        if source is None:
            raise CannotPatch(f"the scratch workbook has no sheet {title}")
        root = parse_xml(scratch.part(source))
        if root.find(m("conditionalFormatting")) is not None:
            raise CannotPatch("the new sheet has conditional formats (differential styles)")
        rels = etree.Element(f"{{{PKG_REL}}}Relationships", nsmap={None: PKG_REL})
        for rid, (kind, target) in scratch.relationships(source).items():
            if kind != TABLE_TYPE:
                raise CannotPatch(f"the new sheet holds more than tables ({kind})")
            table = parse_xml(scratch.part(target))
            if any(k.endswith("DxfId") for e in table.iter() for k in e.attrib):
                raise CannotPatch("the new table has differential styles")
            names = {str(table.get(a, "")).casefold() for a in ("name", "displayName")}
            if names & self._defined or any(names & used for _, used in self._tables.values()):
                raise CannotPatch(f"the table name {table.get('name')} is taken")
            new = self._free("xl/tables/table{}.xml", freed)
            table.set("id", str(max((t for t, _ in self._tables.values()), default=0) + 1))
            self._tables[new] = (int(table.get("id", "0")), names)
            self.added[new] = to_xml(table)
            self._override(new, TABLE_CT)
            link = posixpath.relpath(new, posixpath.dirname(part))
            etree.SubElement(
                rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=TABLE_TYPE, Target=link
            )
        for view in root.iter(m("sheetView")):
            view.attrib.pop("tabSelected", None)  # the workbook's selected tab stays selected
        self._restyle(root, scratch)
        self._inline_strings(root, scratch)
        data = to_xml(root)
        if part in self.package.members:
            self.changed[part] = data
        else:
            self.added[part] = data
        if len(rels):
            self.added[rels_part(part)] = to_xml(rels)

    def _restyle(self, root: etree._Element, scratch: Package) -> None:
        styles = _book_part(scratch, "/styles")
        if styles is None:
            return
        mapping = self.styles.mapping(parse_xml(scratch.part(styles)))
        for tag, attribute in (("c", "s"), ("row", "s"), ("col", "style")):
            for element in root.iter(m(tag)):
                style = element.get(attribute)
                if style is not None:
                    element.set(attribute, str(mapping.get(int(style), 0)))

    def _inline_strings(self, root: etree._Element, scratch: Package) -> None:
        """Shared strings of the scratch workbook as inline strings: the target's shared
        string table stays as it was."""
        cells = [c for c in root.iter(m("c")) if c.get("t") == "s"]
        if not cells:
            return
        part = _book_part(scratch, "/sharedStrings")
        if part is None:
            raise CannotPatch("the scratch workbook lost its strings")
        items = list(parse_xml(scratch.part(part)).iterchildren(m("si")))
        for cell in cells:
            value = cell.find(m("v"))
            item = items[int(value.text or 0)] if value is not None else etree.Element(m("si"))
            if value is not None:
                cell.remove(value)
            inline = etree.SubElement(cell, m("is"))
            inline.extend(list(item))
            cell.set("t", "inlineStr")

    def _names(self, scratch: Package, title: str, position: int) -> None:
        """The scratch sheet's own defined names (print area, print titles), for ``position``."""
        book = parse_xml(scratch.part(scratch.workbook_part()))
        titles = [str(s.get("name")) for s in book.iterfind(f"{m('sheets')}/{m('sheet')}")]
        local = str(titles.index(title))
        found = [
            n
            for n in book.iterfind(f"{m('definedNames')}/{m('definedName')}")
            if n.get("localSheetId") == local
        ]
        if not found:
            return
        names = self.book.find(m("definedNames"))
        if names is None:
            earlier = [child for child in self.book if child.tag in _BEFORE_NAMES]
            names = etree.Element(m("definedNames"))
            earlier[-1].addnext(names)
        for name in found:
            name.set("localSheetId", str(position))
            names.append(name)

    def _drop(self, part: str) -> None:
        self.removed.add(part)
        self._tables.pop(part, None)
        for override in list(self.types.iterfind(f"{{{_CT}}}Override")):
            if override.get("PartName") == f"/{part}":
                self.types.remove(override)

    def _override(self, part: str, content_type: str) -> None:
        etree.SubElement(
            self.types, f"{{{_CT}}}Override", PartName=f"/{part}", ContentType=content_type
        )

    def _free(self, pattern: str, freed: Collection[str] = ()) -> str:
        """A ``freed`` part name not used again yet, else the first of ``pattern`` that no
        member uses."""
        again = next((name for name in sorted(freed) if name not in self.added), None)
        if again is not None:
            return again
        used = set(self.package.members) | set(self.added)
        names = (pattern.format(n) for n in range(1, len(used) + 2))
        return next(name for name in names if name not in used)


def _book_part(package: Package, kind: str) -> str | None:
    """The part the workbook relates to by a relationship type ending in ``kind``."""
    found = package.relationships(package.workbook_part()).values()
    return next((target for k, target in found if k.endswith(kind)), None)
