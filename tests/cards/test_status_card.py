"""The status summary card and the list of who has not answered."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot.domain.model import Action, Answer, Control, Period, Plan, Risk
from bot.domain.periods import Term
from bot.domain.status import Summary, compile_status
from cards.actions import (
    MakeReport,
    RemindPreview,
    ShowStatus,
    ShowUnanswered,
    WriteSummary,
    card_action,
)
from cards.status import EXCEL_NOTE, status_card
from cards.unanswered import unanswered_card
from tests.bot.domain.status_data import (
    LINDESBERG_SCALE,
    lindesberg_delar_2017,
    strangnas_helar_2017,
)
from tests.fakes.card_schema import actions, all_text, assert_valid_card, buttons, texts, walk

TEAMS_CARD_LIMIT = 28 * 1024
YEAR_2026 = Term(2026, Period.YEAR)
AFTER_DEADLINE = date(2027, 1, 24)  # helår 2026 is due 14 januari 2027


def _size(card: dict[str, Any]) -> int:
    return len(json.dumps(card, ensure_ascii=False).encode())


def _answer(plan: str, cid: str, term: Term, outcome: str, **kw: Any) -> Answer:
    at = kw.pop("at", datetime(term.year + 1, 1, 10, 9, 0))
    return Answer(f"{plan}-{cid}", plan, cid, term.year, term.period, outcome, "x@ex.se", at, **kw)


def lindesberg() -> Summary:
    real = lindesberg_delar_2017()
    return compile_status(real.plans, real.answers, real.term, real.today)


def strangnas() -> Summary:
    real = strangnas_helar_2017(
        action_owner="ekonomichef@example.com", action_due=date(2018, 6, 30)
    )
    return compile_status(real.plans, real.answers, real.term, real.today)


OUTCOMES = ("Ingen avvikelse", "Mindre avvikelse", "Större avvikelse", "Ej genomförd")


def big(n: int = 1_000, *, text: str = "", namnd: str | None = None) -> Summary:
    """A plan of n controls with long texts: a quarter unanswered, most others deviations."""
    long = text or "Att rutinen följs och dokumenteras enligt gällande riktlinje " * 6
    controls = tuple(
        Control(
            str(i),
            "big.xlsx",
            f"{long} ({i})",
            f"handläggare.nummer{i % 37}@kommunen.example.se",
            frozenset({Period.YEAR}),
            namnd=f"Nämnd {i % 12}",
            area=f"Område {i % 15}",
            risk=Risk(i % 4 + 1, (i // 4) % 4 + 1) if i % 5 else Risk(),
            row=i + 2,
        )
        for i in range(1, n + 1)
    )
    plan = Plan("big.xlsx", "Internkontrollplan 2026", controls)
    answers = [
        _answer(
            "big.xlsx",
            c.id,
            YEAR_2026,
            OUTCOMES[(int(c.id) // 4) % 4],
            observations=long * 2,
            action=Action(long, "åtgärdsansvarig@kommunen.example.se", date(2027, 6, 30)),
        )
        for c in controls
        if int(c.id) % 4 != 1
    ]
    return compile_status([plan], answers, YEAR_2026, AFTER_DEADLINE, namnd=namnd)


def _section(card: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The items of a folded section (``f-<key>``), empty when the card has none."""
    for element in walk(card):
        if element.get("id") == f"f-{key}":
            return list(element["items"])
    return []


def _deviation_titles(card: dict[str, Any]) -> list[str]:
    found = []
    for element in _section(card, "deviations"):
        if element["type"] == "Container" and element["items"][2:3]:
            label = element["items"][2]
            if label.get("color") in ("attention", "warning"):
                found.append(element["items"][0]["text"])
    return found


# --- real follow-ups ---------------------------------------------------------------------


def test_lindesberg_delar_2017_shows_its_real_counts() -> None:
    card = status_card(lindesberg(), pending=2)
    assert_valid_card(card)
    shown = texts(card)
    assert card["body"][0]["text"] == "Status delår 1 2017"
    assert "Sammanställd 1 september 2017" in shown
    assert "16 av 16 kontrollmoment besvarade (100 %)" in shown
    assert "2 väntar på att skrivas till Excel." in shown
    for fact in (
        "Ingen avvikelse: 4",
        "Mindre avvikelse: 2",
        "Större avvikelse: 2",
        "Inte kontrollerat: 1",
        "Följs upp på helår: 5",
        "Kontrolleras över helår: 2",
    ):
        assert fact in shown
    outcomes = texts({"body": _section(card, "outcomes")})
    facts = [t for t in outcomes if t.split(":")[0] in LINDESBERG_SCALE_LABELS]
    # Scale order: ok, mindre, större, ej genomförd, uppskjuten.
    assert [f.split(":")[0] for f in facts][:4] == [
        "Ingen avvikelse",
        "Mindre avvikelse",
        "Större avvikelse",
        "Inte kontrollerat",
    ]
    assert (
        "Per klass: Ingen avvikelse 4 · Mindre avvikelse 2 · Större avvikelse 2 · "
        "Ej genomförd 1 · Följs upp senare 7" in shown
    )
    assert "Verksamhet: 7 av 7 besvarade · 2 större · 2 mindre · 1 följs upp senare" in shown
    assert "Ekonomi: 5 av 5 besvarade · 4 följs upp senare" in shown
    assert "Avvikelser (5)" in shown and "Följs upp på helår (7)" in shown
    assert not [t for t in shown if t.startswith(("Obesvarade (", "Att kontrollera ("))]
    # No sannolikhet × konsekvens, no riskvärde: no (empty) risk matrix at all.
    assert not [t for t in shown if t.startswith(("Riskmatris", "Risknivåer", "Utan risk"))]
    assert not [e for e in walk(card) if e["type"] == "Table"]
    assert [a["title"] for a in actions(card)] == [
        "Skriv sammanställning till Excel",
        "Skapa rapport",
    ]


LINDESBERG_SCALE_LABELS = {o.label for o in LINDESBERG_SCALE.options}


def test_lindesberg_deviations_most_serious_first_with_colours() -> None:
    card = status_card(lindesberg())
    titles = _deviation_titles(card)
    assert [t.split(" – ")[0] for t in titles] == ["2", "3", "10", "1", "5"]
    colours = {
        e["items"][0]["text"].split(" – ")[0]: e["items"][2]["color"]
        for e in _section(card, "deviations")
        if e["type"] == "Container" and e["items"][0]["text"] in titles
    }
    assert colours == {"2": "attention", "3": "attention", "10": "attention", "1": "warning"} | {
        "5": "warning"
    }
    text = all_text(card)
    assert "Iakttagelser: Stickprov inom socialförvaltningen" in text
    assert "Kommunledningskontoret · Internkontroll KLK 2017" in text
    assert "Ansvarig: chef2@example.com" in text
    assert "Åtgärd: Ingen åtgärd angiven" in text
    assert "4 – Feltoleranstest av datanätverket · chef4@example.com" in text


def test_strangnas_helar_2017_shows_its_real_counts_and_actions() -> None:
    card = status_card(strangnas())
    assert_valid_card(card)
    shown = texts(card)
    assert card["body"][0]["text"] == "Status helår 2017"
    assert "9 av 9 kontrollmoment besvarade (100 %)" in shown
    outcomes = texts({"body": _section(card, "outcomes")})
    labels = [t for t in outcomes if t.startswith(("Process/", "Avvikelser mot", "Dokumenterad"))]
    assert labels[:3] == [
        "Process/rutin/riktlinje fungerar men behöver utvecklas: 4",
        "Avvikelser mot beskrivning av process/rutin/riktlinje har konstaterats: 4",
        "Dokumenterad beskrivning av process/rutin/riktlinje saknas: 1",
    ]
    assert [t.split(" – ")[0] for t in _deviation_titles(card)] == [*"567891234"]
    text = all_text(card)
    assert "Åtgärd: Riktlinjer för avslut i IT-system" in text
    assert "Åtgärdsansvarig: ekonomichef@example.com" in text
    assert "Klart senast: 30 juni 2018" in text
    # Strängnäs' own scale: its classes are not named in Lindesberg's words.
    assert "Informationssäkerhet: 2 av 2 besvarade · 2 avvikelser" in text
    assert "Större avvikelse" not in text
    assert "Avvikelser och förbättringsområden (9)" in shown
    assert "Följs upp på helår" not in text
    # Iakttagelser are cut to 200 characters.
    facts = [f for e in walk(card) if e["type"] == "FactSet" for f in e["facts"]]
    assert all(len(f["value"]) <= 200 for f in facts)


# --- unanswered, orphans, unknown ---------------------------------------------------------


def _small(with_odd: bool = True) -> Summary:
    controls = tuple(
        Control(
            str(i),
            "ks.xlsx",
            f"Kontroll {i}",
            "anna@ex.se" if i < 3 else "bo@ex.se",
            frozenset({Period.YEAR}),
            namnd="Socialnämnden" if i % 2 else "Kommunstyrelsen",
            area="Ekonomi",
            due_date=date(2027, 1, 20) if i == 2 else None,
            risk=Risk(4, 4) if i == 4 else Risk(1, 1) if i == 5 else Risk(),
            row=i,
        )
        for i in range(1, 7)
    )
    plan = Plan("ks.xlsx", "KS 2026", controls)
    answers = [
        _answer("ks.xlsx", "4", YEAR_2026, "Större avvikelse"),
        _answer("ks.xlsx", "5", YEAR_2026, "Ingen avvikelse"),
    ]
    if with_odd:
        answers += [
            _answer("ks.xlsx", "6", YEAR_2026, "Nästan bra"),
            _answer("ks.xlsx", "99", YEAR_2026, "Ingen avvikelse"),
        ]
    return compile_status([plan], answers, YEAR_2026, AFTER_DEADLINE)


def test_unanswered_with_deadline_and_days_overdue() -> None:
    card = status_card(_small())
    assert_valid_card(card)
    text = all_text(card)
    assert "3 av 6 kontrollmoment besvarade (50 %)" in text
    assert "3 obesvarade, varav 3 försenade." in text
    assert "anna@ex.se · sista svarsdag 14 januari 2027 · försenad 10 dagar" in text
    assert "anna@ex.se · sista svarsdag 20 januari 2027 · försenad 4 dagar" in text
    assert "Okänd bedömning: 1" in text
    assert "Att kontrollera (2)" in text
    assert "6 – Kontroll 6: okänd bedömning ”Nästan bra”" in text
    assert "99 (ks.xlsx): Kontrollmomentet finns inte i planen. Besvarat av x@ex.se." in text
    assert "Socialnämnden: 1 av 3 besvarade" in text


def test_risk_matrix_is_a_4x4_table_coloured_by_band() -> None:
    card = status_card(_small())
    [table] = [e for e in walk(card) if e["type"] == "Table"]
    rows = table["rows"]
    assert len(rows) == 5 and all(len(r["cells"]) == 5 for r in rows)
    assert [r["cells"][0]["items"][0]["text"] for r in rows[1:]] == ["4", "3", "2", "1"]
    assert [c["items"][0]["text"] for c in rows[0]["cells"][1:]] == ["1", "2", "3", "4"]
    top_right, bottom_left = rows[1]["cells"][4], rows[4]["cells"][1]
    assert (top_right["items"][0]["text"], top_right["style"]) == ("1 (1)", "attention")
    assert (bottom_left["items"][0]["text"], bottom_left["style"]) == ("1 (0)", "good")
    assert rows[3]["cells"][3]["style"] == "warning"  # 2 × 2 = 4: Medium
    text = all_text(card)
    assert "Riskvärde Kritisk (röd) 9–16 · Medium (gul) 4–8 · Låg (grön) 1–3." in text
    assert "Utan riskbedömning: 4" in text


def test_unanswered_card_groups_by_ansvarig() -> None:
    card = unanswered_card(_small())
    assert_valid_card(card)
    assert card["body"][0]["text"] == "Obesvarade – helår 2026"
    groups = [e for e in card["body"] if e["type"] == "Container"]
    assert [g["items"][0]["text"] for g in groups] == ["anna@ex.se (2)", "bo@ex.se (1)"]
    assert groups[0]["items"][1]["text"] == (
        "1 – Kontroll 1 · sista svarsdag 14 januari 2027 · försenad 10 dagar"
    )
    assert groups[0]["items"][1]["color"] == "attention"
    assert [a["data"]["verb"] for a in actions(card)] == ["write_summary", "remind_preview"]


def test_unanswered_card_of_1000_stays_under_the_limit() -> None:
    card = unanswered_card(big())
    assert_valid_card(card)
    assert _size(card) < TEAMS_CARD_LIMIT
    assert EXCEL_NOTE in all_text(card)


# --- cut-offs and size --------------------------------------------------------------------


def test_lists_are_cut_at_the_limit_with_och_n_till() -> None:
    summary = big(60)
    card = status_card(summary, limit=3)
    assert_valid_card(card)
    text = all_text(card)
    assert len(_deviation_titles(card)) == 3
    assert f"… och {len(summary.deviations) - 3} till." in text
    assert f"… och {len(summary.unanswered) - 3} till." in text
    assert "Visa allt" in buttons(card)
    assert EXCEL_NOTE not in text


def test_full_lists_everything_that_fits() -> None:
    summary = big(30, text="Kort kontroll")
    card = status_card(summary, full=True)
    assert_valid_card(card)
    assert len(_deviation_titles(card)) == len(summary.deviations)
    assert "… och" not in all_text(card)
    assert "Visa allt" not in buttons(card)


@pytest.mark.parametrize("full", [False, True])
def test_a_1000_control_summary_stays_under_28_kb(full: bool) -> None:
    summary = big()
    assert len(summary.deviations) > 300 and len(summary.unanswered) == 250
    card = status_card(summary, full=full, pending=12)
    assert_valid_card(card)
    assert _size(card) < TEAMS_CARD_LIMIT
    text = all_text(card)
    assert "750 av 1000 kontrollmoment besvarade (75 %)" in text
    assert "… och" in text
    assert (EXCEL_NOTE in text) is full
    assert ("Visa allt" in buttons(card)) is not full
    assert any(e["type"] == "Table" for e in walk(card))


def test_a_huge_limit_is_still_cut_by_the_byte_budget() -> None:
    card = status_card(big(), limit=10_000)
    assert _size(card) < TEAMS_CARD_LIMIT
    assert EXCEL_NOTE in all_text(card)


def test_quotes_newlines_and_emoji_survive() -> None:
    odd = 'Att "citat" \\ och {klamrar}\nny rad 🚨 <b>inte html</b>'
    summary = dataclasses.replace(big(8, text=odd), namnd='Nämnd "1" 🚨')
    card = status_card(summary, pending=1)
    assert_valid_card(card)
    assert json.loads(json.dumps(card, ensure_ascii=False)) == card
    text = all_text(card)
    assert card["body"][0]["text"] == 'Status helår 2026 – Nämnd "1" 🚨'
    assert 'Att "citat" \\ och {klamrar} ny rad 🚨 <b>inte html</b>' in text
    assert "\n" not in _deviation_titles(card)[0]
    assert_valid_card(unanswered_card(summary))


def test_an_empty_term_says_so() -> None:
    summary = compile_status([], [], YEAR_2026, AFTER_DEADLINE)
    card = status_card(summary)
    assert_valid_card(card)
    assert "Inga kontrollmoment ska följas upp denna period." in texts(card)


def test_rounding_never_claims_100_percent_with_one_missing() -> None:
    controls = tuple(
        Control(str(i), "p", "K", "o", frozenset({Period.YEAR}), row=i) for i in range(1, 301)
    )
    answers = [_answer("p", str(i), YEAR_2026, "Ingen avvikelse") for i in range(1, 300)]
    summary = compile_status([Plan("p", "P", controls)], answers, YEAR_2026, AFTER_DEADLINE)
    assert "299 av 300 kontrollmoment besvarade (99 %)" in texts(status_card(summary))


# --- actions ------------------------------------------------------------------------------


def test_buttons_parse_back_to_typed_actions() -> None:
    summary = big(40, namnd="Nämnd 1")
    card = status_card(summary, limit=2)
    found = buttons(card)
    assert list(found) == [
        "Skriv sammanställning till Excel",
        "Skapa rapport",
        "Visa obesvarade",
        "Påminn obesvarade",
        "Visa allt",
    ]
    parsed = [card_action.validate_python(b["data"]) for b in found.values()]
    assert parsed == [
        WriteSummary(year=2026, period=Period.YEAR, namnd="Nämnd 1"),
        MakeReport(year=2026, period=Period.YEAR, namnd="Nämnd 1"),
        ShowUnanswered(year=2026, period=Period.YEAR, namnd="Nämnd 1"),
        RemindPreview(year=2026, period=Period.YEAR, namnd="Nämnd 1"),
        ShowStatus(year=2026, period=Period.YEAR, namnd="Nämnd 1", full=True),
    ]
    for b in found.values():
        fallback = card_action.validate_python(b["fallback"]["data"])
        assert fallback == card_action.validate_python(b["data"])
        assert b["fallback"]["type"] == "Action.Submit"


def test_without_a_namnd_the_payload_says_none() -> None:
    write, report = actions(status_card(lindesberg()))
    assert card_action.validate_python(write["data"]) == WriteSummary(year=2017, period=Period.T1)
    assert card_action.validate_python(report["data"]) == MakeReport(year=2017, period=Period.T1)


def test_every_status_button_is_a_card_action() -> None:
    for verb in ("status", "show_unanswered", "write_summary", "make_report"):
        assert card_action.validate_python({"verb": verb, "year": 2026, "period": "YEAR"})
    with pytest.raises(ValidationError):
        card_action.validate_python({"verb": "write_summary", "year": 1900, "period": "YEAR"})


def test_cards_are_pure() -> None:
    summary = strangnas()
    assert status_card(summary) == status_card(summary)
    assert unanswered_card(summary) == unanswered_card(summary)


def test_one_ansvarig_with_everything_unanswered_is_cut_inside_the_group() -> None:
    controls = tuple(
        Control(str(i), "p", "Kontroll " * 20, "ensam@ex.se", frozenset({Period.YEAR}), row=i)
        for i in range(1, 1001)
    )
    summary = compile_status([Plan("p", "P", controls)], [], YEAR_2026, AFTER_DEADLINE)
    card = unanswered_card(summary)
    assert_valid_card(card)
    assert _size(card) < TEAMS_CARD_LIMIT
    [group] = [e for e in card["body"] if e["type"] == "Container"]
    assert group["items"][0]["text"] == "ensam@ex.se (1000)"
    shown = len(group["items"]) - 1
    assert 10 < shown < 1000
    assert f"… och {1000 - shown} till. {EXCEL_NOTE}" in texts(card)
    assert _size(status_card(summary, full=True)) < TEAMS_CARD_LIMIT


def test_helar_counts_no_deferred_class_when_there_is_none() -> None:
    text = all_text(status_card(strangnas()))
    assert "Per klass: Utan anmärkning 0 · Förbättringsområden 4 · Avvikelser 5 · " in text
    assert "Följs upp senare" not in text
