"""Single cell values both backends read and write: text, IDs, dates and Excel serials.

What a person typed is what the cell shows, every character. Text beginning with
``' = + - @`` or a tab/CR is stored *as text with Excel's quote prefix* (what Excel itself
does when someone types ``'=1+1``): the cell shows exactly what was written, reading it
back gives the same text, and Excel keeps it as text even when someone edits the cell
later. openpyxl does this with ``data_type = "s"`` plus ``cell.quotePrefix``; over
Microsoft Graph every text is sent with a leading apostrophe (see
``graph.graph_requests.to_graph_value``). ``needs_quote_prefix`` says when a file needs it.

In the .xlsx file itself, text is XML, which turns a carriage return into a line feed;
Excel therefore writes it as ``_x000D_`` (and a literal ``_x…_`` as ``_x005F_x…_``).
openpyxl does neither, so ``xlsx_text`` and ``from_xlsx_text`` do it for the local
backend, and read files Excel saved as Excel shows them.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from graph.layout import STOCKHOLM

# The control characters openpyxl refuses, and what XML cannot carry at all: one lone
# surrogate, U+FFFE or U+FFFF in a cell would make the whole workbook unreadable. The answer
# form refuses them with a message; this keeps any other path (a plan read back, a typed
# nämnd in a summary title) from writing one.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# What makes Excel take a typed entry for something other than this very text: a formula
# (= + - @, and a tab or CR before them), or its own text prefix (a leading apostrophe).
_PREFIX_NEEDED = ("=", "+", "-", "@", "\t", "\r", "'")
# OOXML's escape for characters XML cannot carry as they are (ST_Xstring): _xHHHH_.
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")
_TO_ESCAPE = re.compile(r"\r|_(?=x[0-9A-Fa-f]{4}_)")


def clean_text(value: object) -> str:
    """Text fit for a cell: characters Excel cannot store removed, at most 32,767 long."""
    return _ILLEGAL.sub("", str(value))[:32767]


def needs_quote_prefix(text: str) -> bool:
    """True when Excel would not keep this text as it is (a formula, or a leading
    apostrophe it would take for its prefix) unless the cell is quote-prefixed."""
    return text.startswith(_PREFIX_NEEDED)


def xlsx_text(text: str) -> str:
    """Text as a .xlsx file stores it: CR as ``_x000D_``, a literal ``_xHHHH_`` escaped."""
    if "\r" not in text and "_x" not in text:
        return text
    return _TO_ESCAPE.sub(lambda m: "_x000D_" if m.group() == "\r" else "_x005F_", text)


def from_xlsx_text(value: object) -> object:
    """A value read from a .xlsx file by openpyxl, with text unescaped as Excel shows it."""
    if isinstance(value, str) and "_x" in value:
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), value)
    return value


def cell_text(value: object) -> str:
    """A cell as trimmed text: "" for empty, dates as ISO, 7.0 as "7"."""
    if type(value) is str:  # most cells, and this runs for every cell of a plan
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def normalise_id(value: object) -> str:
    """A control ID as text: 7.0 -> "7", " 12 " -> "12"."""
    return cell_text(value)


def id_cell(control_id: str) -> object:
    """The ID as written: a number when it is one (so Excel sorts and looks it up)."""
    numeric = control_id.isdigit() and not control_id.startswith("0")
    return int(control_id) if numeric else control_id


_EPOCH = datetime(1899, 12, 30)  # Excel's 1900 date system, as serial numbers count it


def from_serial(value: float) -> datetime | None:
    """An Excel date serial (what Microsoft Graph returns for date cells) as a datetime."""
    if not 1 <= value < 2958466:  # 1900-01-01 .. 9999-12-31
        return None
    return _EPOCH + timedelta(days=value)


def to_serial(value: date) -> float:
    """A date or naive datetime as an Excel date serial (for backends that write numbers)."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    return (moment - _EPOCH) / timedelta(days=1)


def parse_date(value: object) -> date | None:
    """A date cell, a datetime cell, an Excel serial or ISO text ("2026-05-15")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = from_serial(value)
        return moment.date() if moment else None
    try:
        return datetime.fromisoformat(str(value).strip()).date()
    except ValueError:
        return None


def to_local(moment: datetime) -> datetime:
    """A timezone-aware moment as naive Stockholm time, to the second (what Excel shows)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(STOCKHOLM).replace(tzinfo=None, microsecond=0)
