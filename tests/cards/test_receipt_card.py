"""The receipt after an answer is saved."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.domain.assignments import Assignment
from bot.domain.model import Answer, Period
from cards.actions import FromReceipt, ShowReceipt, card_action
from cards.receipt import receipt_card
from tests.fakes.card_data import assignment, backup_control, saved_answer
from tests.fakes.card_schema import all_text, assert_valid_card, buttons, inputs, texts, walk

IDS = {"plan": "lindesberg-ks-2026", "control": "8", "year": 2026, "period": Period.YEAR}
ANSWER = {**IDS, "answer": "a1b2c3"}


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


def test_the_receipt_says_whether_excel_has_the_answer() -> None:
    def where(card: dict) -> dict:
        [block] = [
            e
            for e in walk(card)
            if e["type"] == "TextBlock"
            and "Excel" in e["text"]
            or e.get("text", "").startswith("Väntar")
        ]
        return block

    assert where(_card(pending=True))["text"] == "Skrivs till Excel inom kort"
    assert where(_card(pending=True))["color"] == "warning"
    locked = "Arbetsboken ks.xlsx är öppen i Excel. Svaren skrivs in när den stängs."
    waiting = receipt_card(
        assignment(), saved_answer(), pending=True, has_next=False, waiting=locked
    )
    assert where(waiting)["text"] == f"Väntar: {locked}"
    landed = datetime(2026, 11, 23, 13, 6, tzinfo=UTC)
    written = receipt_card(
        assignment(), saved_answer(), pending=False, has_next=False, written_at=landed
    )
    assert where(written)["text"] == "Skrivet till Excel 23 november 2026 kl. 14:06"
    assert where(written)["color"] == "good"


def test_the_receipt_refreshes_itself_for_the_person_who_saved_it() -> None:
    card = receipt_card(
        assignment(), saved_answer(), pending=True, has_next=False, user_id="29:alex"
    )
    assert_valid_card(card)
    refresh = card["refresh"]
    assert refresh["userIds"] == ["29:alex"]
    assert refresh["action"]["type"] == "Action.Execute"
    assert card_action.validate_python(refresh["action"]["data"]) == ShowReceipt(**ANSWER)
    assert "refresh" not in _card()  # nobody to refresh it for


def test_a_replaced_answer_says_by_whom_and_when() -> None:
    newer = saved_answer(
        answer_id="ffff",
        outcome="Ingen avvikelse",
        answered_by="stina@example.com",
        answered_at=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    )
    card = receipt_card(assignment(), saved_answer(), pending=False, has_next=False, newer=newer)
    assert (
        "Ersatt av ett nyare svar 24 november 2026 kl. 10:00 av stina@example.com "
        "(bedömning: Ingen avvikelse)." in texts(card)
    )


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
    assert list(found) == ["Historik", "Nästa kontroll", "Ändra svar", "Mina kontroller"]
    # Each keeps the receipt in the chat: the next card comes as a new message.
    for title, to in (
        ("Nästa kontroll", "next"),
        ("Ändra svar", "change"),
        ("Mina kontroller", "list"),
        ("Historik", "history"),
    ):
        assert card_action.validate_python(found[title]["data"]) == FromReceipt(**ANSWER, to=to)
    for action in found.values():
        assert action["fallback"]["type"] == "Action.Submit"
        assert action["fallback"]["data"] == action["data"]
        assert action["fallback"]["title"] == action["title"]


def test_no_next_button_when_nothing_is_left() -> None:
    assert list(buttons(_card(has_next=False))) == ["Historik", "Ändra svar", "Mina kontroller"]


def test_quotes_newlines_braces_and_emoji_cannot_break_the_receipt() -> None:
    tricky = 'Avtal "A" {b} \\ 😀\n- punkt\n}]}'
    control = backup_control(id='8"{', description=tricky)
    answer = saved_answer(control, observations=tricky, analysis=tricky, answered_by='"x"@y.se')
    card = _card(answer, target=assignment(control))
    assert json.loads(json.dumps(card)) == card
    assert tricky in texts(card)
    assert card_action.validate_python(buttons(card)["Ändra svar"]["data"]).control == '8"{'
