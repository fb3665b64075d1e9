"""The Rapporttexter table in Inställningar replaces the report's default Inledning,
Förslag till beslut and Beslutet skickas till, on every backend."""

from __future__ import annotations

from datetime import date

import openpyxl

from bot.domain.model import Period
from bot.domain.periods import Term
from bot.reports.document import build_report
from bot.reports.word import render_report
from graph import layout
from graph.settings_reader import parse_settings
from tests.bot.reports.docx_text import open_docx
from tests.graph.conftest import LocalBackend
from tests.graph.workbooks import HEADER, plan_rows, write_xlsx

INTRO = "Socialnämnden följer upp sin plan.\nAndra stycket om {namnd} {period} {year}."


def _settings(book: openpyxl.Workbook) -> None:
    ws = book.create_sheet(layout.SETTINGS_SHEET)
    for row in (
        ["Bedömning", "Allvarlighet"],
        ["Ingen avvikelse", "ok"],
        ["Större avvikelse", "större"],
        [],
        ["Rapporttext", "Text"],
        ["Inledning", INTRO],
        ["Förslag till beslut", "Nämnden godkänner rapporten."],
        ["Beslutet skickas till", "Kommunstyrelsen\nRevisionen"],
        ["Bilaga", "okänd"],
    ):
        ws.append(row)


async def test_report_texts_from_the_workbook(backend: LocalBackend) -> None:
    write_xlsx(backend.path("sn.xlsx"), [HEADER, *plan_rows(4)], extra=_settings)
    plan = await (await backend.workbook("sn.xlsx")).read_plan()
    assert dict(plan.report_texts) == {
        "inledning": INTRO,
        "förslag till beslut": "Nämnden godkänner rapporten.",
        "beslutet skickas till": "Kommunstyrelsen\nRevisionen",
    }
    # The scale above is still the scale; the unknown row is reported, not guessed.
    assert [o.label for o in plan.scale.options] == ["Ingen avvikelse", "Större avvikelse"]
    assert any("okänd rapporttext 'Bilaga'" in i.message for i in plan.issues)
    report = build_report([plan], [], Term(2026, Period.YEAR), date(2027, 1, 20), author="A")
    opened = open_docx(render_report(report))
    assert "Socialnämnden följer upp sin plan." in opened.paragraphs
    assert f"Andra stycket om {report.recipient} helår 2026." in opened.paragraphs
    assert "Nämnden godkänner rapporten." in opened.paragraphs
    assert opened.paragraphs[-2:] == ["Kommunstyrelsen", "Revisionen"]
    assert "Kommunallagen" not in opened.text


def test_without_the_table_the_defaults_stay() -> None:
    settings = parse_settings([["Bedömning", "Allvarlighet"], ["Bra", "ok"]])
    assert settings.report_texts == ()
