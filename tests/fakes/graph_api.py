"""Routing for the fake Graph: sites, drives, items and the Excel workbook API.

Paths arrive percent-decoded and without "/v1.0". Workbook requests run one at a time
per file (an asyncio.Lock each, the openpyxl work in a thread) and writes are saved to
the real .xlsx before the reply, so a test can open the file right after.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes import graph_cells as cells
from tests.fakes import graph_workbook as xl
from tests.fakes.graph_directory import Memberships
from tests.fakes.graph_drive import Drive
from tests.fakes.graph_errors import Call, GraphError, Reply, session_invalid
from tests.fakes.graph_teamwork import Teamwork

_FUNCTION = re.compile(r"^(?P<name>\w+)(?:\((?P<args>.*)\))?$", re.S)
# Writes the lock (someone holds the file) refuses; session bookkeeping is never refused.
_SESSION_OPS = {"createSession", "refreshSession", "closeSession"}


@dataclass
class Session:
    """A workbook session: the file it belongs to and when it was last used."""

    rel: str
    persist: bool
    last_used: float


def _args(text: str | None) -> dict[str, str]:
    """OData function arguments: ``address='A1:B2',valuesOnly=true`` (quotes doubled)."""
    found: dict[str, str] = {}
    for match in re.finditer(r"(\w+)\s*=\s*('(?:[^']|'')*'|[^,]*)", text or ""):
        value = match.group(2).strip()
        if value.startswith("'") and value.endswith("'") and len(value) >= 2:
            value = value[1:-1].replace("''", "'")
        found[match.group(1).casefold()] = value
    return found


def _segments(tail: str) -> list[tuple[str, dict[str, str]]]:
    """Path segments with their OData arguments; ``worksheets('Blad')`` is ``worksheets/Blad``."""
    found: list[tuple[str, dict[str, str]]] = []
    for part in [p for p in tail.split("/") if p]:
        match = _FUNCTION.match(part)
        if match is None:
            found.append((part, {}))
            continue
        name, args = match.group("name"), match.group("args")
        if name in ("worksheets", "tables") and args is not None:
            key = args.strip()
            if key.startswith("'") and key.endswith("'"):
                key = key[1:-1].replace("''", "'")
            found += [(name, {}), (key, {})]
        else:
            found.append((name, _args(args)))
    return found


class Api:
    """Answers one call; the FakeGraph around it handles HTTP, faults and $batch."""

    def __init__(self, drive: Drive, session_ttl: float) -> None:
        self.drive = drive
        self.session_ttl = session_ttl
        self.sessions: dict[str, Session] = {}
        self.locked: dict[str, GraphError] = {}
        self.directory = Memberships()
        self.teamwork = Teamwork(self.directory)
        self._locks: dict[str, asyncio.Lock] = {}
        self._cache: dict[str, tuple[int, xl.Loaded]] = {}

    async def dispatch(self, call: Call) -> Reply:
        """Route one call to the site, drive or workbook handler."""
        path = call.path.rstrip("/") if call.path != "/" else call.path
        if path.startswith("/appCatalogs/") or (
            path.startswith("/users/") and not path.endswith("/checkMemberGroups")
        ):
            return self.teamwork.dispatch(call)
        if path.startswith(("/users/", "/groups/")):
            return self.directory.dispatch(call)
        if path.startswith("/sites/"):
            found = self.drive.resolve_site(path[len("/sites/") :])
            if found is None:
                raise GraphError(404, "itemNotFound", "Requested site could not be found")
            _, tail = found
            if tail == "":
                return self._get(call, self.drive.site_json())
            if tail == "/drives":
                return self._get(call, {"value": self.drive.drives_json()})
            if tail == "/drive":
                return self._get(call, self.drive.drive_json())
            if tail.startswith("/drive/"):
                return await self._drive(call, tail[len("/drive/") :])
            if tail.startswith("/drives/"):
                path = tail
            else:
                raise GraphError(400, "BadRequest", f"Resource not found for the segment {tail}.")
        if path.startswith("/drives/"):
            drive_id, _, rest = path[len("/drives/") :].partition("/")
            if drive_id == self.drive.other_drive[1]:
                if rest == "":
                    return self._get(call, self.drive.drive_json(*self.drive.other_drive))
                raise GraphError(404, "itemNotFound", "The resource could not be found.")
            if drive_id != self.drive.drive_id:
                raise GraphError(404, "itemNotFound", "The drive could not be found.")
            if rest == "":
                return self._get(call, self.drive.drive_json())
            return await self._drive(call, rest)
        raise GraphError(400, "BadRequest", f"Invalid request: {call.path}")

    def _get(self, call: Call, body: Any) -> Reply:
        if call.method != "GET":
            raise GraphError(405, "notSupported", "The HTTP method is not allowed here.")
        return Reply(200, body)

    async def _drive(self, call: Call, rest: str) -> Reply:
        """``root``, ``root:/path:…``, ``items/{id}…`` inside the library."""
        # "root", "items/{id}", then optionally ":/relative/path" (":" again before a tail);
        # the SDK's by_drive_item_id("root:/a/b.xlsx:") makes "items/root:/a/b.xlsx:".
        if rest.startswith("items/"):
            rest = rest[len("items/") :]
        elif not (rest == "root" or rest.startswith(("root/", "root:"))):
            raise GraphError(400, "BadRequest", f"Unsupported segment: {rest}")
        ref = re.match(r"[^/:]*", rest).group(0)  # type: ignore[union-attr]
        rel, tail = self.drive.rel_by_id(ref), rest[len(ref) :]
        if tail.startswith(":"):
            path, colon, tail = tail[1:].partition(":")
            rel = self.drive.rel_by_path(f"{rel}/{path}")
            if tail and not colon:
                raise GraphError(400, "BadRequest", "A path must end with ':' before a segment.")
        if tail in ("", "/"):
            return self._get(call, self.drive.item_json(rel))
        if tail == "/children":
            return self._get(call, {"value": self.drive.children_json(rel)})
        if tail.startswith("/workbook/") or tail == "/workbook":
            if not self.drive.path_of(rel).is_file() or not rel.lower().endswith(".xlsx"):
                raise GraphError(400, "BadRequest", "The item is not an Excel workbook.")
            return await self._workbook(call, rel, _segments(tail[len("/workbook") :]))
        raise GraphError(400, "BadRequest", f"Unsupported segment: {tail}")

    # ---- sessions ----

    def _session(self, call: Call, rel: str, op: str) -> None:
        sid = call.headers.get("workbook-session-id")
        if sid is None:
            if op in ("refreshSession", "closeSession"):
                raise GraphError(400, "BadRequest", "The workbook-session-id header is missing.")
            return  # sessionless: allowed, every call persists
        session = self.sessions.get(sid)
        now = time.monotonic()
        if session is None or session.rel != rel or now - session.last_used > self.session_ttl:
            self.sessions.pop(sid, None)
            raise session_invalid()
        session.last_used = now

    def expire_sessions(self) -> None:
        """Every open session becomes invalid."""
        self.sessions.clear()

    # ---- the workbook API ----

    async def _workbook(
        self, call: Call, rel: str, segments: list[tuple[str, dict[str, str]]]
    ) -> Reply:
        names = [name for name, _ in segments]
        op = names[0] if names else ""
        self._session(call, rel, op)
        if op == "createSession":
            persist = bool((call.body or {}).get("persistChanges", False))
            sid = "cluster=FG&session=" + secrets.token_hex(16)
            self.sessions[sid] = Session(rel, persist, time.monotonic())
            return Reply(201, {"id": sid, "persistChanges": persist})
        if op == "refreshSession":
            return Reply(204)
        if op == "closeSession":
            self.sessions.pop(call.headers.get("workbook-session-id", ""), None)
            return Reply(204)
        writing = call.method != "GET"
        if writing and rel in self.locked:
            raise self.locked[rel]
        lock = self._locks.setdefault(rel, asyncio.Lock())
        async with lock:
            loaded = await self._load(rel)
            reply, changed = await asyncio.to_thread(self._apply, loaded, call, segments, names)
            if changed:
                await asyncio.to_thread(xl.save, loaded.formulas, self.drive.path_of(rel))
                self.drive.bump(rel)
                loaded.values = None  # openpyxl dropped the cached formula results
                self._cache[rel] = (self.drive.version(rel), loaded)
            return reply

    async def _load(self, rel: str) -> xl.Loaded:
        version = self.drive.version(rel)
        cached = self._cache.get(rel)
        if cached is not None and cached[0] == version:
            return cached[1]
        loaded = await asyncio.to_thread(xl.load, self.drive.path_of(rel))
        self._cache[rel] = (version, loaded)
        return loaded

    def forget(self, rel: str) -> None:
        """Drop the in-memory copy (the file changed behind the fake's back)."""
        self._cache.pop(rel, None)

    def _apply(
        self,
        loaded: xl.Loaded,
        call: Call,
        segments: list[tuple[str, dict[str, str]]],
        names: list[str],
    ) -> tuple[Reply, bool]:
        """The blocking part: (reply, whether the workbook changed and must be saved)."""
        wb = loaded.formulas
        body = call.body if isinstance(call.body, dict) else {}
        method = call.method
        try:
            return self._route(loaded, wb, body, method, segments, names, call.query)
        except cells.ExcelError as e:
            raise GraphError(e.status, e.code, e.message, inner=e.inner) from e

    def _route(
        self,
        loaded: xl.Loaded,
        wb: Any,
        body: dict[str, Any],
        method: str,
        segments: list[tuple[str, dict[str, str]]],
        names: list[str],
        query: dict[str, str],
    ) -> tuple[Reply, bool]:
        def values_sheet(ws: Any) -> Any:
            return loaded.values[ws.title] if loaded.values is not None else None

        match (method, names):
            case ("GET", ["worksheets"]):
                return Reply(200, {"value": [xl.sheet_json(wb, ws) for ws in wb.worksheets]}), False
            case ("POST", ["worksheets", "add"]) | ("POST", ["worksheets"]):
                ws = xl.add_sheet(wb, str(body.get("name") or f"Blad{len(wb.worksheets) + 1}"))
                return Reply(201, xl.sheet_json(wb, ws)), True
            case ("GET", ["worksheets", ref]):
                return Reply(200, xl.sheet_json(wb, xl.find_sheet(wb, ref))), False
            case ("DELETE", ["worksheets", ref]):
                wb.remove(xl.find_sheet(wb, ref))
                return Reply(204), True
            case ("GET", ["worksheets", ref, "usedRange"]):
                ws = xl.find_sheet(wb, ref)
                only = segments[2][1].get("valuesonly", "false").casefold() == "true"
                vws = values_sheet(ws)
                bounds = cells.used_bounds(
                    vws if only and vws is not None else ws, values_only=only
                )
                return Reply(200, cells.range_json(ws, bounds, vws, values_only=only)), False
            case ("GET" | "PATCH", ["worksheets", ref, "range"]):
                ws = xl.find_sheet(wb, ref)
                sheet, bounds = cells.parse_area(segments[2][1].get("address", ""))
                if sheet is not None:
                    ws = xl.find_sheet(wb, sheet)
                if method == "PATCH":
                    cells.write_area(ws, bounds, body)
                    return Reply(200, cells.range_json(ws, bounds)), True
                return Reply(200, cells.range_json(ws, bounds, values_sheet(ws))), False
            case ("PATCH", ["worksheets", ref, "range", "format", *part]):
                ws = xl.find_sheet(wb, ref)
                sheet, bounds = cells.parse_area(segments[2][1].get("address", ""))
                if sheet is not None:
                    ws = xl.find_sheet(wb, sheet)
                cells.write_format(ws, bounds, part, body)
                return Reply(200, body), True
            case ("GET", ["worksheets", ref, "tables"]):
                ws = xl.find_sheet(wb, ref)
                tables = [xl.table_json(ws, t) for t in ws.tables.values()]
                return Reply(200, {"value": tables}), False
            case ("POST", ["worksheets", ref, "tables", "add"]):
                ws = xl.find_sheet(wb, ref)
                table = xl.add_table(
                    wb, ws, str(body.get("address", "")), bool(body.get("hasHeaders", True))
                )
                return Reply(201, xl.table_json(ws, table)), True
            case ("GET", ["tables"]):
                return Reply(200, {"value": [xl.table_json(*p) for p in xl.all_tables(wb)]}), False
            case ("POST", ["tables", "add"]):
                sheet, _ = cells.parse_area(str(body.get("address", "")))
                if sheet is None:
                    raise GraphError(400, "InvalidArgument", "The address needs a sheet name.")
                ws = xl.find_sheet(wb, sheet)
                table = xl.add_table(
                    wb, ws, str(body["address"]), bool(body.get("hasHeaders", True))
                )
                return Reply(201, xl.table_json(ws, table)), True
            case ("GET", ["tables", ref]):
                return Reply(200, xl.table_json(*xl.find_table(wb, ref))), False
            case ("PATCH", ["tables", ref]):
                ws, table = xl.find_table(wb, ref)
                if "name" in body:
                    xl.rename_table(wb, table, str(body["name"]))
                if "style" in body:
                    xl.style_table(table, str(body["style"]))
                return Reply(200, xl.table_json(ws, table)), True
            case ("GET", ["tables", ref, "rows"]):
                ws, table = xl.find_table(wb, ref)
                return Reply(200, {"value": self._rows(ws, table, values_sheet(ws), query)}), False
            case ("POST", ["tables", ref, "rows", "add"]) | ("POST", ["tables", ref, "rows"]):
                ws, table = xl.find_table(wb, ref)
                index = body.get("index")
                index, bounds = xl.add_rows(ws, table, body.get("values") or [], index)
                added = cells.range_json(ws, bounds)
                return Reply(201, {"index": index, "values": added["values"]}), True
            case ("GET", ["tables", ref, ("headerRowRange" | "range" | "dataBodyRange") as part]):
                ws, table = xl.find_table(wb, ref)
                min_col, max_col, header, first, last = xl.table_parts(table)
                rows = {
                    "headerRowRange": (header, header),
                    "range": (header or first, last),
                    "dataBodyRange": (first, last),
                }[part]
                bounds = (min_col, rows[0], max_col, rows[1])
                return Reply(200, cells.range_json(ws, bounds, values_sheet(ws))), False
            case ("GET", ["tables", ref, "columns"]):
                _, table = xl.find_table(wb, ref)
                columns = [
                    {"id": str(c.id), "index": i, "name": c.name}
                    for i, c in enumerate(table.tableColumns)
                ]
                return Reply(200, {"value": columns}), False
        raise GraphError(
            400, "BadRequest", f"The fake Graph does not implement {method} workbook/{names}."
        )

    @staticmethod
    def _rows(ws: Any, table: Any, vws: Any, query: dict[str, str]) -> list[dict[str, Any]]:
        min_col, max_col, _, first, last = xl.table_parts(table)
        skip = int(query.get("$skip", 0))
        top = int(query.get("$top", last - first + 1))
        rows = []
        for index, row in enumerate(range(first + skip, min(last, first + skip + top - 1) + 1)):
            values = cells.range_json(ws, (min_col, row, max_col, row), vws, values_only=True)
            rows.append({"index": skip + index, "values": values["values"]})
        return rows
