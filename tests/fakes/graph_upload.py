"""File upload in the fake Graph: ``PUT /drives/{d}/root:/{path}:/content`` and
``PUT /drives/{d}/items/{parent}:/{name}:/content`` (learn: driveitem-put-content).

As in SharePoint: missing folders on the path are created; a new file answers 201, a
file with the same name is replaced by a new version (200, the version counter and the
eTag move on; every version's bytes are kept in ``versions`` so a test can see that
nothing was lost) — or, with ``@microsoft.graph.conflictBehavior=rename``, stored beside
it as "name 1.ext" (201). ``uploaded`` lists (library path, bytes) of each upload. Bodies
over ``MAX_SIMPLE_UPLOAD`` are refused as Graph does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from tests.fakes.graph_drive import Drive
from tests.fakes.graph_errors import Call, GraphError, Reply

MAX_SIMPLE_UPLOAD = 250 * 1024**2  # bytes (the current documentation; older docs said 4 MB)


def is_upload(method: str, path: str) -> bool:
    """Whether a request is a content upload (its body is the file, not JSON)."""
    return method == "PUT" and path.rstrip("/").endswith(":/content")


class Uploads:
    """Uploaded files and every version of them, by their path in the library."""

    def __init__(self, drive: Drive) -> None:
        self.drive = drive
        self.versions: dict[str, list[bytes]] = {}
        self.uploaded: list[tuple[str, int]] = []

    def handler(self, content: bytes) -> Callable[[Call], Any]:
        """The handler for one upload call (the bytes travel beside the Call)."""

        async def handle(call: Call) -> Reply:
            return self.put(call, content)

        return handle

    def put(self, call: Call, content: bytes) -> Reply:
        """Store the file; 201 for a new one, 200 for a new version."""
        rel = self._target(call.path)
        if len(content) > MAX_SIMPLE_UPLOAD:
            raise GraphError(413, "requestEntityTooLarge", "Use an upload session.")
        if any(part.startswith("~$") or part in ("", ".", "..") for part in rel.split("/")):
            raise GraphError(400, "invalidRequest", "The name is not valid.")
        path = self.drive.path_of(rel)
        if path.exists() and call.query.get("@microsoft.graph.conflictBehavior") == "rename":
            stem, suffix, number = path.stem, path.suffix, 1
            while path.exists():
                path = path.with_name(f"{stem} {number}{suffix}")
                number += 1
            rel = f"{rel.rsplit('/', 1)[0]}/{path.name}" if "/" in rel else path.name
        existed = path.exists()
        if existed and path.is_dir():
            raise GraphError(409, "nameAlreadyExists", "A folder of that name exists.")
        for parent in reversed(path.parents):
            if parent.exists() and not parent.is_dir():
                raise GraphError(409, "nameAlreadyExists", "A file is in the way.")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.versions.setdefault(rel, []).append(content)
        self.uploaded.append((rel, len(content)))
        if existed:
            self.drive.bump(rel)
        return Reply(200 if existed else 201, self.drive.item_json(rel))

    def _target(self, path: str) -> str:
        """The stored path the upload names (case as in the library where it exists)."""
        if not path.startswith("/drives/"):
            raise GraphError(400, "BadRequest", "Upload through /drives/{id}/… only.")
        drive_id, _, rest = path[len("/drives/") :].partition("/")
        if drive_id != self.drive.drive_id:
            raise GraphError(404, "itemNotFound", "The drive could not be found.")
        rest = rest.rstrip("/").removesuffix(":/content")
        if rest.startswith("root:/"):
            wanted = rest[len("root:/") :]
        elif rest.startswith("items/") and ":/" in rest:
            item_id, _, name = rest[len("items/") :].partition(":/")
            parent = self.drive.rel_by_id(item_id)
            wanted = f"{parent}/{name}" if parent else name
        else:
            raise GraphError(400, "BadRequest", f"Unsupported upload address {path}.")
        parts = [p for p in PurePosixPath(wanted).parts if p not in ("/",)]
        # Existing folders keep their spelling (SharePoint matches names in any case).
        found: list[str] = []
        for part in parts:
            folder = self.drive.path_of("/".join(found))
            match = None
            if folder.is_dir():
                match = next(
                    (p.name for p in folder.iterdir() if p.name.casefold() == part.casefold()),
                    None,
                )
            found.append(match or part)
        return "/".join(found)
