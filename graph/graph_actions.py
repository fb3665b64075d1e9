"""The Åtgärder sheet over Graph: found or made, then upserted inside the workbook session.

One GET of the table's range, range PATCHes for rows already there (chained in one
``$batch``), ``rows/add`` for new rows (sent once; after an unclear failure the table is
read again and the rows that landed are not sent twice), and a PATCH giving the new rows'
dates their formats. No SDK here: requests go through the transport of
``graph.excel_graph``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.domain.followup import TrackedAction
from graph.action_rows import (
    ACTION_HEADERS,
    ACTION_SHEET,
    ACTION_TABLE,
    FORMATS,
    action_columns,
    action_values,
    plan_action_upsert,
)
from graph.graph_answers import create_table, table_range, used_range
from graph.graph_requests import (
    GraphCallError,
    Sender,
    SubRequest,
    area,
    path_segment,
    to_graph_value,
)
from graph.graph_sheets import AnswerArea, table_area
from graph.protocol import WorkbookError, WorkbookUnreadable, WriteResult

SHEET = path_segment(ACTION_SHEET)


async def write_actions_once(
    t: Sender, wb: str, session: str, name: str, actions: Sequence[TrackedAction]
) -> WriteResult:
    """Upsert the åtgärder into the Åtgärder table (made when missing)."""
    found = await _table(t, wb, session)
    if found is None:
        await _create(t, wb, session)
        found = await _table(t, wb, session)
        if found is None:
            raise WorkbookError(f"{name}: bladet {ACTION_SHEET} gick inte att skapa.")
    columns = action_columns(found.header)
    missing = [h for h in ACTION_HEADERS if h not in columns]
    if missing:
        raise WorkbookUnreadable(
            f"{name}: tabellen {ACTION_TABLE} saknar kolumnerna {', '.join(missing)}."
        )
    upsert = plan_action_upsert(found.rows, columns, actions)
    width = len(found.header)
    headers = {"workbook-session-id": session}
    placed = dict(upsert.updates)
    extra: list[TrackedAction] = []
    for offset, row in enumerate(upsert.appends):
        index = upsert.first_free + offset
        if index < found.table_rows:  # an empty row inside the table: fill it in place
            placed[index] = row
        else:
            extra.append(row)
    chain: list[SubRequest] = []
    for index, row in sorted(placed.items()):
        first = found.header_row + 1 + index
        address = area(first, found.first_col, first, found.first_col + width - 1)
        body = {"values": [_cells(row, columns, width)], "numberFormat": [_formats(columns, width)]}
        chain.append(_patch(wb, address, body, headers, chain))
    if extra:
        await _add_rows(t, wb, session, found, columns, extra)
        first = found.header_row + 1 + found.table_rows
        address = area(first, found.first_col, first + len(extra) - 1, found.first_col + width - 1)
        body = {"numberFormat": [_formats(columns, width) for _ in extra]}
        chain.append(_patch(wb, address, body, headers, chain))
    if chain:
        got = await t.batch(chain)
        for request in chain:  # the first real failure; 424s only follow from it
            if got[request.id].status != 424:
                got[request.id].result()
    return upsert.result


def _patch(
    wb: str, address: str, body: dict[str, Any], headers: dict[str, str], chain: list[SubRequest]
) -> SubRequest:
    url = f"{wb}/worksheets/{SHEET}/range(address='{address}')"
    after = [chain[-1].id] if chain else []
    return SubRequest(str(len(chain)), "PATCH", url, body, dict(headers), after)


def _cells(row: TrackedAction, columns: dict[str, int], width: int) -> list[Any]:
    cells: list[Any] = [None] * width  # None: a column people added is left as it is
    for header, value in action_values(row).items():
        cells[columns[header]] = to_graph_value(value)
    return cells


def _formats(columns: dict[str, int], width: int) -> list[Any]:
    formats: list[Any] = [None] * width
    for header, fmt in FORMATS.items():
        formats[columns[header]] = fmt
    return formats


async def _table(t: Sender, wb: str, session: str) -> AnswerArea | None:
    try:
        body = await t.send("GET", table_range(wb, ACTION_TABLE), session=session)
    except GraphCallError as e:
        if e.status != 404 or e.session_expired:
            raise
        return None
    return table_area(ACTION_TABLE, body)


async def _create(t: Sender, wb: str, session: str) -> None:
    """The Åtgärder sheet with the table's header row (or the rest of it, when an earlier
    attempt was cut short after adding the sheet)."""
    headers = {"workbook-session-id": session}
    got = await t.batch([SubRequest("used", "GET", used_range(wb, ACTION_SHEET), headers=headers)])
    exists = got["used"].status != 404
    await create_table(
        t, wb, session, ACTION_SHEET, ACTION_HEADERS, ACTION_TABLE, sheet_exists=exists
    )


async def _add_rows(
    t: Sender,
    wb: str,
    session: str,
    found: AnswerArea,
    columns: dict[str, int],
    rows: list[TrackedAction],
) -> None:
    """rows/add, sent once; after an unclear failure, check whether the rows landed."""
    width = len(found.header)
    values = [[("" if v is None else v) for v in _cells(r, columns, width)] for r in rows]
    url = f"{wb}/tables/{path_segment(ACTION_TABLE)}/rows/add"
    try:
        await t.send("POST", url, {"index": None, "values": values}, session=session, retry=False)
    except GraphCallError as e:
        if e.session_expired or not (e.status == 0 or e.status >= 500 or e.status == 429):
            raise
        now = await _table(t, wb, session)
        if now is None or plan_action_upsert(now.rows, columns, rows).appends:
            raise  # not (all) there: the next attempt adds what is missing
