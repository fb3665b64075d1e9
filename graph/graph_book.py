"""One workbook in SharePoint: cached reads, and writes inside a workbook session.

The requests go through the source's transport (``graph.excel_graph``, the only module
that imports the SDK); this module decides which requests, in what order, and what a
failure means. A write is all-or-nothing from the journal's point of view: any error
leaves the answers pending, and the next attempt reads the table again and writes only
what is still missing, so nothing is lost or written twice.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

from bot.domain.followup import TrackedAction
from bot.domain.model import Answer, Plan
from bot.domain.status import Summary
from graph import layout
from graph.answer_rows import plan_upsert
from graph.graph_actions import write_actions_once
from graph.graph_answers import (
    answer_area,
    area_without_table,
    create_answer_table,
    table_range,
    used_range,
)
from graph.graph_requests import (
    MAX_BATCH,
    GraphCallError,
    Sender,
    SubRequest,
    path_segment,
    translate,
)
from graph.graph_session import WorkbookSession
from graph.graph_sheets import (
    AnswerArea,
    plan_candidates,
    plan_writes,
    read_plan,
    table_area,
)
from graph.graph_summary import (
    existing_sheet,
    first_failure,
    look_requests,
    rename_requests,
    sheet_requests,
)
from graph.plan_reader import find_header
from graph.protocol import WorkbookError, WorkbookNotFound, WriteResult
from graph.summary_sheet import SummarySheet, summary_sheet

if TYPE_CHECKING:
    from graph.excel_graph import GraphSource

_T = TypeVar("_T")
_KEY = re.compile(r"^[A-Za-z0-9!_.\-]{1,200}$")
_ITEM_FIELDS = "?$select=id,name,eTag,parentReference,file"


@dataclass(frozen=True, slots=True)
class _Snapshot:
    etag: str
    plan: Plan
    answers: tuple[Answer, ...]


class GraphWorkbook:
    """One .xlsx drive item; implements ``graph.protocol.Workbook``."""

    def __init__(self, source: GraphSource, key: str, name: str | None) -> None:
        self._source = source
        self._key = key
        self.known_name = name
        self._snapshot: _Snapshot | None = None
        self._checked = 0.0
        self._reload = asyncio.Lock()
        self._write = asyncio.Lock()
        self._session = WorkbookSession(lambda: source.transport, source.session_idle)
        self._verified = False  # the item was seen to be a plan of this source

    @property
    def key(self) -> str:
        """The drive item id (opaque, safe in card data)."""
        return self._key

    @property
    def name(self) -> str:
        """The file name, for messages (the id until the item has been read)."""
        return self.known_name or self._key

    @property
    def _t(self) -> Sender:
        return self._source.transport

    async def _base(self) -> tuple[str, str]:
        """(the drive item's URL, its workbook URL); a key outside the source is missing."""
        where = await self._source.location()
        if not valid_key(self._key) or (not where.folder and self._key != where.item_id):
            raise WorkbookNotFound(f"Arbetsboken {self.name} finns inte.")
        item = f"/drives/{where.drive_id}/items/{self._key}"
        return item, item + "/workbook"

    def _check_item(self, item: dict[str, Any]) -> str:
        """The item's eTag, after checking it is a plan of this source."""
        where = self._source._location
        parent = (item.get("parentReference") or {}).get("id")
        name = str(item.get("name", ""))
        if where is not None and where.folder and parent != where.item_id:
            raise WorkbookNotFound(f"Arbetsboken {self.name} finns inte i mappen.")
        if not name.lower().endswith(".xlsx"):
            raise WorkbookNotFound(f"{name} är ingen Excel-arbetsbok.")
        self.known_name = name
        self._verified = True
        return str(item.get("eTag", ""))

    # ---- reading ----

    async def _current(self) -> _Snapshot:
        snapshot = self._snapshot
        fresh = time.monotonic() - self._checked < self._source.revalidate_after
        if snapshot is not None and (self._write.locked() or fresh):
            return snapshot  # our own write is under way: what we hold is still the truth
        try:
            if snapshot is not None:
                item_url, _ = await self._base()
                etag = self._check_item(await self._t.send("GET", item_url + _ITEM_FIELDS))
                if etag == snapshot.etag:
                    self._checked = time.monotonic()
                    return snapshot
            async with self._reload:
                if self._snapshot is not None and self._snapshot is not snapshot:
                    return self._snapshot  # another task reloaded while we waited
                self._snapshot = await self._read()
                self._checked = time.monotonic()
                return self._snapshot
        except GraphCallError as e:
            raise translate(e, self.name) from e

    async def _read(self) -> _Snapshot:
        """Item, worksheets, plan, scale and answers in one $batch (more only if unusual)."""
        item_url, wb = await self._base()
        after = ["item"]
        got = await self._t.batch(
            [
                SubRequest("item", "GET", item_url + _ITEM_FIELDS),
                SubRequest(
                    "sheets", "GET", f"{wb}/worksheets?$select=name,position", depends_on=after
                ),
                SubRequest("plan", "GET", used_range(wb, layout.PLAN_SHEET), depends_on=after),
                SubRequest("scale", "GET", used_range(wb, layout.SETTINGS_SHEET), depends_on=after),
                SubRequest("answers", "GET", table_range(wb), depends_on=after),
            ]
        )
        etag = self._check_item(got["item"].result())
        sheets = sorted(got["sheets"].result().get("value", []), key=lambda s: s.get("position", 0))
        names = [str(s.get("name", "")) for s in sheets]
        ranges: dict[str, Any] = {}
        candidates = plan_candidates(names)
        if candidates and layout.same_sheet(candidates[0], layout.PLAN_SHEET):
            ranges[candidates[0]] = got["plan"].result()
        others = [n for n in candidates if n not in ranges]
        if others and not any(_has_header(r) for r in ranges.values()):
            # No Kontrollplan sheet with a header: read the other sheets, 20 to a request.
            extra = await self._t.batch(
                [SubRequest(str(i), "GET", used_range(wb, n)) for i, n in enumerate(others)]
            )
            ranges.update({n: extra[str(i)].result() for i, n in enumerate(others)})
        scale = got["scale"].result() if got["scale"].status != 404 else None
        plan = read_plan(
            [(n, ranges[n]) for n in candidates if n in ranges],
            scale,
            key=self._key,
            name=PurePosixPath(self.name).stem,
        )
        if got["answers"].status == 200:
            found: AnswerArea | None = table_area(layout.ANSWER_TABLE, got["answers"].body)
        elif got["answers"].status == 404:
            found, _ = await area_without_table(self._t, wb, None, names, self.name)
        else:
            got["answers"].result()  # raises
        return _Snapshot(etag, plan, found.answers(self._key) if found else ())

    async def read_plan(self) -> Plan:
        """The plan, with the rows that could not be understood listed in ``Plan.issues``."""
        return (await self._current()).plan

    async def read_answers(self) -> list[Answer]:
        """The rows of the Uppföljning table, as answers."""
        return list((await self._current()).answers)

    async def read_snapshot(self) -> _Snapshot:
        """The plan and the answers as last read (the same object until the eTag changes)."""
        return await self._current()

    # ---- writing ----

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        """Upsert answers by (ID, År, Period) in the Uppföljning table; see the module doc."""
        if not answers:
            return WriteResult()
        async with self._write:
            try:
                result, after = await self._in_session(
                    lambda wb, session: self._write_once(wb, session, list(answers))
                )
            except GraphCallError as e:
                self._checked = 0.0  # read again before trusting the cache
                raise translate(e, self.name) from e
            snapshot = self._snapshot
            if snapshot is not None and after is not None:
                self._snapshot = _Snapshot(snapshot.etag, snapshot.plan, after)
        return result

    async def _write_once(
        self, wb: str, session: str, answers: list[Answer]
    ) -> tuple[WriteResult, tuple[Answer, ...] | None]:
        found, sheet_exists = await answer_area(self._t, wb, session, self.name)
        if found is None:
            await create_answer_table(self._t, wb, session, sheet_exists)
            found, _ = await answer_area(self._t, wb, session, self.name)
            if found is None:
                message = f"{self.name}: bladet {layout.ANSWER_SHEET} gick inte att skapa."
                raise WorkbookError(message)
        upsert = plan_upsert(found.rows, found.columns, self._key, answers)
        writes = plan_writes(found, upsert)
        for values, ids in zip(writes.adds, writes.add_ids, strict=True):
            await self._add_rows(wb, session, found, values, ids)
        if writes.patches:
            chain: list[SubRequest] = []
            for i, (address, body) in enumerate(writes.patches):
                url = f"{wb}/worksheets/{path_segment(found.sheet)}/range(address='{address}')"
                chain.append(
                    SubRequest(
                        str(i),
                        "PATCH",
                        url,
                        body,
                        {"workbook-session-id": session},
                        [str(i - 1)] if i else [],
                    )
                )
            got = await self._t.batch(chain)
            for request in chain:  # the first real failure; 424s only follow from it
                reply = got[request.id]
                if reply.status != 424:
                    reply.result()
        if upsert.result.added == upsert.result.updated == 0:
            return upsert.result, None
        found.rows = writes.rows_after
        return upsert.result, found.answers(self._key)

    async def _add_rows(
        self, wb: str, session: str, found: AnswerArea, values: list[list[Any]], ids: list[str]
    ) -> None:
        """rows/add, sent once; after an unclear failure, check whether the rows landed."""
        url = f"{wb}/tables/{path_segment(found.table or '')}/rows/add"
        try:
            await self._t.send(
                "POST", url, {"index": None, "values": values}, session=session, retry=False
            )
        except GraphCallError as e:
            if e.session_expired or not (e.status == 0 or e.status >= 500 or e.status == 429):
                raise
            now, _ = await answer_area(self._t, wb, session, self.name)
            there = {a.answer_id for a in now.answers(self._key)} if now else set()
            if not all(i in there for i in ids):
                raise  # not there: the next attempt adds what is missing
            found.table_rows = now.table_rows if now else found.table_rows

    async def write_actions(self, actions: Sequence[TrackedAction]) -> WriteResult:
        """Upsert åtgärder in the Åtgärder table (see ``graph.graph_actions``)."""
        if not actions:
            return WriteResult()
        async with self._write:
            try:
                return await self._in_session(
                    lambda wb, session: write_actions_once(self._t, wb, session, self.name, actions)
                )
            except GraphCallError as e:
                self._checked = 0.0
                raise translate(e, self.name) from e

    async def write_summary(self, summary: Summary, *, pending: int = 0) -> str:
        """Replace the summary sheet in three round trips (see ``graph.graph_summary``)."""
        sheet = summary_sheet(summary, pending=pending)
        async with self._write:
            try:
                await self._in_session(
                    lambda wb, session: self._write_summary_once(wb, session, sheet)
                )
            except GraphCallError as e:
                raise translate(e, self.name) from e
        return sheet.name

    async def _in_session(self, work: Callable[[str, str], Awaitable[_T]]) -> _T:
        """``work(workbook url, session id)`` inside a workbook session (under the write
        lock); an expired session is recreated and the work started over, once. Graph's
        errors are left for the caller to translate."""
        try:
            item_url, wb = await self._base()
            if not self._verified:  # never read: check the key names one of ours
                self._check_item(await self._t.send("GET", item_url + _ITEM_FIELDS))
            attempt = 1
            while True:
                session = await self._session.open(wb)
                try:
                    return await work(wb, session)
                except GraphCallError as e:
                    if not e.session_expired or attempt == 2:
                        raise
                    self._session.forget()  # expired: a new session, and start over
                    attempt += 1
        finally:
            self._session.close_when_idle(self._write)

    async def _write_summary_once(self, wb: str, session: str, sheet: SummarySheet) -> None:
        look = await self._t.batch(look_requests(wb, session, sheet))
        replace = existing_sheet(look, sheet, self.name)
        requests = sheet_requests(wb, session, sheet, replace=replace)
        head, tail = requests[:MAX_BATCH], requests[MAX_BATCH:]
        written = await self._t.batch(head)
        first_failure(head, written)
        names = rename_requests(wb, session, sheet, written)
        if tail:  # one chain: the names first, then the formats that did not fit
            tail[0].depends_on = [names[-1].id] if names else []
        rest = names + tail
        if rest:
            first_failure(rest, await self._t.batch(rest))

    async def probe_write(self) -> None:
        """Add a scratch worksheet in a session, write a cell, and delete the sheet again:
        proves the bot may write, without touching any sheet people use."""
        async with self._write:
            try:
                _, wb = await self._base()
                session = await self._session.open(wb)
                sheet = path_segment(_SCRATCH_SHEET)
                await self._t.send(
                    "POST", f"{wb}/worksheets/add", {"name": _SCRATCH_SHEET}, session=session
                )
                try:
                    cell = f"{wb}/worksheets/{sheet}/range(address='A1')"
                    await self._t.send("PATCH", cell, {"values": [["ikbot"]]}, session=session)
                finally:
                    await self._t.send("DELETE", f"{wb}/worksheets/{sheet}", session=session)
            except GraphCallError as e:
                raise translate(e, self.name) from e
            finally:
                self._session.close_when_idle(self._write)

    async def close_session(self) -> None:
        """Close the workbook session now (after a write under way has finished)."""
        async with self._write:
            await self._session.close()


# The sheet `ikbot check-graph` adds and deletes again to prove it may write.
_SCRATCH_SHEET = "ikbot-kontroll"


def valid_key(key: str) -> bool:
    """A drive item id as Graph makes them; nothing path-like gets into a URL."""
    return _KEY.match(key) is not None


def _has_header(used: Any) -> bool:
    return find_header((used or {}).get("values") or []) is not None
