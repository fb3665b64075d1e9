"""Where a worksheet part's rows are, found in its bytes, and whether that can be trusted.

``locate`` splits a part into its skeleton (everything outside ``sheetData``) and its rows'
bytes, with each row's byte range by its number, for ``graph.xlsx_splice``. It refuses
(None) what a search by tags could misread: another encoding, a DOCTYPE, comments or CDATA
among the rows, namespace prefixes, rows without their ``r`` or out of order, cells whose
``r`` is not their first attribute, anything between rows; a shared or array formula raises
``CannotPatch``, as it does when the part is parsed whole.
"""

from __future__ import annotations

import re

from graph.xlsx_package import MAIN, CannotPatch

Index = dict[int, tuple[int, int]]  # row number -> (start, end) in the rows' bytes
Located = tuple[bytes, bytes, bytes, Index]  # root tag, skeleton, rows' bytes, index
SKELETON_DATA = b"<sheetData/>"
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:<\?xml[^>]*?\?>)?\s*")
_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_ROOT = re.compile(rb"<worksheet\b[^>]*>")
_DEFAULT_NS = f' xmlns="{MAIN}"'.encode()
_DATA_OPEN = re.compile(rb"<sheetData\s*(/?)>")
DATA_CLOSE = b"</sheetData>"
_ROW_START = re.compile(rb"<row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
# One pass for what the byte index refuses: comments and CDATA (rows and cells could not
# be found by their tags), a cell whose ``r`` is not its first attribute (the key reads
# would miss it; <color>, <condense> and <charset> only begin with "c"), and a shared or
# array formula (which the patch never handles).
_REFUSED = re.compile(rb"""<(?:!|c(?! r=")[\s/>]|f\b[^>]*\st\s*=\s*["'](?!normal["']))""")


def locate(xml: bytes) -> Located | None:
    """The part's root tag, its skeleton (``sheetData`` emptied), the rows' bytes and
    their index; None when it cannot be indexed safely."""
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
        end = xml.rfind(DATA_CLOSE)
        if end < start:
            return None
        rest = end + len(DATA_CLOSE)
    if xml.find(b"<sheetData", rest) >= 0:
        return None
    content = xml[start:end]
    refused = _REFUSED.search(content)
    if refused is not None:
        if refused.group().startswith(b"<f"):
            raise CannotPatch("the sheet has shared or array formulas")
        return None  # a comment or CDATA, or a cell whose reference is not first
    skeleton = xml[: opened.start()] + SKELETON_DATA + xml[rest:]
    index = index_rows(content)
    if index is None:
        return None
    return root.group(), skeleton, content, index


def index_rows(content: bytes) -> Index | None:
    """Each row's number -> its byte range in ``content``; None unless the rows fill it,
    each with its number, in ascending order."""
    # Rows tile sheetData: a row ends where the next begins (a regex scanning for each
    # row's end tag would cost a pass of Python's matcher over every byte).
    starts = [(m.start(), m.group(1)) for m in _ROW_START.finditer(content)]
    if content[: starts[0][0] if starts else len(content)].strip():
        return None
    spans: Index = {}
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
