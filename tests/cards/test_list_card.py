"""The "mina kontroller" card."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from bot.domain.assignments import AnswerState
from bot.domain.model import Period
from cards.actions import OpenControl, card_action
from cards.listing import list_card
from tests.fakes.card_data import (
    BEFORE_DUE,
    DELAR_2_2026,
    THREE_DAYS_LATE,
    assignment,
    backup_control,
    saved_answer,
)
from tests.fakes.card_schema import actions, all_text, assert_valid_card, texts, walk

TEAMS_CARD_LIMIT = 28 * 1024


def _items(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in card["body"] if e["type"] == "Container"]


def _blocks(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["text"]: e for e in walk(item) if e["type"] == "TextBlock"}


def test_empty_list_is_friendly() -> None:
    card = list_card([], BEFORE_DUE)
    assert_valid_card(card)
    assert "Du har inga kontrollmoment att besvara just nu." in texts(card)
    assert [a["verb"] for a in actions(card)] == ["help"]


def test_an_unanswered_control_shows_what_where_when_and_a_svara_button() -> None:
    card = list_card([assignment()], BEFORE_DUE)
    assert_valid_card(card)
    assert card["body"][0]["text"] == "Mina kontroller – Helår 2026"
    assert "Du har 1 kontrollmoment, varav 1 obesvarat." in texts(card)
    [item] = _items(card)
    blocks = _blocks(item)
    assert "8 – En fil från slumpmässigt valt system återläses" in blocks
    assert "Internkontrollplan 2026 Kommunstyrelsen" in blocks
    assert "Helår 2026 · Sista svarsdag 14 januari 2027" in blocks
    assert "color" not in blocks["Obesvarad"]
    [svara] = actions(item)
    assert svara["title"] == "Svara"
    parsed = card_action.validate_python(svara["data"])
    assert parsed == OpenControl(
        plan="lindesberg-ks-2026", control="8", year=2026, period=Period.YEAR
    )
    assert card_action.validate_python(svara["fallback"]["data"]) == parsed
    assert set(svara["data"]) == {"verb", "plan", "control", "year", "period"}


@pytest.mark.parametrize(
    ("today", "text"),
    [(THREE_DAYS_LATE, "Obesvarad · försenad 3 dagar"), (date(2027, 1, 15), "försenad 1 dag")],
)
def test_late_unanswered_controls_are_marked_in_attention_colour(today: date, text: str) -> None:
    card = list_card([assignment()], today)
    assert_valid_card(card)
    [item] = _items(card)
    [state] = [b for t, b in _blocks(item).items() if t.startswith("Obesvarad")]
    assert state["text"].endswith(text)
    assert state["color"] == "attention"
    assert "(1 försenat)" in all_text(card)


@pytest.mark.parametrize(
    ("state", "label", "color"),
    [
        (AnswerState.ANSWERED, "Besvarad", "good"),
        (AnswerState.PENDING, "Väntar på att skrivas till Excel", "warning"),
    ],
)
def test_answered_and_pending_controls_offer_to_change_the_answer(
    state: AnswerState, label: str, color: str
) -> None:
    card = list_card([assignment(state=state, answer=saved_answer())], THREE_DAYS_LATE)
    assert_valid_card(card)
    [item] = _items(card)
    blocks = _blocks(item)
    # The bedömning saved, beside the state: what was answered, not only that it was.
    assert blocks[f"{label} · Mindre avvikelse"]["color"] == color
    assert "försenad" not in all_text(card)  # an answered control is no longer late
    [change] = actions(item)
    assert change["title"] == "Ändra svar"
    assert change["verb"] == "open"
    assert "alla är besvarade" in all_text(card)


def test_controls_that_cannot_be_answered_yet_have_no_button_but_an_opening_date() -> None:
    today = date(2026, 11, 2)
    card = list_card([assignment(can_answer=False)], today)
    assert_valid_card(card)
    assert actions(card) == []
    assert "Öppnar 1 december 2026" in texts(card)
    assert "Du kan svara när perioden öppnar." in all_text(card)


def test_a_closed_term_does_not_claim_to_open_in_the_past() -> None:
    card = list_card([assignment(can_answer=False)], date(2027, 3, 1))
    assert actions(card) == []
    assert "Går inte att besvara nu" in texts(card)
    assert "Öppnar" not in all_text(card)


def test_the_heading_names_every_term_listed() -> None:
    card = list_card([assignment(term=DELAR_2_2026), assignment()], date(2026, 9, 10))
    assert_valid_card(card)
    assert card["body"][0]["text"] == "Mina kontroller – Delår 2 2026 och Helår 2026"


def _many(count: int, *, description: str = "", plan_name: str = "") -> list:
    result = []
    for n in range(count):
        control = backup_control(
            id=f"KS-{n + 1:03d}",
            plan_key="sites/lindesberg.sharepoint.com/Internkontroll/KS-2026.xlsx",
            description=description or f"Kontroll nummer {n + 1}",
            namnd="Kommunstyrelsen",
        )
        result.append(
            assignment(control, plan_name=plan_name or "Internkontrollplan 2026 Kommunstyrelsen")
        )
    return result


def test_more_than_the_limit_shows_the_first_and_how_many_more() -> None:
    card = list_card(_many(30), BEFORE_DUE)
    assert_valid_card(card)
    items = _items(card)
    assert len(items) == 25
    assert "KS-001 – Kontroll nummer 1" in _blocks(items[0])
    assert "KS-025 – Kontroll nummer 25" in _blocks(items[-1])
    assert card["body"][-1]["text"] == "… och 5 till."
    assert "Du har 30 kontrollmoment, varav 30 obesvarade." in texts(card)


def test_exactly_the_limit_has_no_more_line_and_the_limit_can_be_set() -> None:
    assert "och 0 till" not in all_text(list_card(_many(25), BEFORE_DUE))
    assert "till." not in all_text(list_card(_many(25), BEFORE_DUE))
    card = list_card(_many(5), BEFORE_DUE, limit=3)
    assert len(_items(card)) == 3
    assert card["body"][-1]["text"] == "… och 2 till."


def _size(card: dict[str, Any]) -> tuple[int, int]:
    compact = json.dumps(card, ensure_ascii=False, separators=(",", ":")).encode()
    escaped = json.dumps(card).encode()  # the largest a sender could make it
    return len(compact), len(escaped)


def test_25_long_items_stay_well_under_the_teams_size_limit() -> None:
    long_text = "Kontroll av att attestreglementet följs vid utbetalningar över 50 000 kr. " * 20
    card = list_card(_many(25, description=long_text, plan_name=long_text), THREE_DAYS_LATE)
    assert_valid_card(card)
    assert len(_items(card)) == 25
    compact, escaped = _size(card)
    assert compact < 24 * 1024, compact
    assert escaped < TEAMS_CARD_LIMIT, escaped
    # The long text was shortened, not dropped.
    assert any(t.startswith("KS-001 – Kontroll av att attestreglementet") for t in texts(card))
    assert all(len(t) < 200 for t in texts(card))


def test_absurdly_long_ids_make_the_list_shorter_not_too_big() -> None:
    many = [
        assignment(backup_control(id=f"{n:03d}" + "x" * 197, plan_key="p" * 200)) for n in range(25)
    ]
    card = list_card(many, THREE_DAYS_LATE)
    assert_valid_card(card)
    shown = len(_items(card))
    assert 10 < shown < 25
    assert card["body"][-1]["text"] == f"… och {25 - shown} till."
    assert _size(card)[1] < TEAMS_CARD_LIMIT


def test_the_plan_is_named_once_per_run_of_items_from_it() -> None:
    other = backup_control(
        id="3", plan_key="lindesberg-bun-2026", namnd="Barn- och utbildningsnämnden"
    )
    card = list_card(
        [assignment(), assignment(backup_control(id="9")), assignment(other, plan_name="Plan BUN")],
        BEFORE_DUE,
    )
    sources = [t for t in texts(card) if "Kommunstyrelsen" in t or "BUN" in t]
    assert sources == [
        "Internkontrollplan 2026 Kommunstyrelsen",
        "Barn- och utbildningsnämnden · Plan BUN",
    ]


TRICKY = 'Kontroll av "Inköp" {och} \\ avtal 😀\nrad två <b>&amp;</b> ”citat” \u2028 slut'


def test_quotes_newlines_braces_and_emoji_cannot_break_the_card() -> None:
    control = backup_control(id='8"}', description=TRICKY, namnd='Nämnd "A"')
    card = list_card([assignment(control, plan_name="{plan}")], BEFORE_DUE)
    assert_valid_card(card)
    assert json.loads(json.dumps(card)) == card
    text = all_text(card)
    assert '8"} – Kontroll av "Inköp" {och} \\ avtal 😀 rad två' in text
    assert 'Nämnd "A" · {plan}' in text
    [svara] = actions(card)
    assert card_action.validate_python(svara["data"]).control == '8"}'


def test_a_control_without_ansvarig_says_so_to_the_strategist() -> None:
    control = backup_control(owner="Ekonomiavdelningen")  # a role the Ansvariga lack
    card = list_card([assignment(control)], BEFORE_DUE)
    assert_valid_card(card)
    [item] = _items(card)
    assert "Saknar ansvarig (Ekonomiavdelningen) – du kan svara som strateg" in _blocks(item)
    assert "Saknar ansvarig" not in all_text(list_card([assignment()], BEFORE_DUE))
