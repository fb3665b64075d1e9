"""openpyxl, imported where it is first needed, by one thread at a time.

The bot starts without openpyxl (its import takes 0.1–0.2 s): the reader and the local
backend import the modules that need it when a sheet is parsed or a workbook written. Those
can be reached from several threads at once (the plans of a folder are read side by side),
and two threads importing openpyxl's parts at the same time can meet in openpyxl's own
circular imports, where Python gives up with a ``_DeadlockError``. So every such place
calls ``load()`` first: the whole package is imported once, under one lock, and what any
thread then imports from it is already there.
"""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


def load() -> None:
    """Import openpyxl, whole, unless it is already (blocks while another thread does)."""
    module = sys.modules.get("openpyxl")
    if module is not None and not getattr(module.__spec__, "_initializing", False):
        return
    with _lock:
        import openpyxl  # noqa: F401 - imported for its side effect: every part loaded
