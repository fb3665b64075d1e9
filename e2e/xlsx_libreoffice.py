"""The two halves of e2e/xlsx_libreoffice.sh around LibreOffice's conversion.

``write PATH``: a rich plan (tests/graph/rich_workbook.py) at PATH, and two batches of
answers patched into it. ``check PATH``: LibreOffice's CSV of the answers sheet
(``plan-Uppföljning.csv`` beside PATH) holds the rows openpyxl reads, cell for cell (dates
as the sheet formats them), and the formula sheet's cached values came through.
"""

from __future__ import annotations

import csv
import sys
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl

from bot.domain.model import Action
from graph import layout, xlsx_writer
from tests.graph.rich_workbook import FORMULA_SHEET, rich_workbook
from tests.graph.workbooks import answer, deviation

T0 = datetime(2027, 1, 10, 9, 30, tzinfo=UTC)


def write(path: Path) -> None:
    """The workbook, patched twice; fails if the writer fell back to a full rewrite."""
    rich_workbook(path)
    batches = [
        [
            deviation("1", answer_id="a1", at=T0, action=Action("Ny rutin", "", date(2027, 3, 1))),
            answer("2", answer_id="a2", at=T0, observations="- punkt ett\n- punkt två"),
        ],
        [answer("2", answer_id="a2b", at=T0 + timedelta(hours=1)), answer("3", answer_id="a3")],
    ]
    for batch in batches:
        done = xlsx_writer.write_workbook_file(path, path.name, batch)
        if done.answers is not None:
            raise SystemExit(
                "xlsx_libreoffice: the writer rewrote the workbook instead of patching it"
            )


def shown(value: object, number_format: str) -> str:
    """A cell as LibreOffice's CSV shows it."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if "hh" in number_format else "%Y-%m-%d")
    return str(value)


def check(path: Path) -> None:
    """Compare LibreOffice's view of the answers sheet with openpyxl's."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl drops the x14 extension it cannot read
        book = openpyxl.load_workbook(path)
        cached = openpyxl.load_workbook(path, data_only=True)[FORMULA_SHEET]["B1"].value
    ws = book[layout.ANSWER_SHEET]
    expected = [[shown(c.value, c.number_format) for c in row] for row in ws.iter_rows()]
    found_path = path.with_name(f"{path.stem}-{layout.ANSWER_SHEET}.csv")
    with found_path.open(encoding="utf-8", newline="") as handle:
        found = [row for row in csv.reader(handle)]
    width = len(layout.ANSWER_HEADERS)
    expected = [row[:width] + [""] * (width - len(row)) for row in expected if any(row)]
    found = [row[:width] + [""] * (width - len(row)) for row in found if any(row)]
    if found != expected:
        for want, got in zip(expected, found, strict=False):
            if want != got:
                print(f"openpyxl:    {want}\nLibreOffice: {got}", file=sys.stderr)
        raise SystemExit(
            f"xlsx_libreoffice: {len(found)} rows in LibreOffice, {len(expected)} expected"
        )
    formulas = path.with_name(f"{path.stem}-{FORMULA_SHEET}.csv").read_text(encoding="utf-8")
    if not formulas.splitlines()[0].endswith(f",{cached}"):
        raise SystemExit(f"xlsx_libreoffice: {FORMULA_SHEET} reads {formulas.splitlines()[0]!r}")
    print(f"xlsx_libreoffice: ok ({len(found) - 1} answers read alike by LibreOffice and openpyxl)")


if __name__ == "__main__":
    {"write": write, "check": check}[sys.argv[1]](Path(sys.argv[2]))
