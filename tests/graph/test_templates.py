"""The workbooks the bot writes: the empty plan, the demo plans, and check-workbook."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from bot.domain.model import DEFAULT_CALENDAR, OutcomeScale, Severity
from graph import layout, plan_reader
from graph.excel_local import LocalSource
from graph.protocol import WriteResult
from graph.templates import STRANGNAS_SCALE, demo_workbook, init_workbook
from graph.tools import check_workbook
from graph.xlsx_reader import read_workbook_file
from tests.graph.workbooks import HEADER, answer, plan_rows, write_xlsx

ALEX = "alexw@example.com"


def validations(ws) -> dict[str, str]:
    return {str(dv.sqref): dv.type for dv in ws.data_validations.dataValidation}


def test_init_workbook_parses_as_an_empty_plan(tmp_path: Path) -> None:
    path = init_workbook(tmp_path / "ny" / "plan.xlsx")
    snapshot = read_workbook_file(path, "plan.xlsx")
    assert snapshot.plan.controls == () and snapshot.plan.issues == ()
    assert snapshot.plan.scale == OutcomeScale.default() and snapshot.answers == ()
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        layout.PLAN_SHEET,
        layout.ANSWER_SHEET,
        layout.SETTINGS_SHEET,
        layout.ACTIONS_SHEET,
    ]
    plan = book[layout.PLAN_SHEET]
    assert plan["A1"].value == "Internkontrollplan"
    header = [c.value for c in plan[4]]
    assert header == [layout.PLAN_HEADERS[f][0] for f in layout.TEMPLATE_FIELDS]
    assert plan.tables[layout.PLAN_TABLE].ref == "A4:O5"
    assert plan.freeze_panes == "A5"
    assert plan.column_dimensions["I"].width == 50  # Kontrollmoment
    assert validations(plan) == {
        "F5:F1048576": "whole",
        "G5:G1048576": "whole",
        "L5:L1048576": "list",
        "N5:N1048576": "date",
        "O5:O1048576": "list",
    }
    scale = book[layout.SETTINGS_SHEET]
    assert scale.tables[layout.SCALE_TABLE].ref == "A1:B6"
    assert [c.value for c in scale[1]][:2] == list(layout.SCALE_HEADERS)
    answers = book[layout.ANSWER_SHEET]
    assert answers.tables[layout.ANSWER_TABLE].ref == "A1:P2"
    bedomning = [dv for dv in answers.data_validations.dataValidation if "D2" in str(dv.sqref)]
    assert bedomning[0].formula1 == "Bedomningar"
    assert "Bedomningar" in book.defined_names


def test_init_workbook_refuses_to_overwrite(tmp_path: Path) -> None:
    path = init_workbook(tmp_path / "plan.xlsx")
    with pytest.raises(FileExistsError):
        init_workbook(path)


async def test_answers_fill_the_templates_blank_table_row(tmp_path: Path) -> None:
    path = init_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    plan = book[layout.PLAN_SHEET]
    plan["A5"], plan["I5"], plan["L5"], plan["M5"] = 1, "Backup återläses", "Helår", ALEX
    book.save(path)
    workbook = LocalSource(tmp_path).workbook("plan.xlsx")
    assert [c.id for c in (await workbook.read_plan()).controls] == ["1"]
    assert await workbook.write_answers([answer("1")]) == WriteResult(added=1)
    ws = openpyxl.load_workbook(path)[layout.ANSWER_SHEET]
    assert ws["A2"].value == 1 and ws.tables[layout.ANSWER_TABLE].ref == "A1:P2"


async def test_demo_folder_holds_two_clean_plans(tmp_path: Path) -> None:
    paths = demo_workbook(tmp_path / "demo")
    assert [p.name for p in paths] == ["lindesberg-ks-2026.xlsx", "strangnas-ks-2026.xlsx"]
    source = LocalSource(tmp_path / "demo")
    plans = {w.key: await w.read_plan() for w in await source.workbooks()}
    lindesberg, strangnas = plans["lindesberg-ks-2026.xlsx"], plans["strangnas-ks-2026.xlsx"]
    assert lindesberg.issues == () and strangnas.issues == ()
    assert len(lindesberg.controls) == 16 and len(strangnas.controls) == 9
    assert [c.id for c in lindesberg.controls if c.owner == ALEX] == ["1", "4", "6", "8", "11"]
    assert [c.id for c in strangnas.controls if c.owner == ALEX] == ["5", "6", "9"]
    for plan in plans.values():
        mine = [c for c in plan.controls if c.owner == ALEX]
        assert all(any(p in c.periods for c in mine) for p in DEFAULT_CALENDAR.periods)
        assert all(c.owner.endswith("@example.com") for c in plan.controls)
    assert lindesberg.scale == OutcomeScale.default()
    assert strangnas.scale == STRANGNAS_SCALE
    assert [o.severity for o in strangnas.scale.options].count(Severity.MAJOR) == 2


async def test_demo_lindesberg_keeps_the_real_risk_text_forms(tmp_path: Path) -> None:
    (path,) = demo_workbook(tmp_path / "lindesberg.xlsx")
    plan = read_workbook_file(path, path.name).plan
    for control in plan.controls:
        risk = control.risk
        assert risk.value == risk.probability * risk.consequence, control.id
        assert risk.label in ("Lindrig", "Kännbar", "Allvarlig")
    assert plan.control("8").risk.value == 12 and plan.control("8").risk.label == "Allvarlig"
    assert plan.control("4").description == "Kontroll av vart handlingar finns"
    assert plan.control("1").due_date is not None
    periods = {frozenset(c.periods) for c in plan.controls}
    assert len(periods) >= 5
    ws = openpyxl.load_workbook(path)[layout.PLAN_SHEET]
    header = [c.value for c in ws[4]]
    assert {"Risknummer", "Processer/rutiner", "Risker", "Riskbedömning"} <= set(header)
    assert ws["A1"].value == "Internkontrollplan 2026"
    value_column = header.index("Riskbedömning") + 1
    assert ws.cell(5, value_column).value == "6. Lindrig"


def test_demo_strangnas_has_urval_metod_and_its_settings_sheet(tmp_path: Path) -> None:
    demo_workbook(tmp_path)
    path = tmp_path / "strangnas-ks-2026.xlsx"
    plan = read_workbook_file(path, path.name).plan
    assert all(c.sample and c.method for c in plan.controls)
    assert plan.control("9").process == "Informationssäkerhet"
    book = openpyxl.load_workbook(path)
    assert "Riktlinje/rutin" in [c.value for c in book[layout.PLAN_SHEET][4]]
    assert book[layout.SETTINGS_SHEET].tables[layout.SCALE_TABLE].ref == "A1:B7"


def test_demo_keeps_existing_files_unless_told(tmp_path: Path) -> None:
    (first, _) = demo_workbook(tmp_path)
    first.write_bytes(b"svar som ska vara kvar")
    demo_workbook(tmp_path)
    assert first.read_bytes() == b"svar som ska vara kvar"
    demo_workbook(tmp_path, overwrite=True)
    assert read_workbook_file(first, first.name).plan.issues == ()


def test_check_workbook_on_the_demo_folder(tmp_path: Path) -> None:
    demo_workbook(tmp_path)
    text, code = check_workbook(tmp_path)
    assert code == 0
    assert "16 kontrollmoment" in text and "9 kontrollmoment" in text
    assert "Process/rutin/riktlinje fungerar – ok" in text
    assert text.count("Inga anmärkningar.") == 2


def test_check_workbook_lists_skipped_rows(tmp_path: Path) -> None:
    rows = [["Plan"], HEADER, *plan_rows(2)]
    rows[3][6] = None  # no Ansvarig
    rows.append([3, "x", "y", "z", "Kontroll", "Kvartal 3", ALEX])
    write_xlsx(tmp_path / "plan.xlsx", rows)
    text, code = check_workbook(tmp_path / "plan.xlsx")
    assert code == 1
    assert "Ansvarig saknas på rad 4." in text
    assert "Period okänd (1)" in text and "rad 5: 'Kvartal 3'" in text
    assert "3 kontrollmoment inlästa" in text


def test_check_workbook_is_calm_about_rows_marked_nej(tmp_path: Path) -> None:
    rows = [HEADER + ["Ska kontrolleras"], [*plan_rows(1)[0], "Nej"], [*plan_rows(2)[1], "Ja"]]
    write_xlsx(tmp_path / "plan.xlsx", rows)
    text, code = check_workbook(tmp_path / "plan.xlsx")
    assert code == 0 and f"rad 2: {plan_reader.NOT_CONTROLLED}" in text


def test_check_workbook_missing_and_unreadable(tmp_path: Path) -> None:
    assert check_workbook(tmp_path / "saknas.xlsx")[1] == 2
    (tmp_path / "trasig.xlsx").write_bytes(b"inte excel")
    write_xlsx(tmp_path / "bra.xlsx", [HEADER, *plan_rows(1)])
    text, code = check_workbook(tmp_path)
    assert code == 2
    assert "trasig.xlsx" in text and "Kan inte läsas" in text and "1 kontrollmoment" in text
    empty = tmp_path / "tom"
    empty.mkdir()
    assert check_workbook(empty)[1] == 2
