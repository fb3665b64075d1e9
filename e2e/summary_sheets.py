"""Print, as JSON, the values of a summary sheet in every workbook of a folder that has it.

Usage (from the repository root):
    python -m e2e.summary_sheets FOLDER SHEET
Prints {workbook file name: [every non-empty cell value as text]}; exit 0.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import openpyxl

from graph.workbook_names import list_workbook_names


def sheet_values(folder: Path, sheet: str) -> dict[str, list[str]]:
    """The sheet's cell values (as text) per workbook that has the sheet."""
    found: dict[str, list[str]] = {}
    for name in list_workbook_names(folder):
        book = openpyxl.load_workbook(folder / name, read_only=True)
        try:
            if sheet in book.sheetnames:
                rows = book[sheet].iter_rows(values_only=True)
                found[name] = [str(v) for row in rows for v in row if v is not None]
        finally:
            book.close()
    return found


def main(argv: Sequence[str]) -> int:
    """Print the values of SHEET in each workbook of FOLDER."""
    folder, sheet = argv
    print(json.dumps(sheet_values(Path(folder), sheet), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
