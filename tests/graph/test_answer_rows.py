"""Answers as Uppföljning rows and back, as both backends write and read them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from bot.domain.model import Action, Period
from graph import answer_rows, cells, layout
from tests.graph.workbooks import answer


def test_answer_row_round_trip() -> None:
    original = answer(
        "7",
        period=Period.T2,
        checked=12,
        deviations=1,
        observations="En avvikelse.",
        analysis="Ny personal.",
        action=Action("Utbilda", "maria.lind@example.com", date(2026, 12, 1)),
        at=datetime(2026, 9, 3, 10, 15, 42, 123456, tzinfo=UTC),
    )
    row = answer_rows.answer_to_row(original)
    assert len(row) == len(layout.ANSWER_HEADERS)
    assert row[:3] == [7, 2026, "Delår 2"]
    # Besvarad is naive local time (CEST = UTC+2) to the second.
    assert row[layout.ANSWER_HEADERS.index("Besvarad")] == datetime(2026, 9, 3, 12, 15, 42)
    back = answer_rows.row_to_answer(row, "plan.xlsx")
    local = datetime(2026, 9, 3, 12, 15, 42, tzinfo=layout.STOCKHOLM)
    assert back == dataclasses.replace(original, answered_at=local)
    assert back.answered_at == original.answered_at.replace(microsecond=0)


def test_rows_typed_by_people_are_read_tolerantly() -> None:
    columns = layout.answer_columns(["Period", "id", "ÅR", "Bedömning", "Kommentar"])
    row = ["helår", 3.0, "2026", "Ingen avvikelse", "x"]
    typed = answer_rows.row_to_answer(row, "p.xlsx", columns)
    assert typed is not None
    assert (typed.control_id, typed.year, typed.period, typed.outcome) == (
        "3",
        2026,
        Period.YEAR,
        "Ingen avvikelse",
    )
    assert typed.answer_id == "" and typed.answered_at == answer_rows.UNKNOWN_TIME
    assert typed.action is None and typed.checked is None
    assert answer_rows.row_to_answer([None, 2026, "Helår"], "p.xlsx") is None
    assert answer_rows.row_to_answer([1, None, "Helår"], "p.xlsx") is None
    assert answer_rows.row_to_answer([1, 2026, "Kvartal 5"], "p.xlsx") is None
    assert answer_rows.row_to_answer([1, 2026, "Delår 2, Helår"], "p.xlsx") is None


def test_answer_values_are_clean_text() -> None:
    values = answer_rows.answer_values(answer(observations="ok\x00?"))
    assert values["Iakttagelser"] == "ok?"


def test_excel_serials_as_a_graph_backend_reads_them() -> None:
    moment = datetime(2026, 9, 3, 12, 15, 42)
    serial = cells.to_serial(moment)
    row = [
        7,
        2026,
        "Helår",
        "Ingen avvikelse",
        None,
        None,
        None,
        None,
        None,
        None,
        46157.0,
        "alexw@example.com",
        serial + 1e-9,
        "a1",
    ]
    read = answer_rows.row_to_answer(row, "p.xlsx")
    assert read.answered_at == moment.replace(tzinfo=layout.STOCKHOLM)
    assert read.action.due == date(2026, 5, 15)


def test_an_action_owner_is_read_back_as_written() -> None:
    # Åtgärdsansvarig is free text ("Kim Lind, IT-chef"), not an address to fold.
    original = answer("3", action=Action("Ny rutin", "Kim Lind, IT-chef", None))
    back = answer_rows.row_to_answer(answer_rows.answer_to_row(original), "plan.xlsx")
    assert back.action == Action("Ny rutin", "Kim Lind, IT-chef", None)
