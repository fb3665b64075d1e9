"""The temp files of atomic saves (``.~ikbot-….xlsx`` beside the workbook): what this
process is writing now, and what an interrupted save left behind.

Apart from ``graph.xlsx_writer`` so that `ikbot serve` can sweep leftovers at start-up, and
the writer process remove its own when the bot dies, without importing the writer (and
openpyxl with it). Why the temp file sits beside the workbook: ``graph.xlsx_writer``.
"""

from __future__ import annotations

import contextlib
import os
import stat as stat_mode
import time
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX, TEMP_SUFFIX = ".~ikbot-", ".xlsx"
# A save writes its temp file and replaces the workbook with it within seconds; one left
# untouched this long belongs to a process that died mid-save. Longer than any save and
# than the clock skew a share allows (Kerberos refuses more than five minutes), so another
# bot process's save in the same folder is never taken for a leftover.
STALE_TEMP = 600.0
_in_flight: set[str] = set()  # the temp files this process is writing now


@contextlib.contextmanager
def in_flight(temp: str) -> Iterator[None]:
    """While a save writes ``temp``: never swept as a leftover, and removed if this process
    must end mid-save (``discard_in_flight``)."""
    _in_flight.add(temp)
    try:
        yield
    finally:
        _in_flight.discard(temp)


def sweep_leftovers(folder: Path, *, older_than: float = STALE_TEMP) -> list[str]:
    """Remove the temp files interrupted saves left in ``folder``; return their names."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []  # the save itself reports what is wrong with the folder
    limit = time.time() - older_than
    ours = {os.path.basename(temp) for temp in _in_flight}
    removed = []
    for entry in entries:
        name = entry.name
        if not name.startswith(TEMP_PREFIX) or not name.endswith(TEMP_SUFFIX) or name in ours:
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat_mode.S_ISREG(info.st_mode) and info.st_mtime < limit:
                os.unlink(entry.path)
                removed.append(name)
    return removed


def discard_in_flight() -> None:
    """Remove the temp files this process is writing (it is about to end mid-save)."""
    for temp in list(_in_flight):
        with contextlib.suppress(OSError):
            os.unlink(temp)
