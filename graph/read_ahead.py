"""Parsing the plan workbooks' sheets in a child process while the bot starts.

`ikbot serve` spends about a second importing the Agents SDK, aiohttp and SQLAlchemy before
it can read a plan, and a large plan's sheets take about as long again to parse; on a
machine with two cores the two can run side by side. ``start`` forks a small child at
launch (before those imports, while the process has no other thread) that parses the
sheets the plan reader will ask for with the same streaming reader (``graph.xlsx_stream``)
and pipes their rows back; the first ``StreamBook`` opened on the same file takes them
instead of parsing them again. What the child read is used only if the file still has the
stamp it had then (modified time, size, inode); anything the child could not read is
simply read again here. Only the parsing moves: the plan and the answers are built from
the same rows by the same code as ever.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import threading
from pathlib import Path
from typing import Any

Stamp = tuple[int, int, int]
# Below this many bytes of workbooks (some 2,000 plan rows) parsing them here costs less than
# the child's own start (importing the reader: about 0.3 s of CPU on a busy machine).
MIN_BYTES = 200_000

_lock = threading.Lock()
_pending: tuple[int, int] | None = None  # (child pid, read end of its pipe)
_ready: dict[str, tuple[Stamp, dict[str, Any]]] = {}  # resolved path -> (stamp, sheets)


def _size(path: Path) -> int | None:
    with contextlib.suppress(OSError):
        return os.stat(path).st_size
    return None


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


def start(target: Path, *, min_bytes: int = MIN_BYTES) -> bool:
    """Fork a child that parses these workbooks' plan and answer sheets; False when it
    cannot (no fork on this platform, threads already running) or the workbooks are too
    small to be worth it."""
    global _pending
    if not hasattr(os, "fork") or threading.active_count() > 1 or _pending is not None:
        return False  # forking a process with threads could copy a lock some thread holds
    paths = [p.resolve() for p in workbook_files(target)]
    if not paths or sum(size for p in paths if (size := _size(p)) is not None) < min_bytes:
        return False  # nothing, or too little to be worth a child's imports
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: parse, send, and leave without running the parent's exit code
        code = 1
        try:
            os.close(read_end)
            data = pickle.dumps(_parse(paths), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    _pending = (pid, read_end)
    return True


def _parse(paths: list[Path]) -> dict[str, tuple[Stamp, dict[str, Any]]]:
    """In the child: each workbook's stamp and the sheets the plan reader reads first."""
    from graph import layout
    from graph.xlsx_stream import StreamBook

    found: dict[str, tuple[Stamp, dict[str, Any]]] = {}
    for path in paths:
        before = stamp(path)
        try:
            book = StreamBook(path, ahead=False)
            wanted = [book.find(layout.SETTINGS_SHEET), book.find(layout.PLAN_SHEET)]
            if wanted[1] is None:  # no sheet by our name: every sheet that may hold the plan
                wanted += [book.sheet(t) for t in book.titles if layout.may_hold_plan(t)]
            wanted.append(book.find(layout.ANSWER_SHEET))
        except Exception:  # noqa: BLE001 - the bot reads it itself and says what is wrong
            continue
        if before is not None and stamp(path) == before:
            found[str(path)] = (before, {s.title: s for s in wanted if s is not None})
    return found


def take(path: Path) -> dict[str, Any] | None:
    """The sheets parsed ahead for this file (title -> ``SheetData``), once, if the file is
    unchanged since; waits for the child if it is still parsing."""
    if _pending is None and not _ready:
        return None
    key = str(path.resolve())
    with _lock:
        _collect()
        entry = _ready.pop(key, None)
    if entry is None:
        return None
    then, sheets = entry
    return sheets if stamp(path) == then else None


def _collect() -> None:
    """Read what the child sent (if not yet) and reap it."""
    global _pending
    if _pending is None:
        return
    pid, read_end = _pending
    _pending = None
    try:
        with os.fdopen(read_end, "rb") as pipe:
            data = pipe.read()
        os.waitpid(pid, 0)
        if data:
            _ready.update(pickle.loads(data))
    except Exception:  # noqa: BLE001 - nothing read ahead: the sheets are read here
        _ready.clear()


def discard() -> None:
    """Forget whatever was read ahead, ending the child if it still runs."""
    global _pending
    with _lock:
        _ready.clear()
        if _pending is None:
            return
        pid, read_end = _pending
        _pending = None
        os.close(read_end)  # a child still writing gets EPIPE and leaves
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
