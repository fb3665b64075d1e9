"""An .xlsx file as a zip package of XML parts: find a sheet's parts, copy the rest raw.

The patcher (``graph.xlsx_patch``) changes a few parts and must leave every other one as it
was, byte for byte: ``write_package`` copies each untouched member's compressed bytes
unchanged (same name, same order, same compression), so its cost does not grow with the
plan sheet, and charts, images, pivot caches and anything else the bot does not understand
pass through whole.
"""

from __future__ import annotations

import copy
import io
import posixpath
import struct
import threading
import time
import zipfile
from collections.abc import Collection, Mapping
from pathlib import Path

from lxml import etree

from graph import layout

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# The order of xl/workbook.xml's children (CT_Workbook's sequence), up to what we insert.
_WORKBOOK_CHILDREN = (
    "fileVersion",
    "fileSharing",
    "workbookPr",
    "workbookProtection",
    "bookViews",
    "sheets",
    "functionGroups",
    "externalReferences",
    "definedNames",
    "calcPr",
)


def workbook_children_before(name: str) -> frozenset[str]:
    """The tags of the workbook part's children that must come before a ``name`` child."""
    earlier = _WORKBOOK_CHILDREN[: _WORKBOOK_CHILDREN.index(name)]
    return frozenset(f"{{{MAIN}}}{t}" for t in earlier)


PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
WORKSHEET_TYPE = f"{REL}/worksheet"
TABLE_TYPE = f"{REL}/table"
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # a zip member's local file header
_DATA_DESCRIPTOR = 0x08


class CannotPatch(Exception):  # noqa: N818 - a reason, not a failure: the caller falls back
    """The package holds something the patcher does not handle; the caller falls back."""


# Parts come from people's files: no entities, no network, but big sheets are fine. One
# parser per thread: an lxml parser used by two threads at once corrupts memory, and
# workbooks are read in worker threads side by side.
_PARSERS = threading.local()


def parse_xml(data: bytes) -> etree._Element:
    """A part's XML root (entities are never resolved)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=True, collect_ids=False
        )
    return etree.fromstring(data, parser)


def to_xml(root: etree._Element) -> bytes:
    """A part's XML as bytes, with the declaration Office writes."""
    # Office's own declaration, byte for byte (lxml would quote it with apostrophes).
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


def rels_part(part: str) -> str:
    """The name of a part's relationships part ("" is the package's own)."""
    folder, base = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{base}.rels")


class Package:
    """An .xlsx file read into memory: its members and its relationships."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))  # BytesIO shares the bytes, no copy
        self.members = {info.filename: info for info in self.zip.infolist()}

    @classmethod
    def read(cls, path: Path) -> Package:
        """The file at ``path`` as a package."""
        return cls(path.read_bytes())

    def check_copyable(self) -> None:
        """``CannotPatch`` unless every member can be copied raw (none is encrypted)."""
        for info in self.members.values():
            header = _LOCAL_HEADER.unpack_from(self.data, info.header_offset)
            if header[0] != b"PK\x03\x04" or info.flag_bits & 0x01:
                raise CannotPatch(f"the member {info.filename} cannot be copied")

    def part(self, name: str) -> bytes:
        """A member's uncompressed bytes; ``CannotPatch`` when it is not there."""
        if name not in self.members:
            raise CannotPatch(f"the part {name} is missing")
        return self.zip.read(name)

    def relationships(self, part: str) -> dict[str, tuple[str, str]]:
        """A part's relationships: id -> (type, target part name); {} when it has none."""
        folder = posixpath.dirname(part)
        rels = rels_part(part)
        if rels not in self.members:
            return {}
        found = {}
        for rel in parse_xml(self.part(rels)).iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target", "")
            name = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            found[rel.get("Id", "")] = (rel.get("Type", ""), posixpath.normpath(name))
        return found

    def workbook_part(self) -> str:
        """The workbook part's name (``xl/workbook.xml`` in every file Excel writes)."""
        for _, (kind, target) in self.relationships("").items():
            if kind.endswith("/officeDocument"):
                return target
        raise CannotPatch("the package has no workbook part")

    def sheet_part(self, title: str) -> str | None:
        """The worksheet part of the sheet with this title (case and spaces ignored)."""
        book = self.workbook_part()
        rels = self.relationships(book)
        for sheet in parse_xml(self.part(book)).iter(f"{{{MAIN}}}sheet"):
            if layout.same_sheet(str(sheet.get("name", "")), title):
                kind, target = rels.get(sheet.get(f"{{{REL}}}id", ""), ("", ""))
                if kind != WORKSHEET_TYPE:
                    raise CannotPatch(f"the sheet {title} is not a worksheet")
                return target
        return None

    def table_parts(self, sheet_part: str, sheet: etree._Element) -> list[str]:
        """The sheet's table parts, in the order its ``tableParts`` lists them."""
        rels = self.relationships(sheet_part)
        found = []
        # Only the worksheet's own children: iterating the whole tree costs a pass over
        # every cell.
        listed = [t for parts in sheet.iterchildren(f"{{{MAIN}}}tableParts") for t in parts]
        for table in listed:
            kind, target = rels.get(table.get(f"{{{REL}}}id", ""), ("", ""))
            if kind == TABLE_TYPE:
                found.append(target)
        return found


def write_package(
    package: Package,
    changed: Mapping[str, bytes],
    temp: str,
    *,
    added: Mapping[str, bytes] | None = None,
    removed: Collection[str] = (),
) -> None:
    """Write ``package`` to ``temp`` with the ``changed`` parts replaced, the ``removed``
    ones left out, the ``added`` ones after the rest, and every other member copied raw."""
    added = added or {}
    if set(changed) - package.members.keys() or set(added) & package.members.keys():
        raise CannotPatch("only parts already in the package are replaced")
    with open(temp, "wb") as out, zipfile.ZipFile(out, "w") as dest:
        dest.comment = package.zip.comment
        for name, info in package.members.items():
            if name in removed:
                continue
            if name in changed:
                fresh = zipfile.ZipInfo(name, info.date_time)
                fresh.compress_type = info.compress_type
                fresh.external_attr = info.external_attr
                fresh.create_system = info.create_system
                # The fastest level: the part is written again with every batch.
                dest.writestr(fresh, changed[name], compresslevel=1)
            else:
                _copy_raw(package, info, dest)
        for name, data in added.items():
            member = zipfile.ZipInfo(name, time.localtime()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            dest.writestr(member, data, compresslevel=1)


def _copy_raw(package: Package, info: zipfile.ZipInfo, dest: zipfile.ZipFile) -> None:
    # zipfile has no public call to copy a member without inflating and deflating it again;
    # this is what its own ZipFile.mkdir does to write an entry: a local header from the
    # ZipInfo, then the bytes, and the entry registered for the central directory.
    start = info.header_offset
    header = _LOCAL_HEADER.unpack_from(package.data, start)  # checked by check_copyable
    data_start = start + _LOCAL_HEADER.size + header[10] + header[11]
    raw = package.data[data_start : data_start + info.compress_size]
    entry = copy.copy(info)
    entry.flag_bits &= ~_DATA_DESCRIPTOR  # the sizes go into the local header instead
    entry.header_offset = dest.fp.tell()  # type: ignore[union-attr]
    dest.fp.write(entry.FileHeader())  # type: ignore[union-attr]
    dest.fp.write(raw)  # type: ignore[union-attr]
    dest.filelist.append(entry)
    dest.NameToInfo[entry.filename] = entry
    dest.start_dir = dest.fp.tell()  # type: ignore[attr-defined,union-attr]
    dest._didModify = True  # type: ignore[attr-defined]
