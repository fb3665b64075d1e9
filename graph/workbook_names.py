"""Which files are plan workbooks: the .xlsx files directly in a folder, without Office's
lock files (``~$…``) and hidden files (the bot's temp files among them).

Standard library only: `ikbot serve` lists them first thing, before its imports
(``graph.read_ahead``).
"""

from __future__ import annotations

from pathlib import Path

LOCK_PREFIX = "~$"  # Excel's lock file beside an open workbook: ~$plan.xlsx


def is_workbook_name(name: str) -> bool:
    """Whether a file name is a workbook's (not a lock file, not hidden)."""
    return name.lower().endswith(".xlsx") and not name.startswith((".", LOCK_PREFIX))


def list_workbook_names(folder: Path) -> list[str]:
    """The workbooks directly in a folder, by name, sorted."""
    return sorted(p.name for p in folder.iterdir() if is_workbook_name(p.name) and p.is_file())
