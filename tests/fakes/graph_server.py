"""A fake Microsoft Graph on a loopback port, over real .xlsx files in a folder.

It implements exactly the subset the bot uses (see PLATFORM.md, "Microsoft Graph and
Excel"): the site and its document library by path, drive items and their eTags,
workbook sessions, worksheets, usedRange, ranges, tables and their rows, and ``$batch``;
users' ``checkMemberGroups`` over a membership table (``directory``); errors in Graph's
JSON shape. Tests point the real msgraph-sdk client at ``start()``'s
base URL, record every request and inject faults::

    fake = FakeGraph(folder)
    base_url = await fake.start()          # http://127.0.0.1:PORT/v1.0
    fake.fail(429, retry_after=1, match="rows/add")
    fake.lock("ks.xlsx")                    # someone holds the file: writes get 423
    ...
    await fake.stop()

Every request (and every $batch item, flagged) is in ``requests``; ``latency`` delays
every HTTP response (a $batch is one response: one round trip).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from aiohttp import web
from azure.core.credentials import AccessToken

from tests.fakes import graph_workbook
from tests.fakes.graph_api import Api
from tests.fakes.graph_drive import Drive
from tests.fakes.graph_errors import Call, Fault, GraphError, Recorded, Reply
from tests.fakes.graph_upload import Uploads, is_upload

__all__ = ["FakeGraph", "Recorded"]

logger = logging.getLogger(__name__)

MAX_BATCH = 20


class FakeGraph:
    """The fake Graph server; see the module docstring."""

    def __init__(
        self,
        folder: Path,
        *,
        hostname: str = "kommun.sharepoint.com",
        site_path: str = "/sites/Internkontroll",
        drive_name: str = "Dokument",
        token: str = "test-token",
        session_ttl: float = 300.0,
    ) -> None:
        self.folder = Path(folder)
        self.token = token
        self.latency = 0.0
        self.requests: list[Recorded] = []
        self.drive = Drive(self.folder, hostname, site_path, drive_name)
        self.api = Api(self.drive, session_ttl)
        self.directory = self.api.directory  # Entra users and groups (checkMemberGroups)
        self.uploads = Uploads(self.drive)  # PUT …:/content, every version kept
        self.teamwork = self.api.teamwork  # the Teams app catalog and installations
        self._faults: list[Fault] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    # ---- the test's controls ----

    @property
    def session_ttl(self) -> float:
        """Seconds a session may stay idle before it becomes invalid."""
        return self.api.session_ttl

    @session_ttl.setter
    def session_ttl(self, seconds: float) -> None:
        self.api.session_ttl = seconds

    @property
    def site_id(self) -> str:
        """The site's id ("host,guid,guid")."""
        return self.drive.site_id

    @property
    def drive_id(self) -> str:
        """The default document library's id."""
        return self.drive.drive_id

    def item_id(self, name: str) -> str:
        """The drive item id of a file or folder (path relative to the folder)."""
        return self.drive.item_id(self.drive.rel_by_path(name))

    def count(
        self, method: str | None = None, contains: str = "", *, batch_items: bool = True
    ) -> int:
        """How many recorded requests match (method, a substring of the path)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and contains in r.path
            and (batch_items or not r.is_batch_item)
        )

    def fail(
        self,
        status: int,
        *,
        code: str = "",
        match: str = "",
        times: int = 1,
        retry_after: float | None = None,
        after_apply: bool = False,
        inner: str = "",
        message: str = "",
    ) -> None:
        """The next ``times`` requests whose "METHOD path" contains ``match`` get this
        error; with ``after_apply`` the request is carried out first (a 504 whose write
        landed). Codes default to what Graph sends for the status."""
        error = GraphError(status, code, message, inner=inner, retry_after=retry_after)
        self._faults.append(Fault(error, match, times, after_apply))

    def expire_sessions(self) -> None:
        """Every open workbook session becomes invalid (as after ~5 idle minutes)."""
        self.api.expire_sessions()

    def lock(self, name: str, *, status: int = 423) -> None:
        """Someone holds the file: workbook writes get 423 resourceLocked (or, with
        ``status=409``, Excel's 409 accessConflict) until ``unlock``."""
        self.api.locked[self.drive.rel_by_path(name)] = GraphError(status)

    def unlock(self, name: str) -> None:
        """The file is free again."""
        self.api.locked.pop(self.drive.rel_by_path(name), None)

    def etag(self, name: str) -> str:
        """The file's current eTag, as the drive item reports it."""
        return self.drive.etag(self.drive.rel_by_path(name))

    def touch(self, name: str, sheet: str = "Anteckningar") -> None:
        """A person edits another sheet: the file changes, its eTag moves."""
        rel = self.drive.rel_by_path(name)
        graph_workbook.touch(self.drive.path_of(rel), sheet)
        self.drive.bump(rel)
        self.api.forget(rel)

    # ---- the server ----

    async def start(self, port: int = 0) -> str:
        """Listen on 127.0.0.1 (a free port unless given; once); return the base URL
        "http://127.0.0.1:PORT/v1.0"."""
        if self._runner is None:
            app = web.Application(client_max_size=64 * 1024**2)
            app.router.add_route("*", "/v1.0/{tail:.*}", self._http)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", port)
            await site.start()
            port = self._runner.addresses[0][1]
            self.base_url = f"http://127.0.0.1:{port}/v1.0"
        return self.base_url

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _http(self, request: web.Request) -> web.StreamResponse:
        path = unquote(request.rel_url.raw_path)[len("/v1.0") :] or "/"
        headers = {k.lower(): v for k, v in request.headers.items()}
        raw = await request.read()
        record = Recorded(request.method, path, dict(request.query), headers, None)
        record.raw_path = request.rel_url.raw_path[len("/v1.0") :]
        self.requests.append(record)
        if is_upload(request.method, path):  # the body is the file, not JSON
            reply = await self._upload(
                request.method, path, dict(request.query), headers, raw, record
            )
            record.status = reply.status
            if reply.body is None:
                return web.Response(status=reply.status, headers=reply.headers)
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        try:
            body = json.loads(raw) if raw.strip() else None
            record.json = body
            if headers.get("authorization") != f"Bearer {self.token}":
                raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
            call = Call(request.method, path, dict(request.query), headers, body, record)
            batch = request.method == "POST" and path == "/$batch"
            reply = await self._call(call, self._batch if batch else self.api.dispatch)
        except json.JSONDecodeError:
            reply = GraphError(400, "BadRequest", "The request body is not valid JSON.").reply()
        except GraphError as e:
            reply = e.reply()
        record.status = reply.status
        if self.latency:
            await asyncio.sleep(self.latency)
        if reply.body is None:
            return web.Response(status=reply.status, headers=reply.headers)
        return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    async def _upload(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        raw: bytes,
        record: Recorded,
    ) -> Reply:
        if headers.get("authorization") != f"Bearer {self.token}":
            return GraphError(401, "InvalidAuthenticationToken", "Access token is empty.").reply()
        call = Call(method, path, query, headers, None, record)
        return await self._call(call, self.uploads.handler(raw))

    async def _call(
        self, call: Call, handler: Callable[[Call], Awaitable[Reply]] | None = None
    ) -> Reply:
        """One request: an injected fault, or the real thing (or both: after_apply)."""
        handler = handler or self.api.dispatch
        fault = next((f for f in self._faults if f.matches(call.method, call.path)), None)
        if fault is not None:
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            if fault.after_apply:
                with contextlib.suppress(GraphError):  # the caller sees the fault either way
                    await handler(call)
            return fault.error.reply()
        try:
            return _selected(await handler(call), call.query.get("$select"))
        except GraphError as e:
            return e.reply()
        except Exception as e:  # a bug in the fake, or a request it cannot handle
            logger.exception("fake Graph failed on %s %s", call.method, call.path)
            return GraphError(500, "generalException", f"Fake Graph: {e!r}").reply()

    async def _batch(self, call: Call) -> Reply:
        """JSON batching: items in order, ``dependsOn`` honoured, each with its own status."""
        items = (call.body or {}).get("requests") if isinstance(call.body, dict) else None
        if not isinstance(items, list) or not items:
            raise GraphError(400, "BadRequest", "Invalid batch payload format.")
        if len(items) > MAX_BATCH:
            raise GraphError(400, "BadRequest", f"A $batch holds at most {MAX_BATCH} requests.")
        ids = [str(item.get("id", "")) for item in items]
        if "" in ids or len(set(ids)) != len(ids):
            raise GraphError(400, "BadRequest", "Every batch request needs a unique id.")
        statuses: dict[str, int] = {}
        responses = []
        for item in items:
            rid = str(item["id"])
            reply = await self._batch_item(item, call.headers, statuses)
            statuses[rid] = reply.status
            response: dict[str, Any] = {"id": rid, "status": reply.status}
            headers = dict(reply.headers)
            if reply.body is not None:
                headers["Content-Type"] = "application/json"
                response["body"] = reply.body
            response["headers"] = headers
            responses.append(response)
        return Reply(200, {"responses": responses})

    async def _batch_item(
        self, item: dict[str, Any], outer: dict[str, str], statuses: dict[str, int]
    ) -> Reply:
        method = str(item.get("method", "GET")).upper()
        split = urlsplit(str(item.get("url", "")))
        path = unquote(split.path)
        if path.startswith("/v1.0/"):
            path = path[len("/v1.0") :]
        elif not path.startswith("/"):
            path = "/" + path
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        body = item.get("body")
        query = dict(parse_qsl(split.query))
        record = Recorded(method, path, query, headers, body, is_batch_item=True)
        record.raw_path = str(item.get("url", ""))
        self.requests.append(record)
        if "authorization" not in headers and "authorization" in outer:
            headers["authorization"] = outer["authorization"]
        depends = item.get("dependsOn") or []
        if isinstance(depends, str):
            depends = [depends]
        failed = [d for d in depends if statuses.get(str(d), 424) >= 400]
        if failed:
            reply = GraphError(
                424, "FailedDependency", f"The request depends on a failed request ({failed[0]})."
            ).reply()
        elif body is not None and "content-type" not in headers:
            reply = GraphError(
                400, "BadRequest", "A batch request with a body needs a Content-Type header."
            ).reply()
        else:
            reply = await self._call(Call(method, path, query, headers, body, record))
        record.status = reply.status
        return reply


def _selected(reply: Reply, select: str | None) -> Reply:
    """Apply ``$select`` as Graph does: only the named properties (of each item in a list)."""
    if not select or not isinstance(reply.body, dict) or reply.status >= 300:
        return reply
    keep = {name.strip() for name in select.split(",")}

    def pick(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        return {k: v for k, v in item.items() if k in keep}

    body = reply.body
    if isinstance(body.get("value"), list):
        body = {**body, "value": [pick(item) for item in body["value"]]}
    else:
        body = pick(body)
    return Reply(reply.status, body, reply.headers)


async def _serve(folder: Path, port: int) -> None:
    fake = FakeGraph(folder)
    base_url = await fake.start(port)
    print(f"Fake Microsoft Graph over {folder} at {base_url} (token {fake.token!r}); Ctrl-C stops.")
    try:
        await asyncio.Event().wait()
    finally:
        await fake.stop()


class StaticCredential:
    """An azure-identity style credential that hands out a fixed token (the fake's)."""

    def __init__(self, token: str = "test-token") -> None:
        self.token = token
        self.calls = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        """The token, valid for an hour."""
        self.calls += 1
        return AccessToken(self.token, int(time.time()) + 3600)

    async def close(self) -> None:
        """Nothing to release."""


if __name__ == "__main__":
    # For demos: python -m tests.fakes.graph_server FOLDER [PORT]
    import sys

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
