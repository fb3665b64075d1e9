"""The SharePoint side of the fake Graph: one site, its document library, items by path.

The library's root is a folder on disk. Item ids are stable per path; eTags follow a
version counter per file that moves on every write through the fake, on ``touch`` and
whenever the file changes on disk behind the fake's back.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.fakes.graph_errors import GraphError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEMP_PREFIX = ".~fakegraph-"


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Drive:
    """The site, its libraries and the files of the default library (a folder)."""

    def __init__(self, folder: Path, hostname: str, site_path: str, drive_name: str) -> None:
        self.folder = folder
        self.hostname = hostname
        self.site_path = "/" + site_path.strip("/")
        self.drive_name = drive_name
        self.site_id = f"{hostname},{_guid(hostname, 'site')},{_guid(hostname, self.site_path)}"
        self.drive_id = self._drive_id(drive_name)
        # A second, empty library, so a client has to pick the library by name.
        self.other_drive = ("Webbplatstillgångar", self._drive_id("Webbplatstillgångar"))
        self._versions: dict[str, tuple[tuple[int, int], int]] = {}

    def _drive_id(self, name: str) -> str:
        digest = hashlib.sha256(f"{self.site_id}/{name}".encode()).digest()[:30]
        return "b!" + base64.urlsafe_b64encode(digest).decode()

    # ---- the site and its libraries ----

    def site_json(self) -> dict[str, Any]:
        """The site resource."""
        name = self.site_path.rsplit("/", 1)[-1]
        return {
            "@odata.type": "#microsoft.graph.site",
            "id": self.site_id,
            "name": name,
            "displayName": name,
            "webUrl": f"https://{self.hostname}{self.site_path}",
            "siteCollection": {"hostname": self.hostname},
        }

    def drives_json(self) -> list[dict[str, Any]]:
        """The site's document libraries, the default one first."""
        return [self.drive_json(self.drive_name, self.drive_id), self.drive_json(*self.other_drive)]

    def drive_json(self, name: str | None = None, drive_id: str | None = None) -> dict[str, Any]:
        """One library."""
        name = name or self.drive_name
        return {
            "@odata.type": "#microsoft.graph.drive",
            "id": drive_id or self.drive_id,
            "name": name,
            "driveType": "documentLibrary",
            "webUrl": f"https://{self.hostname}{self.site_path}/{name}",
        }

    def resolve_site(self, rest: str) -> tuple[str, str] | None:
        """Split "<site ref><tail>" after "/sites/": the id or "host:/path" (":" optional
        at the end, required before a tail). None when it names another site."""
        if rest.startswith(self.site_id):
            tail = rest[len(self.site_id) :]
            return (self.site_id, tail) if tail == "" or tail.startswith("/") else None
        prefix = self.hostname.casefold() + ":"
        if not rest.casefold().startswith(prefix):
            return None
        after = rest[len(prefix) :]
        if not after.casefold().startswith(self.site_path.casefold()):
            return None
        tail = after[len(self.site_path) :]
        if tail in ("", ":"):
            return self.site_id, ""
        if tail.startswith(":/"):
            return self.site_id, tail[1:]
        return None

    # ---- items ----

    def item_id(self, rel: str) -> str:
        """A stable id for a path in the library ("" is the root)."""
        return "01" + hashlib.sha1(f"{self.drive_id}/{rel}".encode()).hexdigest()[:32].upper()

    def _entries(self, directory: Path) -> list[Path]:
        return sorted(p for p in directory.iterdir() if not p.name.startswith(TEMP_PREFIX))

    def rel_by_id(self, item_id: str) -> str:
        """The path of the item with this id; 404 when there is none."""
        if item_id in ("root", self.item_id("")):
            return ""
        for dirpath, dirnames, filenames in os.walk(self.folder):
            for name in dirnames + filenames:
                rel = (Path(dirpath) / name).relative_to(self.folder).as_posix()
                if self.item_id(rel) == item_id:
                    return rel
        raise GraphError(404, "itemNotFound", "The resource could not be found.")

    def rel_by_path(self, path: str) -> str:
        """A library path ("/Planer/ks.xlsx") as the stored path; names match in any case,
        as in SharePoint. 404 when it does not exist."""
        current = self.folder
        parts: list[str] = []
        for segment in [s for s in path.strip("/").split("/") if s]:
            if not current.is_dir():
                break
            match = next(
                (p for p in self._entries(current) if p.name.casefold() == segment.casefold()),
                None,
            )
            if match is None:
                break
            parts.append(match.name)
            current = match
        else:
            return "/".join(parts)
        raise GraphError(404, "itemNotFound", "The resource could not be found.")

    def path_of(self, rel: str) -> Path:
        """The file on disk."""
        return self.folder / rel if rel else self.folder

    def version(self, rel: str) -> int:
        """The file's version: bumped by writes, and when the file changed on disk."""
        info = os.stat(self.path_of(rel))
        stamp = (info.st_mtime_ns, info.st_size)
        known = self._versions.get(rel)
        if known is None:
            self._versions[rel] = (stamp, 1)
            return 1
        if known[0] != stamp:
            self._versions[rel] = (stamp, known[1] + 1)
            return known[1] + 1
        return known[1]

    def bump(self, rel: str) -> None:
        """Count a write (even one that left size and mtime as they were)."""
        version = self.version(rel)
        info = os.stat(self.path_of(rel))
        self._versions[rel] = ((info.st_mtime_ns, info.st_size), version + 1)

    def etag(self, rel: str) -> str:
        """The item's eTag in SharePoint's shape: "{GUID},version"."""
        guid = _guid(self.drive_id, rel).upper()
        return f'"{{{guid}}},{self.version(rel)}"'

    def item_json(self, rel: str) -> dict[str, Any]:
        """A driveItem (file or folder)."""
        path = self.path_of(rel)
        if not path.exists():
            raise GraphError(404, "itemNotFound", "The resource could not be found.")
        info = path.stat()
        guid = _guid(self.drive_id, rel).upper()
        name = path.name if rel else "root"
        parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
        item: dict[str, Any] = {
            "@odata.type": "#microsoft.graph.driveItem",
            "id": self.item_id(rel),
            "name": name,
            "eTag": self.etag(rel),
            "cTag": f'"c:{{{guid}}},{self.version(rel)}"',
            "size": info.st_size,
            "createdDateTime": _iso(info.st_ctime),
            "lastModifiedDateTime": _iso(info.st_mtime),
            "webUrl": f"https://{self.hostname}{self.site_path}/{self.drive_name}/{rel}".rstrip(
                "/"
            ),
            "parentReference": {
                "driveId": self.drive_id,
                "driveType": "documentLibrary",
                "siteId": self.site_id,
            },
        }
        if rel:
            item["parentReference"]["id"] = self.item_id(parent)
            item["parentReference"]["path"] = f"/drives/{self.drive_id}/root:" + (
                f"/{parent}" if parent else ""
            )
        else:
            item["root"] = {}
        if path.is_dir():
            item["folder"] = {"childCount": len(self._entries(path))}
        else:
            mime = XLSX if path.suffix.lower() == ".xlsx" else mimetypes.guess_type(path.name)[0]
            item["file"] = {"mimeType": mime or "application/octet-stream"}
        return item

    def children_json(self, rel: str) -> list[dict[str, Any]]:
        """The items directly in a folder (every kind: the client must filter)."""
        path = self.path_of(rel)
        if not path.is_dir():
            return []
        prefix = f"{rel}/" if rel else ""
        return [self.item_json(prefix + p.name) for p in self._entries(path)]
