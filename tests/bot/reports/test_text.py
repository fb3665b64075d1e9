"""The plain-text and JSON renderings of a status Summary (for `ikbot status`)."""

from __future__ import annotations

import json
from datetime import date, datetime

from bot.domain.model import Action, Period, Risk
from bot.domain.periods import Term
from bot.domain.status import Summary
from bot.reports.text import progress, status_json, status_text
from tests.bot.domain.status_data import lindesberg_delar_2017
from tests.bot.domain.test_status import AFTER_T1, BASE, ans, ctl, plan_of, status
from tests.bot.domain.test_status import _strangnas as strangnas


def _lindesberg() -> Summary:
    real = lindesberg_delar_2017()
    return status(real.plans, real.answers, term=real.term, today=real.today)


def test_lindesberg_text_carries_the_real_counts() -> None:
    text = status_text(_lindesberg())
    assert text.startswith("Status delår 1 2017\n")
    assert "16 av 16 kontrollmoment besvarade (100 %)" in text
    for line in (
        "Ingen avvikelse: 4",
        "Mindre avvikelse: 2",
        "Större avvikelse: 2",
        "Följs upp på helår: 5",
        "Kontrolleras över helår: 2",
        "Inte kontrollerat: 1",
    ):
        assert line in text
    assert "Avvikelser (5), allvarligast först" in text
    assert text.index("[Större avvikelse] 2 ") < text.index("[Mindre avvikelse] 1 ")
    assert "Följs upp senare (7)" in text
    assert "Verksamhet: 7 av 7 besvarade" in text
    # The 2017 follow-up has no risk assessment: no (empty) risk matrix.
    assert "Riskmatris" not in text and "Utan riskbedömning" not in text
    assert "Alla har svarat." in text


def test_lindesberg_json_round_trips() -> None:
    data = status_json(_lindesberg())
    again = json.loads(json.dumps(data, ensure_ascii=False))
    assert again == data
    assert again["period"] == "T1" and again["year"] == 2017
    assert again["total"]["due"] == 16 and again["total"]["answered"] == 16
    assert again["total"]["by_class"] == {
        "ok": 4,
        "minor": 2,
        "major": 2,
        "not_performed": 1,
        "deferred": 7,
    }
    assert [d["control_id"] for d in again["deviations"]] == ["2", "3", "10", "1", "5"]
    assert again["deviations"][0]["severity"] == "major"
    # The default scale has no förbättringsområden.
    assert again["deviations_heading"] == "Avvikelser"
    assert len(again["risk"]["cells"]) == 16 and again["risk"]["unassessed"] == 16


def test_strangnas_text_and_json() -> None:
    summary = strangnas()
    text = status_text(summary)
    assert "Status helår 2017" in text
    assert "9 av 9 kontrollmoment besvarade (100 %)" in text
    assert "Avvikelser och förbättringsområden (9), allvarligast först" in text
    assert "Per klass: Utan anmärkning 0 · Förbättringsområden 4 · Avvikelser 5" in text
    assert "Större avvikelse" not in text
    assert "Åtgärd: Riktlinjer för avslut" in text
    assert "Informationssäkerhet: 2 av 2 besvarade" in text
    data = json.loads(json.dumps(status_json(summary)))
    assert data["total"]["by_class"]["major"] == 5 and data["total"]["by_class"]["minor"] == 4
    nine = next(d for d in data["deviations"] if d["control_id"] == "9")
    assert (
        nine["action"]["text"].startswith("Riktlinjer för avslut") and nine["action"]["due"] is None
    )
    assert nine["answered_at"] == "2018-01-20T10:00:00"


def test_unanswered_unknown_orphans_and_risk_grid() -> None:
    plan = plan_of(
        ctl("1", risk=Risk(3, 4), namnd="Socialnämnden"),
        ctl("2", risk=Risk(2, 2)),
        ctl("3", due=date(2026, 5, 20)),
    )
    action = Action("Ny rutin", "chef@example.com", date(2026, 9, 30))
    answers = [
        ans("1", "Större avvikelse", observations="Brister", action=action),
        ans("2", "Helt okej"),
        ans("99", "Ingen avvikelse", at=datetime(2026, 4, 30, 8, 0)),
    ]
    summary = status([plan], answers)
    text = status_text(summary, pending=1)
    assert "2 av 3 kontrollmoment besvarade (67 %)" in text
    assert "1 av svaren väntar på att skrivas till Excel." in text
    assert (
        "Åtgärd: Ny rutin (åtgärdsansvarig chef@example.com, klart senast 30 september 2026)"
        in text
    )
    assert "sista svarsdag 20 maj 2026, 12 dagar försenat" in text
    assert "Okänd bedömning: 1" in text and "Okända bedömningar (1)" in text
    assert "Svar som inte passar planen (1)" in text
    assert "1 (1) K" in text  # sannolikhet 3 × konsekvens 4: one control, one deviation
    assert "Socialnämnden: 1 av 1 besvarade" in text
    data = json.loads(json.dumps(status_json(summary, pending=1)))
    assert data["pending"] == 1
    assert data["unanswered"][0] == {
        "plan": "ks.xlsx",
        "plan_name": "KS 2026",
        "control_id": "3",
        "control": "Kontroll 3",
        "namnd": "Kommunstyrelsen",
        "area": "Ekonomi",
        "group": "",
        "goal": "",
        "owner": "owner3@example.com",
        "owner_emails": ["owner3@example.com"],
        "has_owner": True,
        "deadline": "2026-05-20",
        "days_overdue": 12,
    }
    assert data["unknown"][0]["severity"] is None
    assert data["orphans"][0]["control_id"] == "99"
    assert data["risk"]["cells"][2 * 4 + 3]["controls"] == 1
    assert data["today"] == AFTER_T1.isoformat() and BASE.year == 2026


def test_progress_with_nothing_due() -> None:
    summary = status([plan_of(ctl("1", periods=frozenset({Period.YEAR})))], [])
    assert progress(summary.total) == "Inga kontrollmoment ska följas upp denna period."
    assert summary.term == Term(2026, Period.T1)
    assert "Inga kontrollmoment ska följas upp denna period." in status_text(summary)
