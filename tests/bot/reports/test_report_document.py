"""The follow-up report: built from plans and answers, rendered to .docx, opened again and
read as a person would (headings, every control, the counts of the status, page fields)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from bot.domain.followup import ActionStatus, StatusUpdate
from bot.domain.model import Action, Period, Risk
from bot.domain.periods import Term
from bot.domain.status import compile_status
from bot.reports.document import action_status, build_report
from bot.reports.word import render_report
from tests.bot.domain.test_status import ans, ctl, plan_of
from tests.bot.reports.docx_text import open_docx

YEAR = Term(2026, Period.YEAR)
T1 = Term(2026, Period.T1)
T2_2025 = Term(2025, Period.T2)
TODAY = date(2027, 1, 20)
LATER = datetime(2027, 1, 10, 9, 0)


def _plan():
    return plan_of(
        ctl("1", area="Ekonomi", owner="anna@example.com", risk=Risk(4, 3)),
        ctl("2", area="Ekonomi", owner="bo@example.com", risk=Risk(2, 2)),
        ctl("3", area="Personal", owner="cecilia@example.com", risk=Risk(1, 1)),
    )


def _answers():
    action = Action("Rutinen ses över", "anna@example.com", date(2027, 3, 31))
    return [
        ans(
            "1",
            "Större avvikelse",
            term=YEAR,
            at=LATER,
            observations="3 av 20 fakturor fel",
            action=action,
        ),
        ans("2", "Ingen avvikelse", term=YEAR, at=LATER, observations="Inga fel"),
        # Delår 1's answer to control 1: shown as the earlier period (komplettering),
        # and its åtgärd is followed up in chapter 4.
        ans(
            "1",
            "Mindre avvikelse",
            term=T1,
            observations="Brister i attesten",
            action=Action("Utbilda attestanter", "anna@example.com", date(2026, 9, 30)),
        ),
    ]


def _report(**kw):
    return build_report([_plan()], _answers(), YEAR, TODAY, author="Fredrik Lindell", **kw)


def test_the_report_has_the_chapters_of_the_real_reports() -> None:
    report = _report(names={"anna@example.com": "Anna Andersson"})
    opened = open_docx(render_report(report))
    assert opened.title == "Uppföljning av intern kontroll helår 2026"
    assert "Handläggare: Fredrik Lindell" in opened.paragraphs
    assert "Datum: 20 januari 2027" in opened.paragraphs
    for heading in (
        "1 Inledning",
        "2 Sammanfattning",
        "3 Resultat per kontrollmoment",
        "4 Uppföljning av tidigare åtgärder",
        "5 Slutsatser",
        "6 Förslag till beslut",
        "Beslutet skickas till",
        "Riskmatris",
        "Ej besvarade",
    ):
        assert heading in opened.headings, heading
    assert "Kommunallagen (6 kap. 6 §)".casefold() in opened.text.casefold()
    # Every control, also those without remarks and the unanswered one.
    facts = opened.facts()
    assert [f["Kontrollmoment"] for f in facts] == ["Kontroll 1", "Kontroll 2", "Kontroll 3"]
    first = facts[0]
    assert first["Resultat"] == "Större avvikelse"
    assert first["Iakttagelser"] == "3 av 20 fakturor fel"
    assert first["Ansvarig"] == "Anna Andersson"  # a name, not the address
    assert (
        first["Förslag på åtgärder"]
        == "Rutinen ses över (Anna Andersson, klart senast 31 mars 2027)"
    )
    assert first["Tidigare: delår 1 2026"] == "Mindre avvikelse. Brister i attesten"
    assert facts[2]["Resultat"] == "Ej besvarad"
    assert "anna@example.com" not in opened.text
    # Page numbers Word fills in, and header rows that repeat on each page.
    assert opened.footer_fields().count("PAGE") == len(opened.doc.sections)
    assert opened.footer_fields().count("NUMPAGES") == len(opened.doc.sections)
    assert opened.repeated_header_tables() >= 3
    # The risk matrix in colour: red for the Kritisk cell (4 × 3 = 12).
    assert "F4B6B6" in opened.shaded_fills()


def test_the_counts_match_the_status() -> None:
    report = _report()
    summary = compile_status([_plan()], _answers(), YEAR, TODAY)
    opened = open_docx(render_report(report))
    rows = {r[0]: r[1] for r in opened.table_rows() if len(r) == 2}
    assert rows["Större avvikelse"] == str(summary.total.by_label["Större avvikelse"]) == "1"
    assert rows["Ingen avvikelse"] == "1"
    assert rows["Ej besvarad"] == str(summary.total.unanswered) == "1"
    assert f"{summary.total.answered} av {summary.total.due} kontrollmoment besvarade" in (
        opened.text
    )


def test_earlier_actions_are_followed_up_in_a_landscape_table() -> None:
    opened = open_docx(render_report(_report()))
    rows = [r for r in opened.table_rows() if r and r[0].startswith("1 ") and len(r) == 6]
    assert rows == [
        [
            "1 Kontroll 1",
            "Delår 1 2026",
            "Utbilda attestanter",
            "anna@example.com",
            "30 september 2026",
            "Datum passerat – status ej rapporterad",
        ]
    ]
    assert opened.landscape_sections() == 1


def test_action_status_is_what_its_owner_last_said_else_its_date() -> None:
    action = Action("x", "y", date(2027, 1, 31))
    assert action_status(action, date(2027, 1, 20)) == "Ej rapporterad"
    assert action_status(action, date(2027, 2, 1)).startswith("Datum passerat")
    assert action_status(Action("x", "y", None), date(2027, 1, 1)).startswith("Ej rapporterad")

    def said(status: ActionStatus, comment: str) -> StatusUpdate:
        when = datetime(2027, 1, 15, 9, tzinfo=UTC)
        return StatusUpdate(
            "u1", "ks.xlsx", "1", 2026, Period.T2, status, comment, "a", when, action
        )

    progress = said(ActionStatus.IN_PROGRESS, "Halva  klart.")
    assert action_status(action, date(2027, 1, 20), progress) == "Pågår: Halva klart."
    assert (
        action_status(action, date(2027, 2, 1), progress) == "Pågår – datum passerat: Halva klart."
    )
    assert action_status(action, date(2027, 2, 1), said(ActionStatus.DONE, "")) == "Klar"


def test_no_empty_sections() -> None:
    plan = plan_of(ctl("1"))
    report = build_report(
        [plan], [ans("1", "Ingen avvikelse", term=YEAR, at=LATER)], YEAR, TODAY, author="A"
    )
    opened = open_docx(render_report(report))
    assert "Inga avvikelser." in opened.paragraphs
    assert "Alla kontrollmoment är besvarade." in opened.paragraphs
    assert "Inga åtgärder från tidigare perioder att följa upp." in opened.paragraphs
    assert opened.landscape_sections() == 0


def test_the_conclusions_are_a_draft_drawn_from_the_data() -> None:
    report = _report()
    lines = report.parts[0].conclusions
    assert lines[0] == "2 av 3 kontrollmoment har följts upp (67 %)."
    assert any("De allvarligaste gäller: 1 Kontroll 1" in line for line in lines)
    assert any("1 kontrollmoment har inte rapporterats" in line for line in lines)
    opened = open_docx(render_report(report))
    assert any(p.startswith("Utkast") for p in opened.paragraphs)


def test_a_combined_report_has_a_chapter_per_namnd() -> None:
    ks = plan_of(ctl("1", namnd="Kommunstyrelsen"), key="ks.xlsx")
    son = plan_of(ctl("1", plan="son.xlsx", namnd="Socialnämnden"), key="son.xlsx", name="SN")
    answers = [
        ans("1", "Ingen avvikelse", term=YEAR, at=LATER),
        ans("1", "Större avvikelse", plan="son.xlsx", term=YEAR, at=LATER),
    ]
    report = build_report([ks, son], answers, YEAR, TODAY, author="A")
    assert report.combined and report.recipient == "Kommunstyrelsen"
    opened = open_docx(render_report(report))
    for heading in (
        "3 Kommunstyrelsen",
        "4 Socialnämnden",
        "3.2 Resultat per kontrollmoment",
        "4.2 Resultat per kontrollmoment",
        "Per nämnd",
        "5 Förslag till beslut",
    ):
        assert heading in opened.headings, heading
    assert len(opened.facts()) == 2
    # The two controls "1" are told apart by their nämnd.
    assert any(
        "Större avvikelse: 1 – Kontroll 1" in p and "Socialnämnden" in p for p in opened.paragraphs
    )
    one = build_report([ks, son], answers, YEAR, TODAY, author="A", namnd="socialnämnden")
    assert not one.combined and one.controls == 1


@pytest.mark.parametrize("period", [Period.T1, Period.YEAR])
def test_nothing_due_says_so(period: Period) -> None:
    plan = plan_of(ctl("1", periods=frozenset({Period.T2})))
    report = build_report([plan], [], Term(2026, period), TODAY, author="A")
    opened = open_docx(render_report(report))
    assert "Inga kontrollmoment ska följas upp denna period." in opened.paragraphs


def test_a_late_answer_says_how_late_and_one_in_time_says_nothing() -> None:
    late = replace(ans("2", "Ingen avvikelse", term=YEAR, at=LATER), days_late=6)
    answers = [a for a in _answers() if a.control_id != "2"] + [late]
    report = build_report([_plan()], answers, YEAR, TODAY, author="Fredrik Lindell")
    facts = open_docx(render_report(report)).facts()
    assert facts[1]["Sent svar"] == "6 dagar efter sista svarsdag"
    assert "Sent svar" not in facts[0]
