"""The openpyxl backend: plan workbooks as local or shared-folder .xlsx files.

Reads run in a worker thread; writes run in a separate worker *process*, because a batch
(a patch of the answers sheet, or an openpyxl rewrite where it cannot be patched) costs
tenths of a second to seconds of CPU and would otherwise hold the interpreter lock while
people's turns wait; the process also keeps the sheet it last patched (its rows' index and
keys) for the next batch (``graph.xlsx_patch``). It ends with the bot's,
however the bot's ends (see ``_die_with_parent``). What was read is cached per file by
(mtime_ns, size), revalidated at most once per ``revalidate_after`` seconds, so a turn
usually costs no I/O at all; a write by the bot refreshes the cache from what it saved.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from bot.domain.followup import TrackedAction
from bot.domain.model import Answer, Plan
from bot.domain.status import Summary
from graph import lazy_openpyxl
from graph.protocol import WorkbookError, WorkbookNotFound, WriteResult
from graph.workbook_names import is_workbook_name, list_workbook_names
from graph.xlsx_reader import Snapshot, file_stamp, read_workbook_file
from graph.xlsx_temp import discard_in_flight, sweep_leftovers

if TYPE_CHECKING:
    from graph.xlsx_answers import Written

_T = TypeVar("_T")
logger = logging.getLogger(__name__)

REVALIDATE_AFTER = 1.0  # seconds: how stale a person's own edit of the plan may look

_write_pool: ProcessPoolExecutor | None = None


def _writer_process() -> ProcessPoolExecutor:
    """The one process that rewrites workbooks (started on first use, shared)."""
    global _write_pool
    if _write_pool is None:
        # "spawn": a fork of a process with running threads (SQLite, the event loop's
        # executor) can inherit locks held by those threads.
        _write_pool = ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent
        )
    return _write_pool


def _writer_ready() -> bool:
    """In the writer process: nothing; importing this module there did the work."""
    return True


def _die_with_parent() -> None:
    """In the writer process: end it, mid-save or idle, as soon as the bot process ends.

    Nothing else would: a killed parent never sends the pool's stop message, and the worker
    waits for work on a queue whose pipe it holds both ends of. While it lives, so does
    multiprocessing's resource tracker (started for the pool's named semaphores, and kept
    by every process holding its pipe); once the worker is gone the tracker removes the
    semaphores and ends too. The parent's sentinel becomes readable when the parent ends,
    however it ends (kill -9 included), on every platform.
    """
    parent = multiprocessing.parent_process()
    if parent is not None:
        watch = threading.Thread(
            target=_watch_parent, args=(parent.sentinel,), name="ikbot-parent", daemon=True
        )
        watch.start()


def _watch_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    # A half-written temp file must not stay beside the workbook; the journal still holds
    # the batch, so the next bot process writes it again.
    discard_in_flight()
    os._exit(1)


class LocalWorkbook:
    """One .xlsx file; implements ``graph.protocol.Workbook``."""

    def __init__(
        self,
        path: Path | None,
        key: str,
        *,
        revalidate_after: float = REVALIDATE_AFTER,
        in_process: bool = False,
    ) -> None:
        self._path = path  # None: a key that names no file we would ever open
        self._key = key
        self._revalidate_after = revalidate_after
        self._in_process = in_process
        self._snapshot: Snapshot | None = None
        self._checked = 0.0  # monotonic time the snapshot was last compared with the file
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
        snapshot = self._snapshot
        if snapshot is not None and (
            self._write.locked() or time.monotonic() - self._checked < self._revalidate_after
        ):
            # While our own write is under way the file changes under us: what we hold is
            # still the truth until the write reports back and refreshes it.
            return snapshot
        stamp = await asyncio.to_thread(file_stamp, path, self._key)
        if snapshot is not None and snapshot.stamp == stamp:
            self._checked = time.monotonic()
            return snapshot
        async with self._reload:
            # Another task may have reloaded while we waited.
            if self._snapshot is not None and self._snapshot.stamp == stamp:
                return self._snapshot
            self._snapshot = await asyncio.to_thread(read_workbook_file, path, self._key)
            self._checked = time.monotonic()
            return self._snapshot

    async def read_plan(self) -> Plan:
        """The plan, with the rows that could not be understood listed in ``Plan.issues``."""
        return (await self._current()).plan

    async def read_answers(self) -> list[Answer]:
        """The rows of the Uppföljning table, as answers."""
        return list((await self._current()).answers)

    async def read_snapshot(self) -> Snapshot:
        """The plan and the answers as last read (the same object until the file changes)."""
        return await self._current()

    async def write_answers(self, answers: Sequence[Answer]) -> WriteResult:
        """Upsert answers by (ID, År, Period) in one write of the file; all or nothing."""
        if not answers:
            return WriteResult()
        path = self._file()
        async with self._write:
            written = await self._run_write(path, list(answers))
            snapshot, now = self._snapshot, None
            if snapshot is not None and snapshot.stamp == written.before:
                # Applying the edits walks every row (tens of ms at 10,000): off the loop.
                now = await asyncio.to_thread(written.answers_after, snapshot.answers)
            if snapshot is not None and now is not None:
                self._snapshot = Snapshot(written.after, snapshot.plan, now)
                self._checked = time.monotonic()
            else:
                self._snapshot = None  # the file had changed since we read it: read it anew
        return written.result

    async def write_actions(self, actions: Sequence[TrackedAction]) -> WriteResult:
        """Upsert the Åtgärder rows with one load and one save; all or nothing."""
        if not actions:
            return WriteResult()
        path = self._file()
        lazy_openpyxl.load()
        from graph.xlsx_actions import write_actions_file  # the writer's side: openpyxl

        async with self._write:
            result, before, after = await self._in_writer(
                write_actions_file, path, self._key, list(actions)
            )
            snapshot = self._snapshot
            if snapshot is not None and snapshot.stamp == before:
                # Only the Åtgärder sheet changed: the plan and answers we hold still hold.
                self._snapshot = Snapshot(after, snapshot.plan, snapshot.answers)
                self._checked = time.monotonic()
            else:
                self._snapshot = None
        return result

    async def write_summary(self, summary: Summary, *, pending: int = 0) -> str:
        """Replace the summary sheet (one load and one save, like an answer batch)."""
        lazy_openpyxl.load()
        from graph.summary_sheet import summary_sheet
        from graph.xlsx_summary import write_summary_file

        path = self._file()
        sheet = summary_sheet(summary, pending=pending)
        async with self._write:
            before, after = await self._in_writer(write_summary_file, path, self._key, sheet)
            snapshot = self._snapshot
            if snapshot is not None and snapshot.stamp == before:
                # Only the summary sheet changed: the plan and answers we hold still hold.
                self._snapshot = Snapshot(after, snapshot.plan, snapshot.answers)
                self._checked = time.monotonic()
            else:
                self._snapshot = None
        return sheet.name

    async def _run_write(self, path: Path, answers: list[Answer]) -> Written:
        lazy_openpyxl.load()
        from graph.xlsx_writer import write_workbook_file

        return await self._in_writer(write_workbook_file, path, self._key, answers)

    async def _in_writer(self, work: Callable[..., _T], *args: object) -> _T:
        """Run a blocking workbook write in the writer process (or a thread, in process)."""
        if self._in_process:
            return await asyncio.to_thread(work, *args)
        loop = asyncio.get_running_loop()
        executor: Executor = _writer_process()
        try:
            return await loop.run_in_executor(executor, work, *args)
        except BrokenProcessPool as error:
            global _write_pool
            _write_pool = None  # start a new process next time; the journal retries
            raise WorkbookError(f"{self._key}: skrivprocessen avbröts.") from error


class LocalSource:
    """A .xlsx file or a folder of them; implements ``graph.protocol.WorkbookSource``.

    ``in_process=True`` writes in a thread of this process instead of the worker process
    (for tests that patch openpyxl, and for tools that write once and exit).
    """

    def __init__(
        self, path: Path, *, revalidate_after: float = REVALIDATE_AFTER, in_process: bool = False
    ) -> None:
        self._path = Path(path)
        self._single = self._path.suffix.lower() == ".xlsx"
        self._revalidate_after = revalidate_after
        self._in_process = in_process
        self._books: dict[str, LocalWorkbook] = {}
        self._names_cache: tuple[float, list[str]] | None = None
        self._swept = False

    def _names(self) -> list[str]:
        if not self._swept:
            # The first listing (``ikbot serve`` lists at start-up): what an earlier process
            # killed mid-save left beside the workbooks goes now, not at the next save.
            self._swept = True
            folder = self._path.parent if self._single else self._path
            for name in sweep_leftovers(folder):
                logger.info("Removed %s, left by an interrupted save", name)
        if self._single:
            return [self._path.name]
        if not self._path.is_dir():
            raise WorkbookNotFound(f"Mappen {self._path.name} finns inte.")
        return list_workbook_names(self._path)

    async def workbooks(self) -> list[LocalWorkbook]:
        """Every workbook currently in the source (the folder is listed at most once a second)."""
        cached = self._names_cache
        if cached is not None and time.monotonic() - cached[0] < self._revalidate_after:
            names = cached[1]
        else:
            names = await asyncio.to_thread(self._names)
            self._names_cache = (time.monotonic(), names)
        return [self.workbook(name) for name in names]

    def workbook(self, key: str) -> LocalWorkbook:
        """The workbook with this key; a key naming no file in the source reads as missing."""
        book = self._books.get(key)
        if book is None:
            path = self._resolve(key)
            book = LocalWorkbook(
                path, key, revalidate_after=self._revalidate_after, in_process=self._in_process
            )
            if path is not None:  # keep the cache per file; junk keys are not remembered
                self._books[key] = book
        return book

    async def warm(self) -> None:
        """Start the writer process now: spawning it and importing openpyxl there takes
        seconds, which would otherwise delay the first batch of answers after a start."""
        if self._in_process:
            return
        try:
            await asyncio.get_running_loop().run_in_executor(_writer_process(), _writer_ready)
        except BrokenProcessPool:
            global _write_pool
            _write_pool = None  # the first write starts another

    async def close(self) -> None:
        """Nothing to release: files are opened per read and write, and the writer process is
        shared by every source in the process (it ends with the interpreter)."""

    async def put_evidence(
        self, plan_key: str, parts: Sequence[str], name: str, data: bytes
    ) -> str:
        """Store an underlag file in a folder beside the workbooks (``parts`` below it; a
        name already there gets " (2)" and so on); its file: link."""
        base = self._path.parent if self._single else self._path

        def write() -> str:
            folder = base.joinpath(*parts)
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / name
            stem, suffix, number = target.stem, target.suffix, 2
            while target.exists():
                target = folder / f"{stem} ({number}){suffix}"
                number += 1
            target.write_bytes(data)
            return target.resolve().as_uri()

        return await asyncio.to_thread(write)

    def _resolve(self, key: str) -> Path | None:
        # Keys come back from card data: never let one reach outside the source.
        if self._single:
            return self._path if key == self._path.name else None
        plain = key == Path(key).name and "\\" not in key and key not in ("", ".", "..")
        if not plain or not is_workbook_name(key):
            return None
        return self._path / key
