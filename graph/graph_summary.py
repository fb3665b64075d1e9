"""The summary sheet as Graph requests: a look first, then the write in chained ``$batch``es.

Three round trips for a summary of any length: (1) the worksheet list, the marker cell and
the used range of an existing summary sheet, in one ``$batch``; (2) delete the old sheet,
add the new one, all its values in one range PATCH, its tables, then the first formats
(bold headings, the risk matrix's fills, column widths) up to Graph's 20 requests; (3) our
names for the tables (Graph names new tables itself, and its names are only known from
(2)'s replies) and the formats that did not fit in (2). The values go in one PATCH per
500 rows, well below Graph's 4 MB body limit, so a summary of any size fits. Each
``$batch`` is a ``dependsOn`` chain, so the workbook sees one request at a time, in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graph.graph_requests import (
    SubRequest,
    SubResponse,
    column_letter,
    path_segment,
    to_graph_value,
)
from graph.graph_sheets import PATCH_SPAN
from graph.protocol import WorkbookError
from graph.summary_sheet import (
    MARKER_CELL,
    TABLE_STYLE,
    TITLE_SIZE,
    Area,
    SummarySheet,
    hand_made,
    number_format,
    replaceable,
    width_runs,
)

POINTS_PER_CHARACTER = 5.8  # Excel's default font: a width of 8.43 characters is 48 points


def look_requests(wb: str, session: str, sheet: SummarySheet) -> list[SubRequest]:
    """Batch (1): is there a sheet of this name, and may it be replaced."""
    headers = {"workbook-session-id": session}
    ws = f"{wb}/worksheets/{path_segment(sheet.name)}"
    return [
        SubRequest("sheets", "GET", f"{wb}/worksheets?$select=name", None, headers),
        SubRequest("marker", "GET", f"{ws}/range(address='{MARKER_CELL}')", None, headers),
        SubRequest(
            "used",
            "GET",
            f"{ws}/usedRange(valuesOnly=true)?$select=address,cellCount,values",
            None,
            headers,
        ),
    ]


def existing_sheet(replies: Mapping[str, SubResponse], sheet: SummarySheet, book: str) -> bool:
    """Whether the summary sheet exists (and may be replaced); a sheet of that name the bot
    did not make raises WorkbookError, a failed look raises GraphCallError."""
    names = [str(s.get("name", "")) for s in replies["sheets"].result().get("value", [])]
    if not any(n.casefold() == sheet.name.casefold() for n in names):
        return False
    marker = _first_value(replies["marker"].result())
    used = replies["used"].result()
    empty = int(used.get("cellCount") or 0) <= 1 and _first_value(used) in ("", None)
    if not replaceable(marker, empty):
        raise WorkbookError(hand_made(book, sheet.name))
    return True


def sheet_requests(
    wb: str, session: str, sheet: SummarySheet, *, replace: bool
) -> list[SubRequest]:
    """The sheet with its values, tables (ids "table:N"), bold text, fills and widths, as
    one chain; the first ``MAX_BATCH`` of them make batch (2)."""
    chain = _Chain(wb, session, sheet.name)
    if replace:
        chain.add("DELETE", "")
    chain.add("POST", None, {"name": sheet.name}, url=f"{wb}/worksheets/add")
    last_col = sheet.area.last_col
    for first in range(0, len(sheet.rows), PATCH_SPAN):  # one PATCH for most summaries
        rows = sheet.rows[first : first + PATCH_SPAN]
        body = {
            "values": [[to_graph_value(v) for v in row] for row in rows],
            "numberFormat": [[number_format(v) for v in row] for row in rows],
        }
        area = Area(first, 0, first + len(rows) - 1, last_col)
        chain.add("PATCH", _range(area.address), body)
    for index, table in enumerate(sheet.tables):
        body = {"address": table.area.address, "hasHeaders": True}
        chain.add("POST", "/tables/add", body, id=f"table:{index}")
    chain.add(
        "PATCH", _range(sheet.title.address) + "/format/font", {"bold": True, "size": TITLE_SIZE}
    )
    for area in sheet.bold:
        chain.add("PATCH", _range(area.address) + "/format/font", {"bold": True})
    for fill in sheet.fills:
        chain.add("PATCH", _range(fill.area.address) + "/format/fill", {"color": f"#{fill.rgb}"})
    for area in sheet.centred:
        chain.add("PATCH", _range(area.address) + "/format", {"horizontalAlignment": "Center"})
    for area in sheet.wrapped:
        body = {"wrapText": True, "verticalAlignment": "Top"}
        chain.add("PATCH", _range(area.address) + "/format", body)
    last_row = len(sheet.rows)
    for first, last, width in width_runs(sheet.widths):
        columns = f"{column_letter(first)}1:{column_letter(last)}{last_row}"
        points = round(width * POINTS_PER_CHARACTER, 1)
        chain.add("PATCH", _range(columns) + "/format", {"columnWidth": points})
    return chain.requests


def rename_requests(
    wb: str, session: str, sheet: SummarySheet, replies: Mapping[str, SubResponse]
) -> list[SubRequest]:
    """Batch (3): our names (and the local backend's style) for the tables Graph named
    itself (ids "name:N")."""
    chain = _Chain(wb, session, sheet.name)
    for index, table in enumerate(sheet.tables):
        made = replies[f"table:{index}"].result()
        # By the name Excel gave it: unique, and stable until we rename it.
        given = str(made.get("name") or made.get("id"))
        url = f"{wb}/tables/{path_segment(given)}"
        body = {"name": table.name, "style": TABLE_STYLE}
        chain.add("PATCH", None, body, url=url, id=f"name:{index}")
    return chain.requests


def first_failure(requests: list[SubRequest], replies: Mapping[str, SubResponse]) -> None:
    """Raise the first real failure of a chain (the 424s after it only follow from it)."""
    for request in requests:
        reply = replies[request.id]
        if reply.status != 424:
            reply.result()


class _Chain:
    """Requests on one worksheet, each depending on the one before."""

    def __init__(self, wb: str, session: str, sheet: str) -> None:
        self._ws = f"{wb}/worksheets/{path_segment(sheet)}"
        self._headers = {"workbook-session-id": session}
        self.requests: list[SubRequest] = []

    def add(
        self,
        method: str,
        tail: str | None,
        body: object = None,
        *,
        url: str | None = None,
        id: str | None = None,
    ) -> None:
        previous = [self.requests[-1].id] if self.requests else []
        target = url if url is not None else self._ws + (tail or "")
        item_id = id or str(len(self.requests))
        self.requests.append(
            SubRequest(item_id, method, target, body, dict(self._headers), previous)
        )


def _range(address: str) -> str:
    return f"/range(address='{address}')"


def _first_value(body: Any) -> object:
    values = (body or {}).get("values") or [[""]]
    return values[0][0] if values and values[0] else ""
