"""The summary sheet prints as it is (local workbooks: print area, landscape, one page
wide, the title on every page), wraps long texts on both backends, names the plan beside
each control, and marks answers that came after the sista svarsdag."""

from __future__ import annotations

from datetime import UTC, datetime

import openpyxl

from tests.graph.conftest import GraphBackend, LocalBackend
from tests.graph.test_summary_contract import KEY, SHEET, summarised
from tests.graph.workbooks import deviation

LONG = "Stickprov av tjugo fakturor visar att attesten saknas eller är felaktig. " * 3


def _rows(ws) -> list[tuple]:
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


async def test_the_sheet_is_printable(backend: LocalBackend | GraphBackend) -> None:
    late = datetime(2027, 1, 20, 10, tzinfo=UTC)  # helår 2026 was due 14 januari 2027
    workbook, summary = await summarised(backend, [deviation("4", observations=LONG, at=late)])
    await workbook.write_summary(summary)
    ws = openpyxl.load_workbook(await backend.file(KEY))[SHEET]
    rows = _rows(ws)
    header = next(r for r in rows if r[:3] == ("Allvarlighet", "Bedömning", "ID"))
    row = rows[rows.index(header) + 1]
    data = dict(zip(header, row, strict=True))
    assert data["Plan"] == summary.deviations[0].plan_name  # beside the control
    assert data["Dagar försenat"] == 6
    assert next(r[:2] for r in rows if str(r[0]).startswith("Besvarade efter")) == (
        "Besvarade efter sista svarsdag (bland listade svar)",
        1,
    )
    # The long iakttagelse wraps in its column, on every backend.
    column = header.index("Iakttagelser") + 1
    cell = ws.cell(rows.index(header) + 2, column)
    assert cell.value == LONG.strip() or cell.value == LONG
    assert cell.alignment.wrap_text
    unanswered = next(r for r in rows if r[:4] == ("ID", "Kontrollmoment", "Nämnd", "Plan"))
    assert unanswered
    if backend.name == "local":  # Graph's workbook API has no page layout
        assert ws.print_area == f"'{SHEET}'!$A$1:${_last_col(rows)}${len(rows)}"
        assert ws.page_setup.orientation == "landscape"
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows == "$1:$1"


def _last_col(rows: list[tuple]) -> str:
    from openpyxl.utils.cell import get_column_letter

    return get_column_letter(len(rows[0]))
