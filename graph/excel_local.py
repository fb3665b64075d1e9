"""The openpyxl backend: plan workbooks as local or shared-folder .xlsx files.

All openpyxl work (``graph.xlsx_reader``, ``graph.xlsx_writer``) runs in a worker thread
so the event loop never blocks. What was read is cached per file by (mtime_ns, size): a
turn that finds the file unchanged costs one ``os.stat``, and a write by the bot refreshes
the cache from what it just saved.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

from bot.model import Answer, Plan
from graph.protocol import WorkbookNotFound, WriteResult
from graph.xlsx_reader import (
    LOCK_PREFIX,
    Snapshot,
    file_stamp,
    list_workbook_names,
    read_workbook_file,
)
from graph.xlsx_writer import write_workbook_file


class LocalWorkbook:
    """One .xlsx file; implements ``graph.protocol.Workbook``."""

    def __init__(self, path: Path | None, key: str) -> None:
        self._path = path  # None: a key that names no file we would ever open
        self._key = key
        self._snapshot: Snapshot | None = None
        self._reload = asyncio.Lock()
        self._write = asyncio.Lock()

    @property
    def key(self) -> str:
        """The file name relative to the source (never an absolute path)."""
        return self._key

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return self._key

    def _file(self) -> Path:
        if self._path is None:
            raise WorkbookNotFound(f"Arbetsboken {self._key} finns inte.")
        return self._path

    async def _current(self) -> Snapshot:
        path = self._file()
        stamp = await asyncio.to_thread(file_stamp, path, self._key)
        if self._snapshot is not None and self._snapshot.stamp == stamp:
            return self._snapshot
        async with self._reload:
            # Another task may have reloaded while we waited.
            if self._snapshot is not None and self._snapshot.stamp == stamp:
                return self._snapshot
            self._snapshot = await asyncio.to_thread(read_workbook_file, path, self._key)
            return self._snapshot

    async def read_plan(self) -> Plan:
        """The plan, with the rows that could not be understood listed in ``Plan.issues``."""
        return (await self._current()).plan

    async def read_answers(self) -> list[Answer]:
        """The rows of the Uppföljning table, as answers."""
        return list((await self._current()).answers)

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        """Upsert answers by (ID, År, Period) with one load and one save; all or nothing."""
        if not answers:
            return WriteResult()
        path = self._file()
        async with self._write:
            result, snapshot = await asyncio.to_thread(
                write_workbook_file, path, self._key, list(answers), self._snapshot
            )
        self._snapshot = snapshot
        return result


class LocalSource:
    """A .xlsx file or a folder of them; implements ``graph.protocol.WorkbookSource``."""

    def __init__(self, path: Path) -> None:
        self._path = Path(path)
        self._single = self._path.suffix.lower() == ".xlsx"
        self._books: dict[str, LocalWorkbook] = {}

    def _names(self) -> list[str]:
        if self._single:
            return [self._path.name]
        if not self._path.is_dir():
            raise WorkbookNotFound(f"Mappen {self._path.name} finns inte.")
        return list_workbook_names(self._path)

    async def workbooks(self) -> list[LocalWorkbook]:
        """Every workbook currently in the source."""
        names = await asyncio.to_thread(self._names)
        return [self.workbook(name) for name in names]

    def workbook(self, key: str) -> LocalWorkbook:
        """The workbook with this key; a key naming no file in the source reads as missing."""
        book = self._books.get(key)
        if book is None:
            path = self._resolve(key)
            book = LocalWorkbook(path, key)
            if path is not None:  # keep the cache per file; junk keys are not remembered
                self._books[key] = book
        return book

    def _resolve(self, key: str) -> Path | None:
        # Keys come back from card data: never let one reach outside the source.
        if self._single:
            return self._path if key == self._path.name else None
        plain = key == Path(key).name and "\\" not in key and key not in ("", ".", "..")
        if not plain or key.startswith((".", LOCK_PREFIX)) or not key.lower().endswith(".xlsx"):
            return None
        return self._path / key
