"""The answer area of a workbook over Graph: found (table, else hand-made sheet) or made.

Shared by the cached read and by every write (which reads the table once per batch);
no SDK here: requests go through the transport of ``graph.excel_graph``.
"""

from __future__ import annotations

from collections.abc import Sequence

from graph import layout
from graph.graph_requests import (
    GraphCallError,
    Sender,
    SubRequest,
    area,
    call_error,
    path_segment,
    to_graph_value,
)
from graph.graph_sheets import AnswerArea, sheet_area, table_area
from graph.protocol import WorkbookUnreadable

SHEET, TABLE = path_segment(layout.ANSWER_SHEET), path_segment(layout.ANSWER_TABLE)
RANGE_FIELDS = "?$select=address,values"


def used_range(wb: str, sheet: str) -> str:
    """The URL of a sheet's usedRange, values only."""
    return f"{wb}/worksheets/{path_segment(sheet)}/usedRange(valuesOnly=true)"


def table_range(wb: str, table: str = layout.ANSWER_TABLE) -> str:
    """The URL of a table's whole range (header row and body), address and values only."""
    return f"{wb}/tables/{path_segment(table)}/range{RANGE_FIELDS}"


async def answer_area(
    t: Sender, wb: str, session: str, name: str
) -> tuple[AnswerArea | None, bool]:
    """The answers as they are now: the table (one GET), else the sheet; with no area,
    whether the Uppföljning sheet is there (empty) or not."""
    try:
        body = await t.send("GET", table_range(wb), session=session)
        return table_area(layout.ANSWER_TABLE, body), True
    except GraphCallError as e:
        if e.status != 404 or e.session_expired:
            raise
    return await area_without_table(t, wb, session, None, name)


async def area_without_table(
    t: Sender, wb: str, session: str | None, names: Sequence[str] | None, name: str
) -> tuple[AnswerArea | None, bool]:
    """A hand-made Uppföljning sheet: its first table, else its header row; no area if
    the sheet is empty, or not there (then False)."""
    if names is not None and layout.sheet_named(names, layout.ANSWER_SHEET) is None:
        return None, False
    headers = {"workbook-session-id": session} if session else {}
    got = await t.batch(
        [
            SubRequest("used", "GET", used_range(wb, layout.ANSWER_SHEET), headers=headers),
            SubRequest(
                "tables", "GET", f"{wb}/worksheets/{SHEET}/tables?$select=id,name", headers=headers
            ),
        ]
    )
    reply = got["used"]
    if reply.status == 404:
        error = call_error(reply.status, reply.headers, reply.body)
        if error.session_expired:
            raise error
        return None, False
    used = reply.result()
    tables = got["tables"].result().get("value", [])
    if tables:
        table = str(tables[0].get("name") or tables[0].get("id"))
        return table_area(table, await t.send("GET", table_range(wb, table), session=session)), True
    found = sheet_area(layout.ANSWER_SHEET, used)
    if found is None and not any(v not in (None, "") for r in used.get("values", []) for v in r):
        return None, True  # empty: e.g. our own creation was cut short
    if found is None:
        raise WorkbookUnreadable(
            f"{name}: bladet {layout.ANSWER_SHEET} saknar kolumnerna ID och Bedömning."
        )
    return found, True


async def create_answer_table(t: Sender, wb: str, session: str, sheet_exists: bool) -> None:
    """The Uppföljning sheet with the answer table's header row (or the rest of it, when
    an earlier attempt was cut short after adding the sheet)."""
    await create_table(
        t,
        wb,
        session,
        layout.ANSWER_SHEET,
        layout.ANSWER_HEADERS,
        layout.ANSWER_TABLE,
        sheet_exists=sheet_exists,
    )


async def create_table(
    t: Sender,
    wb: str,
    session: str,
    sheet_name: str,
    columns: Sequence[str],
    table_name: str,
    *,
    sheet_exists: bool,
) -> None:
    """A sheet of the bot's own (added unless it exists) with a named table of these
    columns in row 1, in one batch: the answers' Uppföljning and the Åtgärder sheet."""
    headers = {"workbook-session-id": session}
    last = area(1, 0, 1, len(columns) - 1)
    sheet = f"{wb}/worksheets/{path_segment(sheet_name)}"
    add = SubRequest("sheet", "POST", f"{wb}/worksheets/add", {"name": sheet_name}, headers)
    header = {"values": [[to_graph_value(h) for h in columns]]}
    got = await t.batch(
        [
            *([] if sheet_exists else [add]),
            SubRequest(
                "header",
                "PATCH",
                f"{sheet}/range(address='{last}')",
                header,
                headers,
                [] if sheet_exists else ["sheet"],
            ),
            SubRequest(
                "table",
                "POST",
                f"{sheet}/tables/add",
                {"address": last, "hasHeaders": True},
                headers,
                ["header"],
            ),
        ],
        retry=False,  # worksheets/add and tables/add are not idempotent
    )
    for rid in ("sheet", "header", "table"):
        if rid in got and got[rid].status != 424:
            got[rid].result()
    table_id = path_segment(str(got["table"].body.get("id")))
    await t.send("PATCH", f"{wb}/tables/{table_id}", {"name": table_name}, session=session)
