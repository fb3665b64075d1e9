"""Parsing the plan workbooks' sheets in a child process while the bot starts.

`ikbot serve` spends about a second importing the Agents SDK, aiohttp and SQLAlchemy before
it can read a plan, and a large plan's sheets take about as long again to parse; on a
machine with two cores the two can run side by side. ``start`` forks a small child at
launch (before those imports, while the process has no other thread) that parses the
sheets the plan reader will ask for with the same streaming reader (``graph.xlsx_stream``)
and pipes their rows back, the plan's sheets first and the answers sheet after them, so
that the bot can build the plan while the child still parses the answers. A thread here
receives them as they come (the child never waits for the bot to read); a ``StreamBook``
opened on the same file takes each sheet instead of parsing it again, waiting for it only
if it is still coming. What the child read is used only if the file still has the stamp
it had then (modified time, size, inode); anything the child could not read is simply
read again here. Only the parsing moves: the plan and the answers are built from the same
rows by the same code as ever.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

Stamp = tuple[int, int, int]
_LENGTH = struct.Struct("!Q")  # each message: its length, then the pickled message


class _Received:
    """What the child has sent so far, per resolved path (a thread here fills it)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.changed = threading.Condition()
        self.coming: dict[str, tuple[Stamp, set[str]]] = {}  # path -> (stamp, titles)
        self.sheets: dict[tuple[str, str], Any] = {}  # (path, title) -> SheetData
        self.finished = False  # the child has ended (and was reaped)


_lock = threading.Lock()
_received: _Received | None = None


def _cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def stamp(path: Path) -> Stamp | None:
    """What tells a changed file: (mtime_ns, size, inode); None when it cannot be read."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def workbook_files(target: Path) -> list[Path]:
    """The .xlsx files a workbook setting names: the file, or those directly in the folder
    (as ``xlsx_reader.list_workbook_names``, which imports openpyxl: too slow to start with)."""
    if target.suffix.lower() == ".xlsx":
        return [target] if target.is_file() else []
    if not target.is_dir():
        return []
    return sorted(
        p
        for p in target.iterdir()
        if p.suffix.lower() == ".xlsx" and p.is_file() and not p.name.startswith((".", "~$"))
    )


def start(target: Path) -> bool:
    """Fork a child that parses these workbooks' plan and answer sheets; False when it
    cannot (no fork on this platform, threads already running), when there is nothing to
    read, or on a single core (where the child could only take turns with the imports).

    However small the plan, the child saves the bot more than its parse: parsing needs
    the number formats of openpyxl, whose import (0.1–0.2 s) is then the child's alone."""
    global _received
    if not hasattr(os, "fork") or threading.active_count() > 1 or _received is not None:
        return False  # forking a process with threads could copy a lock some thread holds
    paths = [p.resolve() for p in workbook_files(target)]
    if not paths or _cores() < 2:
        return False
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit code
        code = 1
        try:
            os.close(read_end)
            with os.fdopen(write_end, "wb") as pipe:

                def write(data: bytes) -> None:
                    pipe.write(data)
                    pipe.flush()

                _parse(paths, write)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    _received = _Received(pid)
    threading.Thread(
        target=_receive, args=(_received, read_end), name="ikbot-read-ahead", daemon=True
    ).start()
    return True


def _parse(paths: list[Path], write: Callable[[bytes], None]) -> None:
    """In the child: for each workbook, the titles of the sheets to come, then the plan's
    sheets, then the answers sheet, each sent as soon as it is parsed (if the file is
    still unchanged then)."""
    from graph import layout
    from graph.xlsx_stream import StreamBook

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        write(_LENGTH.pack(len(data)) + data)

    for path in paths:
        before = stamp(path)
        if before is None:
            continue
        try:
            book = StreamBook(path, ahead=False)
            # The sheets the plan reader asks for first (graph.xlsx_reader.read_streamed).
            settings, plan = book.named(layout.SETTINGS_SHEET), book.named(layout.PLAN_SHEET)
            titles = [t for t in (settings, plan) if t is not None]
            if plan is None:  # no sheet by our name: every sheet that may hold the plan
                titles += [t for t in book.titles if layout.may_hold_plan(t) and t not in titles]
            answers = [t for t in (book.named(layout.ANSWER_SHEET),) if t is not None]
            send(("titles", str(path), before, titles + answers))
            for group in (titles, answers):
                sheets = {t: book.sheet(t) for t in group}
                if stamp(path) != before:
                    break  # changed while read: the bot reads it itself
                send(("sheets", str(path), before, sheets))
        except Exception:  # noqa: BLE001 - the bot reads it itself and says what is wrong
            continue


def _receive(received: _Received, read_end: int) -> None:
    """In a thread here: read the child's messages as they come, until it ends."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while header := pipe.read(_LENGTH.size):
                (length,) = _LENGTH.unpack(header)
                kind, path, then, content = pickle.loads(pipe.read(length))
                with received.changed:
                    if kind == "titles":
                        received.coming[path] = (then, set(content))
                    else:
                        received.sheets.update(((path, t), s) for t, s in content.items())
                    received.changed.notify_all()
    except Exception:  # noqa: BLE001 - a message cut short: the rest is read here
        pass
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(received.pid, 0)
        with received.changed:
            received.finished = True
            received.changed.notify_all()


def take(path: Path, title: str) -> Any | None:
    """The sheet with this title parsed ahead for this file (a ``SheetData``), once, if the
    file is unchanged since; waits for it only while the child may still send it."""
    received = _received
    if received is None:
        return None
    key = str(path.resolve())
    with received.changed:
        while True:
            coming = received.coming.get(key)
            if (key, title) in received.sheets or received.finished:
                break
            if coming is not None and title not in coming[1]:
                return None  # not a sheet the child reads
            received.changed.wait()
        sheet = received.sheets.pop((key, title), None)
    if sheet is None or coming is None:
        return None
    return sheet if stamp(path) == coming[0] else None


def discard() -> None:
    """Forget whatever was read ahead, ending the child if it still runs."""
    global _received
    with _lock:
        received, _received = _received, None
    if received is None:
        return
    with received.changed:
        received.sheets.clear()
        running = not received.finished
    if running:
        with contextlib.suppress(OSError):
            os.kill(received.pid, signal.SIGKILL)  # the thread then reads the end, and reaps
