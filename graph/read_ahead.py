"""Reading the plan workbooks in a child process while the bot starts.

`ikbot serve` spends about a second importing the Agents SDK, aiohttp and SQLAlchemy before
it can read a plan, and a large plan takes a good part of that again to read; on a machine
with two cores the two can run side by side. ``start`` forks a small child at launch
(before those imports, while the process has no other thread) that reads each workbook with
the bot's own streaming reader (``graph.xlsx_reader.streamed_plan`` and
``streamed_answers``) and pipes the plan back as soon as it is built, then the answers. A
thread here receives them as they come (the child never waits for the bot to read);
``read_streamed`` takes them instead of reading the file again, waiting only while they may
still come. What the child read is used only if the file still has the stamp it had then
(modified time, size, inode) and was read under the same key; anything the child could not
read is simply read again here, by the same code.
"""

from __future__ import annotations

import contextlib
import copyreg
import os
import pickle
import signal
import struct
import threading
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph.workbook_names import list_workbook_names

Stamp = tuple[int, int, int]
_LENGTH = struct.Struct("!Q")  # each message: its length, then the pickled message


def _mapping_proxy(items: dict[Any, Any]) -> types.MappingProxyType[Any, Any]:
    return types.MappingProxyType(items)


# A plan holds read-only mappings (the scale's words); pickle sends them as their items.
copyreg.pickle(types.MappingProxyType, lambda proxy: (_mapping_proxy, (dict(proxy),)))


class _Received:
    """What the child has sent so far (a thread here fills it)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.changed = threading.Condition()
        # (resolved path, "plan" or "answers") -> (stamp, key, what was read)
        self.read: dict[tuple[str, str], tuple[Stamp, str, Any]] = {}
        self.done: set[str] = set()  # the paths the child has sent all it will send of
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
    """The .xlsx files a workbook setting names: the file, or those directly in the folder."""
    if target.suffix.lower() == ".xlsx":
        return [target] if target.is_file() else []
    if not target.is_dir():
        return []
    return [target / name for name in list_workbook_names(target)]


def start(target: Path) -> bool:
    """Fork a child that reads these workbooks' plans and answers; False when it cannot
    (no fork on this platform, threads already running), when there is nothing to read, or
    on a single core (where the child could only take turns with the imports).

    However small the plan, the child saves the bot more than the reading: parsing needs
    the number formats of openpyxl, whose import (0.1–0.2 s) is then the child's alone."""
    global _received
    if not hasattr(os, "fork") or threading.active_count() > 1 or _received is not None:
        return False  # forking a process with threads could copy a lock some thread holds
    paths = [p.resolve() for p in workbook_files(target)]
    if not paths or _cores() < 2:
        return False
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send, and leave without running the parent's exit code
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
    """In the child: each workbook's plan, then its answers, each sent as soon as it is read
    (if the file is still unchanged then), then word that the workbook is done."""
    from graph.xlsx_reader import streamed_answers, streamed_plan
    from graph.xlsx_stream import StreamBook

    def send(message: tuple[Any, ...]) -> None:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        write(_LENGTH.pack(len(data)) + data)

    for path in paths:
        before, key = stamp(path), path.name  # the key LocalSource gives a file: its name
        try:
            book = StreamBook(path)
            for what, read in (("plan", streamed_plan), ("answers", streamed_answers)):
                found = read(book, key)
                if stamp(path) != before:
                    break  # changed while read: the bot reads it itself
                send((what, str(path), before, key, found))
        except Exception:  # noqa: BLE001 - the bot reads it itself and says what is wrong
            pass
        send(("done", str(path), before, key, None))


def _receive(received: _Received, read_end: int) -> None:
    """In a thread here: read the child's messages as they come, until it ends."""
    try:
        with os.fdopen(read_end, "rb") as pipe:
            while header := pipe.read(_LENGTH.size):
                (length,) = _LENGTH.unpack(header)
                what, path, then, key, found = pickle.loads(pipe.read(length))
                with received.changed:
                    if what == "done":
                        received.done.add(path)
                    else:
                        received.read[path, what] = (then, key, found)
                    received.changed.notify_all()
    except Exception:  # noqa: BLE001 - a message cut short: the rest is read here
        pass
    finally:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(received.pid, 0)
        with received.changed:
            received.finished = True
            received.changed.notify_all()


def take(path: Path, key: str, what: str) -> Any | None:
    """The plan or the answers ("plan", "answers") of this workbook as the child read them,
    once, if read under this key and the file is unchanged since; waits for them only
    while the child may still send them."""
    received = _received
    if received is None:
        return None
    resolved = str(path.resolve())
    with received.changed:
        received.changed.wait_for(
            lambda: (
                (resolved, what) in received.read or resolved in received.done or received.finished
            )
        )
        entry = received.read.get((resolved, what))
        if entry is None or entry[1] != key:
            return None
        del received.read[resolved, what]
    then, _, found = entry
    return found if stamp(path) == then else None


def discard() -> None:
    """Forget whatever was read ahead, ending the child if it still runs."""
    global _received
    with _lock:
        received, _received = _received, None
    if received is None:
        return
    with received.changed:
        received.read.clear()
        running = not received.finished
    if running:
        with contextlib.suppress(OSError):
            os.kill(received.pid, signal.SIGKILL)  # the thread then reads the end, and reaps
