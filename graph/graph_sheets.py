"""What the Graph backend reads from and writes to the sheets, as plain data (no SDK here).

Graph hands back ranges as ``{"address", "values"}`` and table rows as lists of values;
this module turns them into a plan, answers and an ``AnswerArea``, and turns an upsert
(``graph.answer_rows.plan_upsert``, the rules both backends share) into the few requests
that carry it out: range PATCHes for rows already there or free inside the table, and
``rows/add`` for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.domain.model import Answer, Plan
from graph import answer_rows, layout, plan_reader, settings_reader
from graph.graph_requests import area, parse_address, to_graph_value
from graph.protocol import WorkbookUnreadable

ADD_CHUNK = 500  # rows per rows/add: one request each, well below Graph's 4 MB body limit
PATCH_SPAN = 500  # rows one range PATCH may span (rows between the updates are sent as null)
_HEADER_SEARCH = 50  # a hand-made Uppföljning sheet's header is within its first rows


def sheet_of(address: str) -> str:
    """The sheet name of a range address: ``'Blad 1'!A1:B2`` -> ``Blad 1``."""
    sheet = address.rsplit("!", 1)[0] if "!" in address else ""
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    return sheet


def range_rows(used: Mapping[str, Any]) -> tuple[int, int, list[list[Any]]]:
    """A workbookRange as (first row, first column index, values)."""
    first_row, first_col, _, _ = parse_address(str(used.get("address") or "A1"))
    values = used.get("values") or []
    return first_row, first_col, [list(row) for row in values]


def read_plan(
    sheets: Sequence[tuple[str, Mapping[str, Any]]],
    settings: Mapping[str, Any] | None,
    *,
    key: str,
    name: str,
) -> Plan:
    """The plan from the first of ``sheets`` (name, usedRange) with a header row, with what
    the Inställningar sheet's usedRange (``settings``) says."""
    found = settings_reader.Settings()
    if settings is not None:
        first, _, rows = range_rows(settings)
        found = settings_reader.parse_settings(rows, first_row=first)
    for sheet, used in sheets:
        first, _, rows = range_rows(used)
        if plan_reader.find_header(rows) is None:
            continue
        return plan_reader.parse_plan(
            rows, plan_key=key, name=name, sheet=sheet, first_row=first, settings=found
        )
    raise WorkbookUnreadable(f"{name}: inget blad har en rubrikrad med ID och Kontrollmoment.")


def plan_candidates(names: Sequence[str]) -> list[str]:
    """The sheets that may hold the plan, in the order the local backend tries them."""
    ours = [n for n in names if layout.same_sheet(n, layout.PLAN_SHEET)]
    others = [n for n in names if n not in ours and layout.may_hold_plan(n)]
    return ours[:1] + others


@dataclass(slots=True)
class AnswerArea:
    """Where the answers are: the header, the data rows below it, and the table, if any."""

    sheet: str
    header_row: int  # the header's row number in the sheet
    first_col: int  # 0-based sheet column of the area's first column
    header: list[Any]
    rows: list[list[Any]]  # data rows, as wide as the header
    table: str | None = None  # the table's name when the rows are a table's body
    table_rows: int = 0  # rows in the table's body (rows/add appends after them)

    @property
    def columns(self) -> dict[str, int]:
        """Answer headers -> column index within the area."""
        return layout.answer_columns(self.header)

    def answers(self, key: str) -> tuple[Answer, ...]:
        """The rows that read as answers."""
        found = (answer_rows.row_to_answer(r, key, self.columns) for r in self.rows)
        return tuple(a for a in found if a is not None)


def _padded(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    return [[*row[:width], *([""] * (width - len(row)))] for row in rows]


def table_area(name: str, table_range: Mapping[str, Any]) -> AnswerArea:
    """The area of a table from its range (header row first, then the body)."""
    header_row, first_col, values = range_rows(table_range)
    header = list(values[0]) if values else []
    return AnswerArea(
        sheet_of(str(table_range.get("address") or "")),
        header_row,
        first_col,
        header,
        _padded(values[1:], len(header)),
        table=name,
        table_rows=max(0, len(values) - 1),
    )


def sheet_area(sheet: str, used: Mapping[str, Any]) -> AnswerArea | None:
    """The area of a sheet without a table: below the first row naming ID and Bedömning
    (or ID, År and Period)."""
    first_row, first_col, values = range_rows(used)
    for index, row in enumerate(values[:_HEADER_SEARCH]):
        if layout.is_answer_header(layout.answer_columns(row)):
            header = list(row)
            while header and header[-1] in (None, ""):
                header.pop()
            return AnswerArea(
                sheet,
                first_row + index,
                first_col,
                header,
                _padded(values[index + 1 :], len(header)),
            )
    return None


@dataclass(slots=True)
class Writes:
    """The requests one batch needs, and the area as it will be afterwards."""

    patches: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (address, body)
    adds: list[list[list[Any]]] = field(default_factory=list)  # rows/add chunks
    add_ids: list[list[str]] = field(default_factory=list)  # the Svar-IDs of each chunk
    rows_after: list[list[Any]] = field(default_factory=list)


def _cells(answer: Answer, columns: Mapping[str, int], width: int, fill: Any) -> list[Any]:
    row = [fill] * width
    for header, value in answer_rows.answer_values(answer).items():
        if header in columns:  # an optional column the table lacks is left out
            row[columns[header]] = to_graph_value(value)
    return row


_FORMATS = {"Besvarad": layout.DATETIME_FORMAT, "Klart senast": layout.DATE_FORMAT}


def _formats(answer: Answer, columns: Mapping[str, int], width: int) -> list[Any]:
    # Number formats for the date cells (None leaves a cell's format alone): Excel would
    # pick a date format from the workbook's locale when it reads the ISO text.
    row: list[Any] = [None] * width
    for header, value in answer_rows.answer_values(answer).items():
        if header in _FORMATS and header in columns and value not in (None, ""):
            row[columns[header]] = _FORMATS[header]
    return row


def _plain(answer: Answer, columns: Mapping[str, int], old: Sequence[Any]) -> list[Any]:
    # The row as a later read would give it back (text without the apostrophe).
    row = list(old)
    for header, value in answer_rows.answer_values(answer).items():
        if header in columns:
            row[columns[header]] = "" if value is None else value
    return row


def plan_writes(
    target: AnswerArea, upsert: answer_rows.Upsert, *, add_chunk: int = ADD_CHUNK
) -> Writes:
    """Turn an upsert into range PATCHes (existing and free table rows) and rows/add chunks."""
    columns = target.columns
    writes = Writes()
    missing = [h for h in layout.ANSWER_HEADERS if h not in columns]
    header = list(target.header)
    continued = any(a.continuation for _, a in upsert.updates) or any(
        a.continuation for a in upsert.appends
    )
    if target.table is None and continued and layout.CONTINUATION_HEADER not in columns:
        missing.append(layout.CONTINUATION_HEADER)
    if target.table is not None:
        # A table cannot be widened by these writes: without an optional column (Underlag)
        # the rest of each row is still written.
        missing = [h for h in missing if h not in layout.OPTIONAL_ANSWER_HEADERS]
    if missing and target.table is not None:
        raise WorkbookUnreadable(
            f"Tabellen {target.table} på bladet {target.sheet} saknar kolumnerna "
            f"{', '.join(missing)}. Lägg till dem i tabellen."
        )
    if missing:  # a sheet made by hand: add the missing headers to the right
        start = target.first_col + len(header)
        end = start + len(missing) - 1
        address = area(target.header_row, start, target.header_row, end)
        writes.patches.append((address, {"values": [[to_graph_value(h) for h in missing]]}))
        header += missing
        columns = layout.answer_columns(header)
    width = len(header)
    rows = [[*r, *([""] * (width - len(r)))] for r in target.rows]
    placed: dict[int, Answer] = dict(upsert.updates)
    room = target.table_rows if target.table is not None else len(rows) + len(upsert.appends)
    extra: list[Answer] = []
    for offset, answer in enumerate(upsert.appends):
        index = upsert.first_free + offset
        if index < room:
            placed[index] = answer
        else:
            extra.append(answer)
    rows += [[""] * width for _ in range(max(0, max(placed, default=-1) + 1 - len(rows)))]
    for start, end in _blocks(sorted(placed)):
        # One PATCH per block of rows: null cells (rows in between) are left as they are.
        first = target.header_row + 1 + start
        address = area(first, target.first_col, first + end - start, target.first_col + width - 1)
        indexes = range(start, end + 1)
        values = [
            _cells(placed[i], columns, width, None) if i in placed else [None] * width
            for i in indexes
        ]
        formats = [
            _formats(placed[i], columns, width) if i in placed else [None] * width for i in indexes
        ]
        writes.patches.append((address, {"values": values, "numberFormat": formats}))
    for index, answer in placed.items():
        rows[index] = _plain(answer, columns, rows[index])
    if extra:  # rows/add takes no formats: one PATCH after it formats the new rows' dates
        first = target.header_row + 1 + target.table_rows
        address = area(
            first, target.first_col, first + len(extra) - 1, target.first_col + width - 1
        )
        writes.patches.append(
            (address, {"numberFormat": [_formats(a, columns, width) for a in extra]})
        )
    for block in range(0, len(extra), add_chunk):
        chunk = extra[block : block + add_chunk]
        writes.adds.append([_cells(a, columns, width, "") for a in chunk])
        writes.add_ids.append([a.answer_id for a in chunk])
        rows += [_plain(a, columns, [""] * width) for a in chunk]
    writes.rows_after = rows
    return writes


def _blocks(indexes: Sequence[int], span: int = PATCH_SPAN) -> list[tuple[int, int]]:
    """Sorted row indexes as (first, last) blocks of at most ``span`` rows each:
    [1, 2, 7, 900] -> [(1, 7), (900, 900)] with span 500."""
    blocks: list[tuple[int, int]] = []
    for index in indexes:
        if blocks and index - blocks[-1][0] < span:
            blocks[-1] = (blocks[-1][0], index)
        else:
            blocks.append((index, index))
    return blocks
