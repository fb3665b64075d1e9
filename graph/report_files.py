"""Where a written report goes: a ``Rapporter`` folder beside local workbooks (never
overwriting: a new file name), or a folder in the SharePoint library, uploaded through
Graph (``PUT …:/content``: a new file, or a new version of one with the same name, which
SharePoint's version history keeps, so nothing a person edited is lost)."""

from __future__ import annotations

import asyncio
import logging
import posixpath
import re
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from graph.graph_requests import GraphCallError
from graph.protocol import ReportSaved, WorkbookError

if TYPE_CHECKING:
    from graph.excel_graph import GraphSource

logger = logging.getLogger(__name__)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_UNSAFE = re.compile(r'[\\/:*?"<>|#%\x00-\x1f]+')
MAX_COPIES = 999


def report_file_name(title: str) -> str:
    """A file name from a report's title: characters SharePoint and Windows refuse are
    replaced, the length kept reasonable, ".docx" added."""
    name = " ".join(_UNSAFE.sub("-", title).split()).strip(" .-")[:150] or "Rapport"
    return f"{name}.docx"


class LocalReports:
    """Reports as files in a folder on disk (``Rapporter`` beside the workbooks)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def save_report(self, name: str, content: bytes) -> ReportSaved:
        """Write the file under a name no file has yet ("… (2).docx" when taken)."""
        return await asyncio.to_thread(self._save, name, content)

    def _save(self, name: str, content: bytes) -> ReportSaved:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkbookError(f"Mappen {self.folder} kunde inte skapas: {error}") from error
        stem, suffix = posixpath.splitext(name)
        for copy in range(1, MAX_COPIES + 1):
            candidate = name if copy == 1 else f"{stem} ({copy}){suffix}"
            path = self.folder / candidate
            try:
                # "x": create, never replace; a file a person has open or edited stays.
                with open(path, "xb") as file:
                    file.write(content)
            except FileExistsError:
                continue
            except OSError as error:
                raise WorkbookError(
                    f"Rapporten kunde inte sparas i {self.folder}: {error}"
                ) from error
            return ReportSaved(candidate, str(path), None, new_version=False)
        raise WorkbookError(f"För många rapporter med namnet {name} i {self.folder}.")


def local_report_folder(workbook: Path, folder: str) -> Path:
    """The report folder for a local workbook (file or folder): ``folder`` beside it."""
    base = workbook if workbook.suffix.lower() != ".xlsx" else workbook.parent
    target = Path(folder)
    return target if target.is_absolute() else base / target


class GraphReports:
    """Reports uploaded into the SharePoint library the plans come from."""

    def __init__(self, source: GraphSource, folder: str) -> None:
        self._source = source
        self._folder = folder.strip()

    async def folder_path(self) -> str:
        """The report folder's path in the library: beside IKBOT_GRAPH_PATH's workbooks,
        or from the library's root when the setting starts with "/"."""
        if self._folder.startswith("/"):
            return self._folder.strip("/")
        where = await self._source.location()
        base = self._source.path if where.folder else posixpath.dirname(self._source.path)
        return posixpath.join(base, self._folder.strip("/")).strip("/")

    async def save_report(self, name: str, content: bytes) -> ReportSaved:
        """Upload the file (one PUT; Graph makes the folder if it is missing)."""
        where = await self._source.location()
        folder = await self.folder_path()
        path = posixpath.join(folder, name) if folder else name
        url = f"/drives/{quote(where.drive_id)}/root:/{quote(path)}:/content"
        try:
            status, item = await self._source.transport.put_content(url, content, DOCX)
        except GraphCallError as error:
            from graph.excel_graph import translate

            failure = translate(error, name)
            raise type(failure)(_report_message(name, failure)) from error
        web_url = str((item or {}).get("webUrl") or "") or None
        logger.info("Report %s uploaded (%s)", name, "new version" if status == 200 else "new")
        return ReportSaved(name, "/" + path, web_url, new_version=status == 200)


def _report_message(name: str, failure: WorkbookError) -> str:
    # translate() speaks of workbooks written later; a report is not queued.
    text = str(failure)
    if "låst" in text:
        return f"{name} är öppen och låst i SharePoint just nu. Stäng den och försök igen."
    if "överbelastat" in text or "nätverksfel" in text:
        return "Microsoft Graph svarar inte just nu; rapporten laddades inte upp. Försök igen."
    return f"Rapporten {name} kunde inte laddas upp: {text}"


def report_shelf(
    source: object, *, workbook: Path | None, fallback: Path, folder: str
) -> LocalReports | GraphReports:
    """Where reports go for this workbook source: the SharePoint library when the plans
    come from there, else a folder beside the local workbooks (``fallback`` without one)."""
    import sys

    # A GraphSource exists only once its module is loaded: no Graph SDK import for files.
    module = sys.modules.get("graph.excel_graph")
    if module is not None and isinstance(source, module.GraphSource):
        return GraphReports(source, folder)
    return LocalReports(local_report_folder(workbook, folder) if workbook else fallback / folder)
