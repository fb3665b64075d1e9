"""The receipt after an answer is saved."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from bot.domain.assignments import Assignment
from bot.domain.model import Answer, Period
from cards.actions import NextControl, OpenControl, ShowList, card_action
from cards.receipt import receipt_card
from tests.fakes.card_data import assignment, backup_control, saved_answer
from tests.fakes.card_schema import all_text, assert_valid_card, buttons, inputs, texts, walk

IDS = {"plan": "lindesberg-ks-2026", "control": "8", "year": 2026, "period": Period.YEAR}


def _card(
    answer: Answer | None = None,
    *,
    pending: bool = False,
    has_next: bool = False,
    target: Assignment | None = None,
) -> dict:
    card = receipt_card(
        target or assignment(), answer or saved_answer(), pending=pending, has_next=has_next
    )
    assert_valid_card(card)
    return card


def test_the_receipt_shows_everything_that_was_saved() -> None:
    card = _card()
    text = all_text(card)
    assert card["body"][0]["text"] == "Svaret är sparat"
    for expected in (
        "Kontrollmoment 8 · Helår 2026: En fil från slumpmässigt valt system återläses",
        "Bedömning: Mindre avvikelse",
        "Antal kontrollerade: 12",
        "Antal avvikelser: 1",
        "Iakttagelser",
        "Teståterläsning av e-postbrevlåda utförd. En fil återlästes först efter två försök.",
        "Analys",
        "Rutinen för återläsning är inte dokumenterad.",
        "Åtgärd",
        "Dokumentera rutinen för återläsning",
        "Åtgärdsansvarig: Kim Lind, IT-chef",
        "Klart senast: 31 mars 2027",
        "Sparat av alexw@example.com den 23 november 2026 kl. 14:05.",
    ):
        assert expected in text
    assert inputs(card) == {}  # read-only
    assert "efter sista svarsdagen" not in text


def test_what_was_not_given_is_not_shown() -> None:
    answer = saved_answer(
        outcome="Ingen avvikelse",
        checked=None,
        deviations=0,
        observations="",
        analysis=" ",
        action=None,
    )
    text = all_text(_card(answer))
    assert "Bedömning: Ingen avvikelse" in text
    assert "Antal avvikelser: 0" in text  # zero is an answer, not a blank
    for missing in ("Antal kontrollerade", "Iakttagelser", "Analys", "Åtgärd", "Klart senast"):
        assert missing not in text


@pytest.mark.parametrize(
    ("pending", "shown", "color"),
    [(True, "Skrivs till Excel inom kort", "warning"), (False, "Skrivet till Excel", "good")],
)
def test_the_receipt_says_whether_excel_has_the_answer(
    pending: bool, shown: str, color: str
) -> None:
    card = _card(pending=pending)
    excel = ("Skrivs till Excel inom kort", "Skrivet till Excel")
    [block] = [e for e in walk(card) if e["type"] == "TextBlock" and e["text"] in excel]
    assert block["text"] == shown
    assert block["color"] == color


def test_summer_time_is_shown_in_swedish_time() -> None:
    answer = saved_answer(answered_at=datetime(2026, 8, 20, 6, 0, tzinfo=UTC))
    assert "den 20 augusti 2026 kl. 08:00." in all_text(_card(answer))


def test_an_answer_after_the_deadline_says_so() -> None:
    # 23:30 UTC on 14 januari is 00:30 on 15 januari in Sweden: one day late.
    answer = saved_answer(answered_at=datetime(2027, 1, 14, 23, 30, tzinfo=UTC))
    assert "Svaret lämnades efter sista svarsdagen (14 januari 2027)." in texts(_card(answer))
    on_time = saved_answer(answered_at=datetime(2027, 1, 14, 22, 30, tzinfo=UTC))
    assert "efter sista svarsdagen" not in all_text(_card(on_time))


def test_buttons_with_a_next_control() -> None:
    found = buttons(_card(has_next=True))
    assert list(found) == ["Nästa kontroll", "Ändra svar", "Mina kontroller"]
    assert card_action.validate_python(found["Nästa kontroll"]["data"]) == NextControl(**IDS)
    assert card_action.validate_python(found["Ändra svar"]["data"]) == OpenControl(**IDS)
    assert card_action.validate_python(found["Mina kontroller"]["data"]) == ShowList()
    for action in found.values():
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"] == action["data"]
        assert action["fallback"]["title"] == action["title"]


def test_no_next_button_when_nothing_is_left() -> None:
    assert list(buttons(_card(has_next=False))) == ["Ändra svar", "Mina kontroller"]


def test_quotes_newlines_braces_and_emoji_cannot_break_the_receipt() -> None:
    tricky = 'Avtal "A" {b} \\ 😀\n- punkt\n}]}'
    control = backup_control(id='8"{', description=tricky)
    answer = saved_answer(control, observations=tricky, analysis=tricky, answered_by='"x"@y.se')
    card = _card(answer, target=assignment(control))
    assert json.loads(json.dumps(card)) == card
    assert tricky in texts(card)
    assert card_action.validate_python(buttons(card)["Ändra svar"]["data"]).control == '8"{'
