"""The Workbook protocol, run against every backend (see the ``backend`` fixture)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table

from bot.domain.model import Action, Period, Severity
from graph import layout
from graph.cells import needs_quote_prefix
from graph.protocol import WriteResult
from tests.graph.conftest import LocalBackend
from tests.graph.workbooks import HEADER, answer, deviation, plan_rows, sheet_values, write_xlsx

KEY = "plan.xlsx"
T0 = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)


async def plan_workbook(backend: LocalBackend, rows=None, **kwargs):
    write_xlsx(backend.path(KEY), [HEADER, *(rows or plan_rows(5))], **kwargs)
    return await backend.workbook(KEY)


async def answer_rows(backend: LocalBackend) -> list[tuple]:
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]


async def test_reads_a_plan_as_people_write_it(backend: LocalBackend) -> None:
    rows = [
        ["Internkontrollplan 2026"],
        ["Kommunstyrelsen"],
        [
            "Risknummer",
            "Område",
            "Processer/rutiner",
            "Risker",
            "Riskbedömning",
            "Kontroll",
            "Frekvens",
            "Ansvarig e-post",
            "Kommentar",
        ],
        [
            1,
            "Verksamhet",
            "Inköp",
            "Ramavtal följs inte",
            "6. Lindrig",
            "Stickprov av köp",
            "Delår 1",
            "AlexW@example.com",
            "x",
        ],
        [
            2,
            None,
            "Inköp",
            "Direktupphandling",
            "8. Kännbar",
            "Dokumentation finns",
            "Helår",
            "maria.lind@example.com",
            None,
        ],
        [
            3,
            None,
            "Arkiv",
            "Fel hantering",
            6,
            "Var finns handlingarna",
            "Varje delår",
            "johan.berg@example.com",
            None,
        ],
        [None] * 9,
        [
            4,
            "Ekonomi",
            "Attest",
            "Fel attest",
            4,
            "Attest kontrolleras",
            "Varannan månad",
            "sara.nilsson@example.com",
            None,
        ],
    ]
    # Område written once and merged over rows 4-6, as people do.
    write_xlsx(backend.path(KEY), rows, merges=["B4:B6"])
    workbook = await backend.workbook(KEY)
    plan = await workbook.read_plan()
    assert [c.id for c in plan.controls] == ["1", "2", "3", "4"]
    assert [c.area for c in plan.controls] == ["Verksamhet"] * 3 + ["Ekonomi"]
    assert plan.controls[0].risk.label == "Lindrig" and plan.controls[1].risk.score == 8
    assert plan.controls[0].owner == "alexw@example.com"
    assert plan.controls[2].periods == {Period.T1, Period.T2}
    # A period the bot does not know keeps the control, due nowhere until it is fixed.
    assert plan.controls[3].periods == set() and plan.controls[3].period_text == "Varannan månad"
    assert [(i.row, i.kind, i.subject, i.skipped) for i in plan.issues] == [
        (8, "period", "Varannan månad", False)
    ]
    assert plan.year == 2026 and plan.ignored_headers == ("Kommentar",)
    assert plan.key == KEY


async def test_outcome_scale_comes_from_the_settings_sheet(backend: LocalBackend) -> None:
    def settings(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.SETTINGS_SHEET)
        ws.append(["Bedömning", "Allvarlighet"])
        ws.append(["Process/rutin/riktlinje fungerar", "ok"])
        ws.append(["Process/rutin/riktlinje fungerar men behöver utvecklas", "mindre"])
        ws.append(["Dokumenterad beskrivning av process/rutin/riktlinje saknas", "större"])
        ws.append(["Följs upp på helår", "uppskjuten"])

    workbook = await plan_workbook(backend, extra=settings)
    plan = await workbook.read_plan()
    assert [o.severity for o in plan.scale.options] == [
        Severity.OK,
        Severity.MINOR,
        Severity.MAJOR,
        Severity.DEFERRED,
    ]
    assert plan.scale.options[1].label.endswith("behöver utvecklas")


async def test_write_adds_updates_and_is_idempotent(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    first = deviation("1", answer_id="a1", at=T0)
    assert await workbook.write_answers([first, answer("2", answer_id="a2", at=T0)]) == (
        WriteResult(added=2)
    )
    assert await workbook.write_answers([first]) == WriteResult(unchanged=1)
    again = answer("1", answer_id="a3", at=T0 + timedelta(hours=1), outcome="Större avvikelse")
    assert await workbook.write_answers([again]) == WriteResult(updated=1)
    assert await workbook.write_answers([again, first]) == WriteResult(unchanged=2)
    stored = {a.control_id: a for a in await workbook.read_answers()}
    assert stored["1"].answer_id == "a3" and stored["1"].outcome == "Större avvikelse"
    assert stored["1"].action is None and stored["1"].checked is None  # cleared, not merged
    assert stored["2"].answer_id == "a2"
    assert len(await answer_rows(backend)) == 2


async def test_answering_twice_leaves_one_row_per_slot(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    for hour in range(3):
        await workbook.write_answers([answer("1", at=T0 + timedelta(hours=hour))])
    await workbook.write_answers([answer("1", period=Period.T2, year=2026)])
    await workbook.write_answers([answer("1", year=2027)])
    rows = await answer_rows(backend)
    assert sorted((r[0], r[1], r[2]) for r in rows) == [
        (1, 2026, "Delår 2"),
        (1, 2026, "Helår"),
        (1, 2027, "Helår"),
    ]


async def test_newest_answer_in_a_batch_wins(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    batch = [
        answer("1", answer_id="late", at=T0 + timedelta(minutes=5), outcome="Mindre avvikelse"),
        answer("1", answer_id="early", at=T0),
        answer("2", answer_id="other", at=T0),
    ]
    assert await workbook.write_answers(batch) == WriteResult(added=2, unchanged=1)
    stored = {a.control_id: a for a in await workbook.read_answers()}
    assert stored["1"].answer_id == "late"


async def test_an_older_answer_does_not_replace_a_newer_row(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    await workbook.write_answers([answer("1", answer_id="new", at=T0 + timedelta(days=1))])
    assert await workbook.write_answers([answer("1", answer_id="old", at=T0)]) == (
        WriteResult(unchanged=1)
    )
    (stored,) = await workbook.read_answers()
    assert stored.answer_id == "new"


async def test_answer_values_land_in_the_right_cells(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    due = datetime(2027, 3, 1).date()
    await workbook.write_answers(
        [
            deviation(
                "3",
                answer_id="x1",
                year=2026,
                period=Period.T2,
                at=datetime(2026, 9, 3, 10, 15, tzinfo=UTC),
                action=Action("Ny rutin", "maria.lind@example.com", due),
            ),
        ]
    )
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    assert [c.value for c in ws[1]][: len(layout.ANSWER_HEADERS)] == list(layout.ANSWER_HEADERS)
    row = {h: ws.cell(2, i + 1) for i, h in enumerate(layout.ANSWER_HEADERS)}
    assert row["ID"].value == 3 and row["År"].value == 2026 and row["Period"].value == "Delår 2"
    assert row["Besvarad"].value == datetime(2026, 9, 3, 12, 15)  # Stockholm summer time
    assert row["Besvarad"].number_format == layout.DATETIME_FORMAT
    assert row["Klart senast"].value.date() == due
    assert row["Svar-ID"].value == "x1"
    assert (row["Antal kontrollerade"].value, row["Antal avvikelser"].value) == (10, 2)


async def test_plan_and_other_sheets_are_left_as_they_were(backend: LocalBackend) -> None:
    def other_sheets(book: openpyxl.Workbook) -> None:
        plan = book["Kontrollplan"]
        plan.column_dimensions["E"].width = 55
        period_list = DataValidation(type="list", formula1='"Delår 1,Delår 2,Helår"')
        period_list.add("F2:F100")
        plan.add_data_validation(period_list)
        budget = book.create_sheet("Budget")
        budget.append(["Post", "Belopp", "Summa"])
        budget.append(["Revision", 120000, "=SUM(B2:B3)"])
        budget.append(["Utbildning", 35000.5, None])
        budget.add_table(Table(displayName="Budgetposter", ref="A1:C3"))
        budget.column_dimensions["A"].width = 30
        budget.freeze_panes = "A2"

    workbook = await plan_workbook(backend, plan_rows(20), extra=other_sheets)
    before = sheet_values(await backend.file(KEY))
    await workbook.write_answers([deviation(str(i), answer_id=f"a{i}") for i in range(1, 8)])
    await workbook.write_answers([answer("3", answer_id="b3", at=T0 + timedelta(days=1))])
    after = sheet_values(await backend.file(KEY), skip=[layout.ANSWER_SHEET, layout.ACTIONS_SHEET])
    assert after == before
    book = await backend.load(KEY)
    assert book["Kontrollplan"].column_dimensions["E"].width == 55
    assert [str(dv.sqref) for dv in book["Kontrollplan"].data_validations.dataValidation] == [
        "F2:F100"
    ]
    budget = book["Budget"]
    assert budget["C2"].value == "=SUM(B2:B3)" and budget["C2"].data_type == "f"
    assert budget.tables["Budgetposter"].ref == "A1:C3"
    assert budget.column_dimensions["A"].width == 30 and budget.freeze_panes == "A2"


@pytest.mark.parametrize(
    "payload",
    [
        '=HYPERLINK("http://evil.example","Klicka")',
        "+1",
        "-1",
        "@SUM(A1)",
        "\tfoo",
        "\rfoo",
        "=1+1",
    ],
)
async def test_formula_like_text_is_never_stored_as_a_formula(
    backend: LocalBackend, payload: str
) -> None:
    workbook = await plan_workbook(backend)
    evil = answer(
        "1",
        outcome=payload,
        observations=payload,
        analysis=payload,
        answered_by=payload,
        action=Action(payload, payload, None),
        answer_id=payload,
    )
    await workbook.write_answers([evil])
    await workbook.write_answers([answer("2")])  # a second load/save keeps them text
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    texts = [c for c in ws[2] if isinstance(c.value, str) and c.value.lstrip() != "Helår"]
    assert len(texts) == 7 and all(c.data_type == "s" for c in texts)
    assert all(c.quotePrefix for c in texts if needs_quote_prefix(c.value))
    (stored, _) = sorted(await workbook.read_answers(), key=lambda a: a.control_id)
    assert stored.outcome == payload.strip()


async def test_an_update_with_plain_text_is_plain_text(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    await workbook.write_answers([answer("1", observations="=1+1", at=T0)])
    await workbook.write_answers([answer("1", observations="Två", at=T0 + timedelta(hours=1))])
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    cell = ws.cell(2, layout.ANSWER_HEADERS.index("Iakttagelser") + 1)
    # Over Graph every text is sent with the prefix (see to_graph_value); a file written
    # with openpyxl carries it only where Excel needs it.
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("Två", "s", backend.name == "graph")


async def test_characters_excel_cannot_store_are_dropped(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    await workbook.write_answers([answer("1", observations="fel\x00tecken\x1b här\x0c")])
    (stored,) = await workbook.read_answers()
    assert stored.observations == "feltecken här"


async def test_answer_sheet_and_table_are_created_when_missing(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    await workbook.write_answers([answer(str(i), answer_id=f"a{i}") for i in range(1, 4)])
    book = await backend.load(KEY)
    ws = book[layout.ANSWER_SHEET]
    table = ws.tables[layout.ANSWER_TABLE]
    assert table.ref == "A1:P4"
    assert [c.name for c in table.tableColumns] == list(layout.ANSWER_HEADERS)
    await workbook.write_answers([answer("4", answer_id="a4")])
    assert (await backend.load(KEY))[layout.ANSWER_SHEET].tables[layout.ANSWER_TABLE].ref == (
        "A1:P5"
    )


async def test_rows_typed_in_by_hand_are_read_and_upserted(backend: LocalBackend) -> None:
    def typed(book: openpyxl.Workbook) -> None:
        ws = book.create_sheet(layout.ANSWER_SHEET)
        ws.append(["Id", "År", "Period", "Bedömning", "Iakttagelser"])
        ws.append([1, 2026, "Helår", "Mindre avvikelse", "Skrivet för hand"])
        ws.append([2, 2026, "helår", "Ingen avvikelse", None])

    workbook = await plan_workbook(backend, extra=typed)
    stored = sorted(await workbook.read_answers(), key=lambda a: a.control_id)
    assert [(a.control_id, a.answer_id, a.outcome) for a in stored] == [
        ("1", "", "Mindre avvikelse"),
        ("2", "", "Ingen avvikelse"),
    ]
    result = await workbook.write_answers([answer("1", answer_id="bot"), answer("3")])
    assert result == WriteResult(added=1, updated=1)
    ws = (await backend.load(KEY))[layout.ANSWER_SHEET]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Id", "År", "Period", "Bedömning", "Iakttagelser"]
    assert set(layout.ANSWER_HEADERS) - {"ID"} <= set(header)
    assert ws.max_row == 4
    by_id = {a.control_id: a for a in await workbook.read_answers()}
    assert by_id["1"].answer_id == "bot" and by_id["2"].outcome == "Ingen avvikelse"


async def test_a_thousand_row_plan_takes_a_500_answer_batch(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend, plan_rows(1000))
    assert len((await workbook.read_plan()).controls) == 1000
    batch = [
        deviation(str(i), answer_id=f"a{i}", at=T0 + timedelta(seconds=i))
        for i in range(1, 1001, 2)
    ]
    assert await workbook.write_answers(batch) == WriteResult(added=500)
    assert await workbook.write_answers(batch) == WriteResult(unchanged=500)
    assert len(await workbook.read_answers()) == 500
    assert len(await answer_rows(backend)) == 500


async def test_an_empty_batch_changes_nothing(backend: LocalBackend) -> None:
    workbook = await plan_workbook(backend)
    assert await workbook.write_answers([]) == WriteResult()
    assert layout.ANSWER_SHEET not in (await backend.load(KEY)).sheetnames
