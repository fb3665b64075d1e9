"""The summary sheet's layout (pure): what a person finds in "Sammanställning … ", where."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

from bot.domain.model import Period, Risk
from bot.domain.status import RISK_AXIS, compile_status, risk_band
from graph.summary_sheet import (
    BAND_FILLS,
    MARKER,
    Area,
    SummarySheet,
    is_ours,
    replaceable,
    sheet_name,
    summary_sheet,
    width_runs,
)
from tests.bot.domain.status_data import lindesberg_delar_2017, strangnas_helar_2017


def lindesberg() -> SummarySheet:
    f = lindesberg_delar_2017()
    return summary_sheet(compile_status(f.plans, f.answers, f.term, f.today), pending=2)


def table_rows(sheet: SummarySheet, part: str) -> list[dict[str, object]]:
    """A table's data rows as dicts by header."""
    [table] = [t for t in sheet.tables if t.name.endswith("_" + part)]
    a = table.area
    grid = [row[a.first_col : a.last_col + 1] for row in sheet.rows[a.first_row : a.last_row + 1]]
    headers = [str(h) for h in grid[0]]
    return [dict(zip(headers, row, strict=True)) for row in grid[1:]]


def find_row(sheet: SummarySheet, first: str) -> tuple[object, ...]:
    return next(row for row in sheet.rows if row[0] == first)


def test_sheet_names_fit_excel_and_say_period_and_year() -> None:
    assert sheet_name(Period.YEAR, 2025) == "Sammanställning helår 2025"
    assert sheet_name(Period.T1, 2025) == "Sammanställning delår 1 2025"
    assert all(len(sheet_name(p, 2099)) <= 31 for p in Period)


def test_header_lines_carry_progress_pending_and_the_marker() -> None:
    sheet = lindesberg()
    assert sheet.name == "Sammanställning delår 1 2017"
    assert sheet.rows[0][0] == sheet.name
    assert is_ours(sheet.rows[1][0]) and str(sheet.rows[1][0]).startswith(MARKER)
    assert find_row(sheet, "Sammanställd")[1] == lindesberg_delar_2017().today
    assert find_row(sheet, "Besvarade")[1] == "16 av 16 kontrollmoment besvarade (100 %)"
    assert find_row(sheet, "Väntar på att skrivas till Excel")[1] == 2
    assert find_row(sheet, "Obesvarade")[1] == 0


def test_outcome_table_has_the_real_lindesberg_counts_and_adds_up() -> None:
    rows = table_rows(lindesberg(), "Utfall")
    total = rows[0]
    assert (total["Nivå"], total["Namn"]) == ("Totalt", "Alla")
    # Lindesberg delår 2017 (REFERENCE §A): 4 / 2 / 2 / 5 / 2 / 1 across its six labels.
    assert total["Att följa upp"] == total["Besvarade"] == 16
    classes = ["Ingen avvikelse", "Mindre avvikelse", "Större avvikelse", "Ej genomförd"]
    counted = sum(int(total[c]) for c in [*classes, "Följs upp senare", "Okänd bedömning"])
    assert counted == 16
    nämnder = [r for r in rows if r["Nivå"] == "Nämnd"]
    assert [r["Namn"] for r in nämnder] == ["Kommunledningskontoret"]
    areas = [r for r in rows if r["Nivå"] == "Område"]
    assert sum(int(r["Att följa upp"]) for r in areas) == 16


def test_deviations_are_listed_most_serious_first_with_their_action() -> None:
    f = strangnas_helar_2017(action_owner="kvalitet@example.com", action_due=date(2018, 6, 30))
    summary = compile_status(f.plans, f.answers, f.term, f.today)
    sheet = summary_sheet(summary)
    rows = table_rows(sheet, "Avvikelser")
    assert find_row(sheet, "Avvikelser och förbättringsområden (9), allvarligast först")
    # Strängnäs helår 2017: every one of the 9 is a deviation (4 mindre, 5 större).
    assert len(rows) == len(summary.deviations) == 9
    assert [r["ID"] for r in rows] == [d.control.id for d in summary.deviations]
    # Strängnäs' own scale: the classes in neutral words, not Lindesberg's labels.
    order = {"Avvikelser": 0, "Ej genomförda": 1, "Förbättringsområden": 2}
    assert [order[str(r["Allvarlighet"])] for r in rows] == sorted(
        order[str(r["Allvarlighet"])] for r in rows
    )
    assert all(r["Åtgärdsansvarig"] == "kvalitet@example.com" for r in rows)
    assert all(r["Klart senast"] == date(2018, 6, 30) for r in rows)
    assert all(r["Iakttagelser"] for r in rows)
    # helår: no "Följs upp senare" section at all when nothing was deferred
    assert not any(t.name.endswith("_Foljs_upp_senare") for t in sheet.tables)


def test_unanswered_are_listed_with_deadline_and_days_late() -> None:
    f = lindesberg_delar_2017()
    missing = [a for a in f.answers if a.control_id not in ("1", "2")]
    summary = compile_status(f.plans, missing, f.term, date(2017, 10, 1))
    rows = table_rows(summary_sheet(summary), "Obesvarade")
    assert [r["ID"] for r in rows] == [m.control.id for m in summary.unanswered]
    assert {r["ID"] for r in rows} == {"1", "2"}
    assert all(isinstance(r["Sista svarsdag"], date) for r in rows)
    assert all(
        r["Dagar försenat"] == m.days_overdue for r, m in zip(rows, summary.unanswered, strict=True)
    )


def test_empty_lists_are_a_line_of_text_not_an_empty_table() -> None:
    f = lindesberg_delar_2017()
    summary = compile_status(f.plans, [], f.term, f.today)
    sheet = summary_sheet(summary)
    names = [t.name.rsplit("_", 1)[-1] for t in sheet.tables]
    assert "Avvikelser" not in names and "Bedomningar" not in names
    assert find_row(sheet, "Inga avvikelser.")[:1] == ("Inga avvikelser.",)
    assert len(table_rows(sheet, "Obesvarade")) == 16


def test_tables_have_unique_valid_names_unique_headers_and_do_not_overlap() -> None:
    f = lindesberg_delar_2017()
    strange = [
        replace(a, outcome="Något helt annat") if a.control_id == "3" else a for a in f.answers
    ]
    strange.append(replace(f.answers[0], answer_id="x", control_id="99"))
    sheet = summary_sheet(compile_status(f.plans, strange, f.term, f.today))
    names = [t.name for t in sheet.tables]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,254}", n) for n in names)
    assert any(n.endswith("_Att_utreda") for n in names)
    assert all(n.startswith("Sammanst_delar1_2017_") for n in names)
    taken: set[int] = set()
    for table in sheet.tables:
        rows = set(range(table.area.first_row, table.area.last_row + 1))
        assert not rows & taken
        taken |= rows
        header = sheet.rows[table.area.first_row][: table.area.last_col + 1]
        assert all(isinstance(h, str) and h for h in header)
        assert len(set(header)) == len(header)
    assert all(len(row) == len(sheet.rows[0]) for row in sheet.rows)


def test_interim_summary_lists_the_deferred_even_when_none() -> None:
    f = lindesberg_delar_2017()
    sheet = summary_sheet(compile_status(f.plans, f.answers, f.term, f.today))
    deferred = [t for t in sheet.tables if t.name.endswith("_Foljs_upp_senare")]
    text = [r[0] for r in sheet.rows]
    assert deferred or any(str(t).startswith("Följs upp senare") for t in text)


def test_a_plan_without_any_risk_assessment_gets_no_matrix() -> None:
    sheet = lindesberg()  # the 2017 follow-up has no sannolikhet, konsekvens or riskvärde
    text = [str(r[0]) for r in sheet.rows]
    assert not [t for t in text if t.startswith(("Riskmatris", "Risknivåer", "Utan risk"))]
    assert sheet.fills == ()


def test_risk_matrix_is_coloured_by_band_in_seven_rectangles() -> None:
    f = lindesberg_delar_2017()
    # Lindesberg's 16 controls spread over the 4×4 grid.
    risks = {str(i): Risk(1 + (i - 1) % 4, 1 + (i - 1) // 4) for i in range(1, 17)}
    plans = [
        replace(p, controls=tuple(replace(c, risk=risks[c.id]) for c in p.controls))
        for p in f.plans
    ]
    sheet = summary_sheet(compile_status(plans, f.answers, f.term, f.today))
    header = next(i for i, row in enumerate(sheet.rows) if row[0] == "Sannolikhet ↓ / konsekvens →")
    assert sheet.rows[header][1:5] == tuple(RISK_AXIS)
    assert len(sheet.fills) == 7
    coloured: dict[tuple[int, int], str] = {}
    for fill in sheet.fills:
        for r in range(fill.area.first_row, fill.area.last_row + 1):
            for c in range(fill.area.first_col, fill.area.last_col + 1):
                assert (r, c) not in coloured
                coloured[(r, c)] = fill.rgb
    for offset, p in enumerate(reversed(RISK_AXIS)):
        row = header + 1 + offset
        assert sheet.rows[row][0] == p
        for k in RISK_AXIS:
            assert coloured[(row, k)] == BAND_FILLS[risk_band(p * k)]
    # Lindesberg's 16 risks sit in the grid; the counts add up to the due controls.
    counts = [
        int(str(sheet.rows[header + 1 + o][k]).split()[0]) for o in range(4) for k in RISK_AXIS
    ]
    unassessed = next(r[0] for r in sheet.rows if str(r[0]).startswith("Utan riskbedömning"))
    assert sum(counts) + int(str(unassessed).split(": ")[1].split()[0]) == 16


def test_widths_are_bounded_and_come_in_runs() -> None:
    sheet = lindesberg()
    assert all(10 <= w <= 60 for w in sheet.widths)
    runs = width_runs(sheet.widths)
    assert sum(last - first + 1 for first, last, _ in runs) == len(sheet.widths)
    assert width_runs((10.0, 10.0, 20.0, 10.0)) == [(0, 1, 10.0), (2, 2, 20.0), (3, 3, 10.0)]


def test_only_the_bots_own_or_an_empty_sheet_is_replaced() -> None:
    assert replaceable(f"{MARKER} Bladet ersätts …", empty=False)
    assert replaceable(None, empty=True)
    assert not replaceable("Min egen sammanställning", empty=False)
    assert not replaceable(42, empty=False)


def test_area_addresses() -> None:
    assert Area(0, 0, 0, 0).address == "A1"
    assert Area(1, 0, 4, 27).address == "A2:AB5"
