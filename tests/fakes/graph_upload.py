"""The fake Graph's file upload: ``PUT /drives/{d}/root:/{path}:/content`` (a small file's
content in one request, as ``driveitem-put-content`` documents), with
``@microsoft.graph.conflictBehavior=rename``. Folders on the way are created; the reply is
the new driveItem (with its webUrl), 201. Uploads are recorded in ``FakeGraph.uploads``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from aiohttp import web

from tests.fakes.graph_errors import GraphError

if TYPE_CHECKING:
    from tests.fakes.graph_server import FakeGraph

ROUTE = "/v1.0/drives/{drive}/{tail:root:/.+:/content}"


def add_upload_route(app: web.Application, fake: FakeGraph) -> None:
    """Serve uploads on the fake's app (ahead of its catch-all route)."""

    async def upload(request: web.Request) -> web.Response:
        try:
            if request.method != "PUT":
                raise GraphError(405, "notSupported", "The HTTP method is not allowed here.")
            if request.headers.get("Authorization") != f"Bearer {fake.token}":
                raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
            if request.match_info["drive"] != fake.drive_id:
                raise GraphError(404, "itemNotFound", "The drive could not be found.")
            raw = unquote(request.rel_url.raw_path)
            path = raw.split("/root:/", 1)[1].rsplit(":/content", 1)[0]
            target = _inside(fake.folder, path)
            rename = request.query.get("@microsoft.graph.conflictBehavior") == "rename"
            if target.exists() and rename:
                stem, suffix, number = target.stem, target.suffix, 1
                while target.exists():
                    target = target.with_name(f"{stem} {number}{suffix}")
                    number += 1
            data = await request.read()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            fake.uploads.append((target.relative_to(fake.folder).as_posix(), len(data)))
            rel = fake.drive.rel_by_path(target.relative_to(fake.folder).as_posix())
            return web.json_response(fake.drive.item_json(rel), status=201)
        except GraphError as error:
            reply = error.reply()
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)

    app.router.add_route("*", ROUTE, upload)


def _inside(folder: Path, path: str) -> Path:
    """The file a library path names, never outside the library."""
    target = (folder / path).resolve()
    if not target.is_relative_to(folder.resolve()) or target == folder.resolve():
        raise GraphError(400, "invalidRequest", "The path is not valid.")
    return target
